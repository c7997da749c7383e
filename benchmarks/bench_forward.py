"""One owner, many clients: `livecart status` and `livecart plan create` on a workspace that a
running `livecart serve` owns (the command runs inside the server) against the same commands on
an identical workspace with no server, whole processes, runs interleaved so the machine's load
falls on both alike.

    python benchmarks/bench_forward.py              # 7 runs of status, 3 of plan create
    python benchmarks/bench_forward.py --runs 3

Target (issue #17): each under 1.5x its time without a server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import result

ENV = {**os.environ, "COLUMNS": "100", "LIVECART_API_TOKEN": ""}


def livecart(*args: str) -> list[str]:
    return [sys.executable, "-m", "livecart", *args]


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    if r.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr}")
    return time.perf_counter() - t


def serve(ws: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        livecart("serve", str(ws), "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
    )
    while "http://" not in (line := proc.stdout.readline()):
        if not line:
            raise SystemExit("livecart serve did not start")
    deadline = time.monotonic() + 60
    while not (ws / "livecart-server.json").exists():
        if time.monotonic() > deadline:
            raise SystemExit("the server never advertised itself")
        time.sleep(0.1)
    return proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--plan-runs", type=int, default=3)
    args = ap.parse_args()
    from livecart.demo import build

    with tempfile.TemporaryDirectory() as tmp:
        alone, owned = Path(tmp) / "alone", Path(tmp) / "owned"
        build(alone, seed=7, scale=0.2)
        shutil.copytree(alone, owned)
        server = serve(owned)
        try:
            times: dict[str, list[float]] = {k: [] for k in ("sa", "so", "pa", "po")}
            for _ in range(args.runs):
                times["sa"].append(timed(livecart("status", str(alone))))
                times["so"].append(timed(livecart("status", str(owned))))
            for i in range(args.plan_runs):
                plan = ["--market", "US", "--start", f"2027-01-{10 + i} 19:00", "--budget", "900"]
                times["pa"].append(timed(livecart("plan", "create", str(alone), *plan)))
                times["po"].append(timed(livecart("plan", "create", str(owned), *plan)))
        finally:
            server.terminate()
            server.wait(30)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{'command':<44} {'median':>8} {'min':>7} {'max':>7}")
    for key, name in (
        ("sa", "livecart status DIR (no server)"),
        ("so", "livecart status DIR (server owns DIR)"),
        ("pa", "livecart plan create DIR (no server)"),
        ("po", "livecart plan create DIR (server owns DIR)"),
    ):
        v = times[key]
        print(f"{name:<44} {med[key]:7.2f}s {min(v):6.2f}s {max(v):6.2f}s")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for label, a, o in (("status", "sa", "so"), ("plan create", "pa", "po")):
        result(
            f"`livecart {label}` on a server-owned workspace (target < 1.5x alone)",
            f"{med[o]:.2f} s",
            f"the same command with no server, {med[a]:.2f} s",
            f"{med[o] / med[a]:.2f}x its time",
        )


if __name__ == "__main__":
    main()
