"""CLI start: how long a person waits for `livecart --help` and `livecart status DIR`, whole
processes, against the floors in the same run: a bare `python -c pass` and a Python process that
imports duckdb and runs the same row counts `status` prints (what status cannot go below).

    python benchmarks/bench_cli.py            # 15 runs of each, median and spread
    python benchmarks/bench_cli.py --runs 5

Target (issue #18): both commands under 0.5 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import result

COUNT_ROWS = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[1] + '/livecart.duckdb', read_only=True)\n"
    'names = [r[0] for r in con.sql("SELECT table_name FROM information_schema.tables '
    "WHERE table_schema = 'main'\").fetchall()]\n"
    "print({n: con.execute(f'SELECT count(*) FROM \"{n}\"').fetchone()[0] for n in names})\n"
)


def _livecart() -> list[str]:
    """The installed console script beside this Python (not a version manager's shim, whose own
    start, ~0.1-0.3 s for pyenv, is not livecart's)."""
    exe = Path(sys.executable).parent / "livecart"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("livecart")
    return [found] if found else [sys.executable, "-m", "livecart"]


def time_runs(cmd: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock seconds and CPU seconds (user + system) of each whole process."""
    env = {**os.environ, "COLUMNS": "100"}
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        wall.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        subprocess.run([*_livecart(), "init", str(ws)], check=True, capture_output=True)
        cases = [
            ("python -c pass (floor)", [sys.executable, "-c", "pass"]),
            ("livecart --help", [*_livecart(), "--help"]),
            ("python + duckdb row counts (floor)", [sys.executable, "-c", COUNT_ROWS, str(ws)]),
            ("livecart status DIR", [*_livecart(), "status", str(ws)]),
        ]
        times = {name: time_runs(cmd, args.runs) for name, cmd in cases}
    print(f"{'command':<38} {'wall median':>11} {'min':>7} {'max':>7} {'CPU median':>11}")
    for name, (wall, cpu) in times.items():
        print(
            f"{name:<38} {statistics.median(wall):10.3f}s {min(wall):6.3f}s {max(wall):6.3f}s "
            f"{statistics.median(cpu):10.3f}s"
        )
    print(
        f"({args.runs} runs each; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    med = {k: statistics.median(v[0]) for k, v in times.items()}
    bare, floor = med["python -c pass (floor)"], med["python + duckdb row counts (floor)"]
    result(
        "`livecart --help`, whole process (target < 0.5 s)",
        f"{med['livecart --help']:.2f} s",
        f"`python -c pass`, {bare:.2f} s",
        f"{med['livecart --help'] / bare:.1f}x its time",
    )
    result(
        "`livecart status DIR`, whole process (target < 0.5 s)",
        f"{med['livecart status DIR']:.2f} s",
        f"python + duckdb row counts, {floor:.2f} s",
        f"{med['livecart status DIR'] / floor:.1f}x its time",
    )


if __name__ == "__main__":
    main()
