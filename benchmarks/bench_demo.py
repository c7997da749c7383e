"""Demo generation speed: raw live events per second, and a whole build's rows per second.

    python benchmarks/bench_demo.py [--scale 1] [--sessions 40]

1. Room simulation (the hot path): events generated and aggregated into per-minute rows per
   second, for the first N sessions of a scale-1 demo, against a baseline in the same run: the
   same events made into `Event` objects and aggregated one by one in Python (what a
   per-viewer-object simulator would cost), on a few sessions.
2. A whole build at --scale into a temporary folder: seconds, rows written per second, raw
   events per second, peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import collections
import resource
import shutil
import tempfile
import time
from pathlib import Path

from report import result

from livecart.demo import build, plans, room, tables
from livecart.demo.world import make_world


def bench_rooms(n: int) -> tuple[float, int]:
    w = make_world(42, 1.0)
    ps = plans.make_plans(w)[:n]
    t = time.perf_counter()
    events = 0
    for p in ps:
        log = room.simulate(p, 42)
        tables.live_minutes(log)
        events += len(log)
    return time.perf_counter() - t, events


def bench_python_baseline(n: int) -> tuple[float, int]:
    w = make_world(42, 1.0)
    ps = plans.make_plans(w)[:n]
    t = time.perf_counter()
    events = 0
    for p in ps:
        log = room.simulate(p, 42)
        per_minute: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
        for e in room.to_events(log):
            per_minute[(e.ts - p.start_ms) // 60_000][e.type] += 1
            events += 1
    return time.perf_counter() - t, events


def bench_build(scale: float) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp()) / "demo"
    try:
        t = time.perf_counter()
        s = build(tmp, seed=42, scale=scale)
        secs = time.perf_counter() - t
        w = make_world(42, scale)
        raw = sum(len(room.simulate(p, 42)) for p in plans.make_plans(w)[:10])
        per_session = raw / 10
        rows = sum(s.counts.values())
        return {
            "seconds": secs,
            "rows": rows,
            "rows_per_s": rows / secs,
            "raw_events_est": per_session * s.counts["sessions"],
            "raw_events_per_s_est": per_session * s.counts["sessions"] / secs,
        }
    finally:
        shutil.rmtree(tmp.parent, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--sessions", type=int, default=40)
    args = ap.parse_args()
    secs, ev = bench_rooms(args.sessions)
    fast = ev / secs
    print(f"room simulation + aggregation: {ev:,} events in {secs:.2f}s = {fast:,.0f} events/s")
    bsecs, bev = bench_python_baseline(3)
    slow = bev / bsecs
    print(f"baseline, Event objects aggregated in Python: {slow:,.0f} events/s")
    print(f"ratio vectorised / per-object baseline: {fast / slow:.1f}x")
    result(
        "demo room simulation (events generated and aggregated per minute)",
        f"{fast / 1e6:.1f}M events/s",
        f"per-event Python objects, {slow / 1e3:,.0f}k events/s",
        f"{fast / slow:.0f}x faster",
    )
    b = bench_build(args.scale)
    print(
        f"build at scale {args.scale}: {b['seconds']:.1f}s, {b['rows']:,} rows "
        f"({b['rows_per_s']:,.0f} rows/s), ~{b['raw_events_est']:,.0f} raw events "
        f"({b['raw_events_per_s_est']:,.0f} events/s)"
    )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
