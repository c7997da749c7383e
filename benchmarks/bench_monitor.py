"""Benchmark of the live monitor (issue #4).

1. Throughput: N events (default 10 million) over R concurrent rooms (default 1,000), from
   JSON-lines bytes, on one core (Arrow and BLAS threads pinned to 1). Reported against
   (a) a plain pandas pipeline on the same bytes: read_json(lines=True) then a group-by
       (session, minute, type) with counts and sums; and
   (b) the floor: one numpy bincount over the same events already parsed into arrays.
2. Latency at 10,000 events/s: a producer thread stamps each event's arrival and queues it; the
   consumer drains the queue, feeds the monitor and recomputes the headline state (totals) of
   every touched session, which is what the dashboard pushes; latency = state ready - arrival.

    python benchmarks/bench_monitor.py                 # full: 10M events, 1,000 rooms
    python benchmarks/bench_monitor.py --events 1e6    # quick
"""

from __future__ import annotations

import argparse
import io
import os
import queue
import threading
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

from livecart.live import Monitor, totals  # noqa: E402

pa.set_cpu_count(1)
T0 = 1_764_615_600_000
KINDS = [
    "viewers",
    "join",
    "comment",
    "like",
    "product_impression",
    "product_click",
    "add_to_cart",
    "order",
    "share",
    "follow",
]
P = [0.05, 0.15, 0.15, 0.25, 0.2, 0.12, 0.03, 0.03, 0.01, 0.01]


def make_lines(n: int, rooms: int, seed: int = 0, span_ms: int = 2 * 3600 * 1000) -> bytes:
    """n events over `rooms` rooms in time order, as JSON lines (the live_starts first)."""
    rng = np.random.default_rng(seed)
    out = [
        f'{{"id":"start-{r}","session_id":"R{r}","ts":{T0},"type":"live_start",'
        f'"planned_minutes":120,"currency":"USD"}}'
        for r in range(rooms)
    ]
    chunk = 500_000
    for lo in range(0, n, chunk):
        k = min(chunk, n - lo)
        room = rng.integers(0, rooms, k)
        ts = T0 + 1 + (np.arange(lo, lo + k) * span_ms) // n
        kind = rng.choice(len(KINDS), k, p=P)
        sku = rng.integers(0, 20, k)
        cnt = rng.integers(1, 200, k)
        for i in range(k):
            t = KINDS[kind[i]]
            head = f'{{"id":"e{lo + i}","session_id":"R{room[i]}","ts":{ts[i]},"type":"{t}"'
            if t == "viewers":
                head += f',"count":{cnt[i]}'
            elif t == "like":
                head += f',"count":{cnt[i] % 9 + 1}'
            elif t in ("product_impression", "product_click", "add_to_cart"):
                head += f',"sku_id":"K{sku[i]}"'
            elif t == "order":
                head += (
                    f',"order_id":"o{lo + i}","sku_id":"K{sku[i]}","quantity":1,'
                    f'"price":19.9,"currency":"USD"'
                )
            elif t == "join":
                head += ',"source":"foryou"'
            out.append(head + "}")
    return ("\n".join(out) + "\n").encode()


def chunks(data: bytes, size: int = 8 << 20):
    start = 0
    while start < len(data):
        end = data.rfind(b"\n", start, start + size) + 1 if start + size < len(data) else len(data)
        yield data[start:end]
        start = end


def run_monitor(data: bytes) -> tuple[float, Monitor]:
    mon = Monitor(lateness_seconds=120)
    t = time.perf_counter()
    for part in chunks(data):
        mon.feed_lines(part)
    return time.perf_counter() - t, mon


def run_pandas(data: bytes) -> tuple[float, float]:
    t = time.perf_counter()
    df = pd.read_json(io.BytesIO(data), lines=True)
    parsed = time.perf_counter()
    df["minute"] = (df["ts"] - T0) // 60000
    df["gmv"] = df["quantity"].fillna(0) * df["price"].fillna(0)
    df.groupby(["session_id", "minute", "type"]).agg(
        n=("id", "size"), count=("count", "sum"), gmv=("gmv", "sum")
    )
    return time.perf_counter() - t, parsed - t


