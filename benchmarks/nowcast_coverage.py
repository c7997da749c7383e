"""Coverage of the nowcast's 80% interval on other brands' lives: each demo workspace in turn is
the history, the lives of all the others (other seeds: other brands, the simulator's hidden
parameters drawn again) are held out, with the interval's CV+ folds by room (the default) and
random (as before #4's recalibration). Not a speed benchmark: it prints what docs/live.md quotes.

    python benchmarks/nowcast_coverage.py --build 7,8,9,10,11,12,13,14,17,27 --root demos
    python benchmarks/nowcast_coverage.py demos/seed7 demos/seed8 ...   # already built

Building a demo takes ~30 s (2 cores, idle); the scoring ~5 s a history. Each held-out life
counts once per history it is scored against, so the spread across histories (sd, range) is
the honest uncertainty of the mean, not a binomial interval on the pooled count.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path


def histories(paths: list[Path]) -> list:
    import livecart
    from livecart.live import load_history

    out = []
    for p in paths:
        with livecart.open(p, read_only=True) as ws:
            out.append(load_history(ws))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspaces", nargs="*", type=Path)
    ap.add_argument("--build", default="", help="demo seeds to build (comma-separated)")
    ap.add_argument("--root", type=Path, default=Path("nowcast-demos"))
    args = ap.parse_args()
    paths = list(args.workspaces)
    for seed in [int(s) for s in args.build.split(",") if s]:
        from livecart.demo import build

        path = args.root / f"seed{seed}"
        if not path.exists():
            print(f"building demo seed {seed} into {path}", flush=True)
            build(path, seed=seed, scale=1.0)
        paths.append(path)
    if len(paths) < 2:
        ap.error("give two workspaces or more (or --build SEEDS)")
    hs = histories(paths)
    report(paths, hs)
    own_newest(hs)


def report(paths: list[Path], hs: list) -> None:
    from livecart.live import Nowcaster, evaluate_nowcast
    from livecart.live.history import concat

    got: dict[tuple[str, int], list[float]] = {}
    print(f"{'history':>10} {'held out':>8} {'folds':>7}   coverage at minute 15 / 30 / 60")
    for i, (path, train) in enumerate(zip(paths, hs, strict=True)):
        test = concat([h for j, h in enumerate(hs) if j != i])
        for folds in ("room", "random"):
            rows = evaluate_nowcast(train, test, nowcaster=Nowcaster(by_room=folds == "room"))
            for r in rows:
                got.setdefault((folds, r["minute"]), []).append(r["coverage_80"])
            cov = " / ".join(f"{r['coverage_80']:.1%}" for r in rows)
            print(f"{path.name:>10} {len(test):>8} {folds:>7}   {cov}", flush=True)
    print(f"\nover {len(hs)} histories: mean (sd; range) of the 80% interval's coverage")
    for (folds, m), v in sorted(got.items()):
        sd = statistics.stdev(v) if len(v) > 1 else float("nan")
        print(
            f"  {folds:>6} minute {m:>2}: {statistics.mean(v):.1%} "
            f"(sd {sd:.1%}; {min(v):.1%}-{max(v):.1%})"
        )


def own_newest(hs: list) -> None:
    """Each workspace's newest 30% held out from its own older lives (`live evaluate DIR`),
    the covered counts pooled over the workspaces (independent seeds) with a 95% Wilson
    interval."""
    from livecart.live import Nowcaster, evaluate_nowcast
    from livecart.live.history import split_newest
    from livecart.model.proportions import wilson

    print(f"\neach of the {len(hs)} workspaces' newest 30% held out from its own history (pooled)")
    for folds in ("room", "random"):
        counts: dict[int, list[int]] = {}
        for h in hs:
            train, test = split_newest(h, 0.3)
            nc = Nowcaster(by_room=folds == "room")
            for r in evaluate_nowcast(train, test, nowcaster=nc):
                k_n = counts.setdefault(r["minute"], [0, 0])
                k_n[0] += r["covered"]
                k_n[1] += r["sessions"]
        for m, (k, n) in sorted(counts.items()):
            lo, hi = wilson(k, n, level=0.95)
            print(f"  {folds:>6} minute {m:>2}: {k / n:.1%} of {n} lives ({lo:.1%}-{hi:.1%})")


if __name__ == "__main__":
    main()
