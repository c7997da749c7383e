"""Faults of a served workspace (issue #14), whole `livecart serve` processes on loopback:

- stop: seconds from SIGTERM (and SIGINT) to the process's exit with a live run following the
  ingest and a dashboard's event stream open (before #14 a SIGTERM never stopped it);
- crash: signed batches (2 orders and a like each) posted while the server is killed with
  SIGKILL at random moments and started again, the sender retrying a batch until it is answered
  200; then whether every accepted event is counted exactly once (live view and workspace).

    python benchmarks/bench_faults.py                  # 3 stops of each signal, 5 kills
    python benchmarks/bench_faults.py --stops 5 --kills 10
"""

from __future__ import annotations

import argparse
import random
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' served-process helper

from report import result  # noqa: E402

import livecart  # noqa: E402
from tests.web.served import T0, Sender, Served  # noqa: E402

START = [{"id": "start", "ts": T0, "type": "live_start", "currency": "USD"}]


def workspace() -> Path:
    path = Path(tempfile.mkdtemp()) / "ws"
    livecart.init(path).close()
    return path


def stop_seconds(sig: signal.Signals) -> tuple[float, int]:
    s = Served(workspace()).start()
    try:
        s.post_batch("S1", "b0", START)
        s.get("/api/live/S1")
        host, port = s.url.removeprefix("http://").rsplit(":", 1)
        stream = socket.create_connection((host, int(port)))
        stream.sendall(f"GET /api/live/S1/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        time.sleep(0.5)
        seconds, code = s.stop(sig)
        stream.close()
        return seconds, code
    finally:
        s.kill()


def crash(kills: int, seed: int = 14) -> tuple[int, bool, float]:
    rng = random.Random(seed)
    path = workspace()
    server = Served(path).start()
    sender = Sender(server)
    sender.start()
    t0 = time.monotonic()
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.3, 1.5))
            server.kill()
            server.start()
        time.sleep(1.0)
        sender.stop.set()
        sender.join(timeout=30)
        want = sender.accepted
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, v = server.get("/api/live/S1")
            if status == 200 and v["totals"]["orders"] == 2 * want:
                break
            time.sleep(0.1)
        time.sleep(1.0)
        _, v = server.get("/api/live/S1")
        seconds = time.monotonic() - t0
        server.stop(signal.SIGTERM)
        with livecart.open(path, read_only=True) as ws:
            row = ws.query("SELECT orders, likes FROM sessions").iloc[0]
        exact = v["totals"]["orders"] == row.orders == 2 * want and row.likes == 3 * want
        return want, bool(exact), seconds
    finally:
        sender.stop.set()
        server.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stops", type=int, default=3)
    ap.add_argument("--kills", type=int, default=5)
    args = ap.parse_args()
    for sig in (signal.SIGTERM, signal.SIGINT):
        runs = [stop_seconds(sig) for _ in range(args.stops)]
        secs = [s for s, _ in runs]
        codes = sorted({c for _, c in runs})
        print(f"{sig.name}: {', '.join(f'{s:.2f}' for s in secs)} s, exit codes {codes}")
        result(
            f"`livecart serve` stop on {sig.name} with a live run and an event stream open",
            f"median {statistics.median(secs):.1f} s, max {max(secs):.1f} s, exit {codes}",
            note=f"{args.stops} runs",
        )
    batches, exact, seconds = crash(args.kills)
    print(f"crash: {args.kills} SIGKILLs, {batches} batches accepted, exact={exact}")
    result(
        f"served ingest killed {args.kills} times (SIGKILL at random moments) and restarted",
        f"{batches} batches ({3 * batches} events) accepted, "
        + ("each counted exactly once" if exact else "COUNTS DIFFER"),
        note=f"{seconds:.0f} s, loopback",
    )


if __name__ == "__main__":
    main()
