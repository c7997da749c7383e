"""The dashboard's reads while the team writes: a real `livecart serve` on the demo, readers
polling the dashboard's API (overview, plans, the live list, a live session being replayed, a past
live, the products ranking) first alone, then while writes run through the same API (imports and
plan creates as background jobs) and a past live replays at 10,000 events a second. Latency of
each read, whole HTTP round trips on loopback; p50 and p99 of the quiet phase against the busy one.

    python benchmarks/bench_workbench_reads.py                  # builds the demo (seed 7, 0.2)
    python benchmarks/bench_workbench_reads.py --workspace DIR --writes 6 --readers 2

Target (issue #17): read p99 under 1 s while the writes run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from report import result

TOKEN = "bench-workbench"
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
READS = ["/api/overview", "/api/plans", "/api/live", "/api/live/{live}", "/api/live/L0020"]


def serve(ws: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "LIVECART_API_TOKEN": TOKEN}
    cmd = [sys.executable, "-m", "livecart", "serve", str(ws), "--port", "0"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    while " at http" not in (line := proc.stdout.readline()):
        if not line:
            raise SystemExit("livecart serve did not start")
    url = line.split(" at ")[1].split()[0].rstrip("/")
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2).read()
            return proc, url
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("livecart serve never answered") from None
            time.sleep(0.1)


def call(url: str, method: str = "GET", body: bytes | None = None, ctype: str = "") -> dict:
    headers = {"Authorization": f"Bearer {TOKEN}"} if method != "GET" else {}
    if ctype:
        headers["Content-Type"] = ctype
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read() or b"null")


def finish(url: str, job: dict) -> None:
    while job["status"] == "running":
        time.sleep(0.1)
        job = call(f"{url}/api/jobs/{job['id']}")
    if job["status"] != "done":
        raise SystemExit(f"write failed: {job['error']}")


def upload(url: str, name: str, data: bytes) -> dict:
    boundary = "benchboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return call(url, "POST", body, f"multipart/form-data; boundary={boundary}")


def writes(url: str, n: int, done: list[float]) -> None:
    """``n`` writes, alternating a markets import and a plan create, each to its job's end."""
    markets = (FIXTURES / "markets.csv").read_bytes()
    for i in range(n):
        t = time.perf_counter()
        if i % 2 == 0:
            extra = f"Z{i},Zland {i},USD,UTC\n".encode()
            finish(url, upload(f"{url}/api/imports/markets", f"m{i}.csv", markets + extra))
        else:
            plan = {"market": "US", "start": f"2027-02-{10 + i:02d} 19:00", "budget": 900}
            finish(
                url, call(f"{url}/api/plans", "POST", json.dumps(plan).encode(), "application/json")
            )
        done.append(time.perf_counter() - t)


by_route: dict[str, list[float]] = {}


def read_loop(
    url: str, live: str, stop: threading.Event, out: list[float], errors: list[str]
) -> None:
    i = 0
    while not stop.is_set():
        path = READS[i % len(READS)].format(live=live)
        i += 1
        t = time.perf_counter()
        try:
            urllib.request.urlopen(url + path, timeout=30).read()
        except OSError as e:
            errors.append(f"{path}: {e}")
            continue
        out.append(time.perf_counter() - t)
        by_route.setdefault(READS[(i - 1) % len(READS)], []).append(out[-1])


def record(ws: Path, sid: str) -> None:
    """Write past live ``sid``'s recording where the server's replay route looks for it (before
    the server owns the workspace)."""
    from livecart.demo import session_events

    path = ws / "replays" / f"{sid}.jsonl"
    path.parent.mkdir(exist_ok=True)
    path.write_text("".join(e.to_json() + "\n" for e in session_events(ws, sid)))


def replay(url: str, ws: Path, sid: str, rate: float = 10_000) -> int:
    """Replay past live ``sid`` in the server paced at ``rate`` events a second; its events."""
    text = (ws / "replays" / f"{sid}.jsonl").read_text().splitlines()
    span = (json.loads(text[-1])["ts"] - json.loads(text[0])["ts"]) / 1000
    call(f"{url}/api/live/replays/{sid}?speed={min(rate * span / len(text), 10_000):.2f}", "POST")
    return len(text)


def phase(url: str, live: str, readers: int, work) -> tuple[list[float], list[str], float]:
    """Read with ``readers`` threads while ``work()`` runs; the reads' times and errors."""
    stop, times, errors = threading.Event(), [], []
    threads = [
        threading.Thread(target=read_loop, args=(url, live, stop, times, errors))
        for _ in range(readers)
    ]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    work()
    took = time.perf_counter() - t0
    stop.set()
    for t in threads:
        t.join()
    return times, errors, took


def pct(v: list[float], q: float) -> float:
    return statistics.quantiles(v, n=100, method="inclusive")[q - 1] if len(v) > 1 else v[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workspace", type=Path, default=None)
    ap.add_argument("--writes", type=int, default=6, help="imports and plan creates, alternating")
    ap.add_argument("--readers", type=int, default=2)
    ap.add_argument("--quiet-seconds", type=float, default=10.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        if args.workspace is None:
            from livecart.demo import build

            build(ws, seed=7, scale=0.2)
        else:
            shutil.copytree(args.workspace, ws)
        for sid in ("L0002", "L0003"):
            record(ws, sid)
        proc, url = serve(ws)
        try:
            # a past live replaying in the server at 10,000 events a second in each phase
            replay(url, ws, "L0002")
            time.sleep(1.0)
            for path in READS:  # warm: first reads fit models and fill the result cache
                urllib.request.urlopen(url + path.format(live="L0002"), timeout=300).read()
            pause = args.quiet_seconds
            quiet, qerr, _ = phase(url, "L0002", args.readers, lambda: time.sleep(pause))
            replay(url, ws, "L0003")
            time.sleep(1.0)
            took: list[float] = []
            work = lambda: writes(url, args.writes, took)  # noqa: E731
            busy, berr, span = phase(url, "L0003", args.readers, work)
        finally:
            proc.terminate()
            proc.wait(30)
    print(f"{'phase':<40} {'reads':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    for name, v, err in (("quiet (replay only)", quiet, qerr), ("while writing", busy, berr)):
        print(
            f"{name:<40} {len(v):6d} {1000 * pct(v, 50):8.1f} {1000 * pct(v, 99):8.1f} "
            f"{1000 * max(v):8.1f} {len(err):6d}"
        )
    print(
        f"{args.writes} writes (imports, plan creates) took {span:.1f} s "
        f"(each {min(took):.1f}-{max(took):.1f} s); replay paced at 10,000 events/s; "
        f"{args.readers} readers; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for path, v in by_route.items():
        print(f"  {path:<38} {len(v):6d} {1000 * pct(v, 50):8.1f} {1000 * pct(v, 99):8.1f}")
    result(
        "dashboard API read p99 while imports and plan creates run (target < 1 s)",
        f"{1000 * pct(busy, 99):.0f} ms",
        f"{1000 * pct(quiet, 99):.0f} ms with no writes",
        f"{pct(busy, 99) / pct(quiet, 99):.1f}x",
        note=f"{len(busy)} reads of {', '.join(READS)}; a replay at 10k events/s throughout",
    )


if __name__ == "__main__":
    main()