def run_floor(mon_rows: int, rooms: int, rng: np.random.Generator) -> float:
    """A bincount over arrays standing for the parsed events (codes already integers)."""
    sess = rng.integers(0, rooms, mon_rows)
    minute = rng.integers(0, 120, mon_rows)
    kind = rng.integers(0, len(KINDS), mon_rows)
    w = rng.random(mon_rows)
    t = time.perf_counter()
    key = (sess * 120 + minute) * len(KINDS) + kind
    np.bincount(key, minlength=rooms * 120 * len(KINDS))
    np.bincount(key, weights=w, minlength=rooms * 120 * len(KINDS))
    return time.perf_counter() - t


def latency(rate: int, seconds: float, rooms: int) -> tuple[float, float, int]:
    lines = make_lines(int(rate * seconds), rooms, seed=1).split(b"\n")
    starts, events = lines[:rooms], [x for x in lines[rooms:] if x]
    mon = Monitor()
    mon.feed_lines(b"\n".join(starts))
    q: queue.Queue = queue.Queue()

    def produce() -> None:
        t0 = time.perf_counter()
        for i, line in enumerate(events):
            due = t0 + i / rate
            while time.perf_counter() < due:
                time.sleep(0.0005)
            q.put((time.perf_counter(), line))
        q.put(None)

    th = threading.Thread(target=produce, daemon=True)
    th.start()
    lat: list[float] = []
    done = False
    while not done:
        batch = [q.get()]
        while not q.empty():
            batch.append(q.get_nowait())
        if batch[-1] is None:
            batch.pop()
            done = True
        if not batch:
            continue
        mon.feed_lines(b"\n".join(line for _, line in batch))
        sids = {line.split(b'"session_id":"', 1)[1].split(b'"', 1)[0].decode() for _, line in batch}
        for s in sids:
            totals(mon.sessions[s])
        now = time.perf_counter()
        lat += [now - arr for arr, _ in batch]
    a = np.array(lat)
    return float(np.percentile(a, 50)), float(np.percentile(a, 99)), len(a)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=float, default=10e6)
    ap.add_argument("--rooms", type=int, default=1000)
    ap.add_argument(
        "--pandas-events",
        type=float,
        default=2e6,
        help="events for the pandas baseline (its rate is per event, measured on "
        "a prefix: pandas on 10M lines needs more memory than the monitor)",
    )
    ap.add_argument("--latency-seconds", type=float, default=10.0)
    ap.add_argument("--latency-rooms", type=int, default=100)
    a = ap.parse_args()
    n = int(a.events)
    t = time.perf_counter()
    data = make_lines(n, a.rooms)
    print(
        f"generated {n:,} events over {a.rooms:,} rooms ({len(data) / 1e6:,.0f} MB) in "
        f"{time.perf_counter() - t:.0f} s (not timed below)"
    )
    secs, mon = run_monitor(data)
    mon_rate = n / secs
    total = sum(s.accepted for s in mon.sessions.values())
    print(
        f"monitor (JSON bytes -> per-minute state): {secs:.2f} s, {mon_rate:,.0f} events/s "
        f"(accepted {total:,}, malformed {mon.malformed_count})"
    )
    np_ = min(int(a.pandas_events), n)
    prefix = b"".join(data.splitlines(keepends=True)[: np_ + a.rooms])
    p_secs, p_parse = run_pandas(prefix)
    p_rate = np_ / p_secs
    print(
        f"pandas read_json + group-by on {np_:,} events: {p_secs:.2f} s "
        f"(parse {p_parse:.2f} s), {p_rate:,.0f} events/s"
    )
    f_secs = run_floor(n, a.rooms, np.random.default_rng(0))
    f_rate = n / f_secs
    print(f"numpy bincount floor (pre-parsed arrays): {f_secs:.3f} s, {f_rate:,.0f} events/s")
    print(
        f"ratios: monitor / pandas = {mon_rate / p_rate:.1f}x, "
        f"monitor / floor = {mon_rate / f_rate:.3f} (floor is {f_rate / mon_rate:.0f}x faster)"
    )
    p50, p99, k = latency(10_000, a.latency_seconds, a.latency_rooms)
    print(
        f"latency at 10,000 events/s over {a.latency_rooms} rooms ({k:,} events): "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
