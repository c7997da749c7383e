"""Run the benchmark scripts and rewrite the README's Benchmarks table from what they print.

Each script prints its own report and, for each figure the README quotes, a line
``RESULT {json}`` (benchmarks/report.py). This script runs them one after another (the machine
they share is the one described under the table), keeps their full output in
``benchmarks/last-run.txt`` and replaces the table between the README's
``<!-- benchmarks:start -->`` and ``<!-- benchmarks:end -->`` markers with their RESULT rows,
the machine, the date and the load average during the run.

    python benchmarks/readme_table.py                    # every script (~10 minutes)
    python benchmarks/readme_table.py --only cli import  # some; others kept from last-run.txt
    python benchmarks/readme_table.py --from benchmarks/last-run.txt   # no new run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
LOG = HERE / "last-run.txt"
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
PLAN = {
    "cli": ["bench_cli.py", "--runs", "9"],
    "import": ["bench_import.py", "--rows", "1000000"],
    "monitor": ["bench_monitor.py", "--events", "2e6", "--e2e-events", "1e6",
                "--latency-seconds", "5"],
    "sources": ["bench_sources.py", "--events", "500000", "--seconds", "15"],
    "demo": ["bench_demo.py"],
    "api_reads": ["bench_api_reads.py", "--runs", "5"],
    "faults": ["bench_faults.py", "--stops", "3", "--kills", "5"],
    "roster": ["bench_roster.py"],
    "plan": ["bench_plan.py", "--runs", "3"],
    "plan_profit": ["bench_plan.py", "--runs", "3", "--objective", "profit"],
    "lake": ["bench_lake.py", "--scale", "1", "--runs", "3"],
    "results": ["bench_results.py"],
    "rooms_spread": ["bench_rooms_spread.py"],
}  # fmt: skip


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def sections(log: str) -> dict[str, str]:
    """A saved run's output by script name (the text after each ``### name:`` line)."""
    parts = re.split(r"^### ", log, flags=re.M)[1:]
    return {p.split(":", 1)[0]: "### " + p for p in parts}


def run(names: list[str], keep: dict[str, str]) -> str:
    """Run ``names``; the other scripts' sections come from ``keep`` (an earlier run)."""
    out = []
    for name in PLAN:
        if name not in names:
            if name in keep:
                out.append(keep[name].rstrip("\n"))
            continue
        cmd = [sys.executable, str(HERE / PLAN[name][0]), *PLAN[name][1:]]
        load0 = os.getloadavg()[0]
        print(f"running {' '.join(cmd[1:])} ...", flush=True)
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
        load1 = os.getloadavg()[0]
        when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        out.append(
            f"### {name}: {' '.join(PLAN[name])} (load average {load0:.1f} -> {load1:.1f}, {when})"
        )
        out.append(
            p.stdout + (f"\n[exit {p.returncode}]\n{p.stderr[-3000:]}" if p.returncode else "")
        )
    stamp = f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}"
    return stamp + "\n" + "\n".join(out)


def table(log: str) -> str:
    stamp = log.splitlines()[0].lstrip("# ")
    dates = sorted(set(re.findall(r"^### .*, (\d{4}-\d\d-\d\d \d\d:\d\d UTC)\)$", log, re.M)))
    if len(dates) > 1:  # some scripts kept from an earlier run
        stamp += f" (scripts run between {dates[0]} and {dates[-1]})"
    loads = [float(x) for x in re.findall(r"load average ([\d.]+) -> ([\d.]+)", log) for x in x]
    cores = os.cpu_count() or 1
    rows = [json.loads(m) for m in re.findall(r"^RESULT (\{.*\})$", log, flags=re.M)]
    lines = [
        f"Measured {stamp}; load average {min(loads, default=0):.1f}-{max(loads, default=0):.1f}"
        + (
            f" on {cores} cores: taken under load (other jobs shared the machine), so times are"
            " noisy and CPU seconds, where printed, say more than wall clock."
            if max(loads, default=0) > 0.5 * cores
            else "."
        ),
        "",
        "| path | livecart | baseline (same run) | ratio |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['path']} | {r['livecart']} | {r['baseline']} | {r['ratio']} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", choices=list(PLAN), help="run only these scripts")
    ap.add_argument("--from", dest="source", type=Path, help="a saved run instead of a new one")
    a = ap.parse_args()
    if a.source:
        log = a.source.read_text()
    else:
        kept = sections(LOG.read_text()) if a.only and LOG.exists() else {}
        log = run(a.only or list(PLAN), kept)
        LOG.write_text(log)
    text = README.read_text()
    if START not in text or END not in text:
        sys.exit(f"README.md has no {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{table(log)}\n{END}{tail}")
    print(table(log))


if __name__ == "__main__":
    main()
