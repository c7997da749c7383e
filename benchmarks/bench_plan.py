"""`livecart plan create`: how long a person waits for a session plan, whole processes on a demo
workspace, against the same command with the algorithm it had before issue #18 patched back in
(in the same run): the response curves fitted with scipy's finite-difference Jacobian, the
split search valuing all phases at once, the product ranking's views-to-settle simulation,
which the plan never reads, and the per-row group lookup of the selection model's draws.
Also the floor: `plan create --rule` (2:6:2, no curve fit).

    python benchmarks/bench_plan.py                  # builds a demo (seed 42, scale 1), 3 runs
    python benchmarks/bench_plan.py --demo DIR --runs 5
    python benchmarks/bench_plan.py --objective profit

Both paths make the same plan: tests/ads/test_response.py checks that the two fits give the same
split (expected GMV within 1e-6 relative).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_cli import _livecart, time_runs
from report import result

# The pre-#18 algorithm, patched into a whole `livecart` process: the baseline.
BEFORE = """
import numpy as np
from livecart.ads import optimize, response
from livecart.selection import betabin, fit

response.JACOBIAN = "2-point"
optimize._value = lambda draws, spend: np.stack([c.response(spend).sum(-1) for c in draws])


def index(self, group):
    gi = {g: i for i, g in enumerate(self.groups)}
    return np.array([gi[tuple(g)] for g in group], dtype=int)


betabin.BetaPrior.index = index
summary = fit.FitModel.summary
fit.FitModel.summary = lambda self, market=None, settle=True: summary(self, market, True)

from livecart.cli import app

app(prog_name="livecart")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--demo", type=Path, help="an existing demo workspace (default: build one)")
    ap.add_argument("--scale", type=float, default=1.0, help="demo scale when building")
    ap.add_argument("--objective", default="gmv", help="gmv, profit or roas")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        if args.demo:
            shutil.copytree(args.demo, ws)
        else:
            from livecart.demo import build

            build(ws, seed=42, scale=args.scale)
        plan = ["plan", "create", str(ws), "--market", "US", "--start", "2030-01-10 19:00"]
        plan += ["--budget", "5000", "--objective", args.objective]
        cases = [
            ("plan create --rule (floor: no curve fit)", [*_livecart(), *plan, "--rule"]),
            ("plan create, before #18 (baseline)", [sys.executable, "-c", BEFORE, *plan]),
            ("plan create", [*_livecart(), *plan]),
        ]
        times = {}
        for _ in range(args.runs):  # interleaved, so load changes hit every case alike
            for name, cmd in cases:
                w, c = time_runs(cmd, 1)
                times.setdefault(name, ([], []))
                times[name][0].extend(w)
                times[name][1].extend(c)
    print(f"{'command':<44} {'wall median':>11} {'CPU median':>11} {'CPU min':>8} {'CPU max':>8}")
    for name, (wall, cpu) in times.items():
        print(
            f"{name:<44} {statistics.median(wall):10.2f}s {statistics.median(cpu):10.2f}s "
            f"{min(cpu):7.2f}s {max(cpu):7.2f}s"
        )
    load = os.getloadavg()[0]
    print(f"({args.runs} runs each; load average {load:.1f} on {os.cpu_count()} cores; CPU")
    print(" seconds are the figure to compare when other work shares the cores)")
    cpu = {k: statistics.median(v[1]) for k, v in times.items()}
    now, before = cpu["plan create"], cpu["plan create, before #18 (baseline)"]
    result(
        f"`livecart plan create --objective {args.objective}` on the demo (whole process, CPU)",
        f"{now:.1f} s",
        f"the pre-#18 algorithm, {before:.1f} s",
        f"{before / now:.1f}x faster",
        f"`--rule` (no curve fit): {cpu['plan create --rule (floor: no curve fit)']:.1f} s",
    )


if __name__ == "__main__":
    main()
