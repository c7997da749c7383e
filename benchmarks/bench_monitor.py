"""Benchmark of the live monitor (issue #4).

1. Throughput: N events (default 10 million) over R concurrent rooms (default 1,000), from
   JSON-lines bytes, on one core (Arrow and BLAS threads pinned to 1). Reported against
   (a) a plain pandas pipeline on the same bytes: read_json(lines=True) then a group-by
       (session, minute, type) with counts and sums; and
   (b) the floor: one numpy bincount over the same events already parsed into arrays.
2. Latency at 10,000 events/s: a producer thread stamps each event's arrival and queues it.
   (a) In-process: the consumer drains the queue, feeds the monitor and recomputes the headline
       state (totals) of every touched session; latency = state ready - arrival.
   (b) To the dashboard: the queue is a source of a served workspace's live hub (uvicorn on
       loopback, the real app); streaming HTTP clients follow some rooms' server-sent events
       (/api/live/{id}/events); an event's latency = arrival of the first SSE view whose
       ``accepted`` count includes it - its arrival at the server.

    python benchmarks/bench_monitor.py                 # full: 10M events, 1,000 rooms
    python benchmarks/bench_monitor.py --events 1e6    # quick
"""

from __future__ import annotations

import argparse
import io
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
from report import result  # noqa: E402

from livecart.live import Batch, Monitor, totals  # noqa: E402
from livecart.live.engine import columns as C  # noqa: E402

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


class Timer:
    """Wall time and this process's CPU time: on a shared machine the CPU seconds say what one
    core does; the wall seconds include waiting for the core."""

    def __enter__(self) -> Timer:
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.w, time.process_time() - self.c


def run_monitor(data: bytes) -> tuple[Timer, Monitor, float]:
    """The monitor on the bytes in 8 MB chunks; also returns the CPU seconds spent parsing."""
    mon = Monitor(lateness_seconds=120)
    parse_cpu = 0.0
    with Timer() as t:
        for part in chunks(data):
            c0 = time.process_time()
            cols = C.parse_lines(part)
            parse_cpu += time.process_time() - c0
            mon.feed_columns(cols)
    return t, mon, parse_cpu


def warm_up() -> float:
    """Seconds to load (or, on a first run, compile) the numba kernels: not part of the rate."""
    t = time.perf_counter()
    Monitor().feed_lines(make_lines(1000, 3, seed=2))
    return time.perf_counter() - t


def run_pandas(data: bytes) -> Timer:
    with Timer() as t:
        df = pd.read_json(io.BytesIO(data), lines=True)
        df["minute"] = (df["ts"] - T0) // 60000
        df["gmv"] = df["quantity"].fillna(0) * df["price"].fillna(0)
        df.groupby(["session_id", "minute", "type"]).agg(
            n=("id", "size"), count=("count", "sum"), gmv=("gmv", "sum")
        )
    return t


def run_floor(mon_rows: int, rooms: int, rng: np.random.Generator) -> Timer:
    """A bincount over arrays standing for the parsed events (codes already integers)."""
    sess = rng.integers(0, rooms, mon_rows)
    minute = rng.integers(0, 120, mon_rows)
    kind = rng.integers(0, len(KINDS), mon_rows)
    w = rng.random(mon_rows)
    with Timer() as t:
        key = (sess * 120 + minute) * len(KINDS) + kind
        np.bincount(key, minlength=rooms * 120 * len(KINDS))
        np.bincount(key, weights=w, minlength=rooms * 120 * len(KINDS))
    return t


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


class QueueSource:
    """Lines put on a queue, as a monitor source: drains what arrived every ``tick_s``."""

    def __init__(self, tick_s: float = 0.01) -> None:
        self.q: queue.Queue = queue.Queue()
        self.tick_s = tick_s

    def batches(self, position=None):
        done = False
        while not done:
            time.sleep(self.tick_s)
            lines = []
            while not self.q.empty():
                item = self.q.get_nowait()
                if item is None:
                    done = True
                    break
                lines.append(item)
            yield Batch(C.parse_lines(b"\n".join(lines) + b"\n") if lines else C.empty(), None)


def latency_sse(rate: int, seconds: float, rooms: int, watched: int = 5) -> tuple:
    """Arrival at the server to the SSE view that shows the event, for ``watched`` rooms."""
    import tempfile

    import httpx
    import uvicorn

    import livecart
    from livecart.web import create_app
    from livecart.web.pages.live import start_sources

    # event time runs at wall-clock speed, as in a real room (minutes move on once a minute)
    lines = make_lines(int(rate * seconds), rooms, seed=1, span_ms=int(seconds * 1000))
    lines = lines.split(b"\n")
    starts, events = lines[:rooms], [x for x in lines[rooms:] if x]
    room_of = [x.split(b'"session_id":"', 1)[1].split(b'"', 1)[0].decode() for x in events]
    watch = [f"R{r}" for r in range(watched)]
    arrivals: dict[str, list[float]] = {s: [] for s in watch}
    views: dict[str, list[tuple[float, int]]] = {s: [] for s in watch}
    with tempfile.TemporaryDirectory() as tmp:
        ws = livecart.init(f"{tmp}/ws")
        app = create_app(ws)
        src = QueueSource()
        hub = start_sources(app, [src])
        for x in starts:
            src.q.put(x)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started or any(w not in hub.monitor.sessions for w in watch):
            time.sleep(0.01)

        def follow(sid: str) -> None:
            url = f"http://127.0.0.1:{port}/api/live/{sid}/events"
            with httpx.stream("GET", url, timeout=None) as r:
                for line in r.iter_lines():
                    view = json.loads(line[6:]) if line.startswith("data: ") else {}
                    if "accepted" in view:  # not the closing "done" event
                        views[sid].append((time.perf_counter(), view["accepted"]))

        clients = [threading.Thread(target=follow, args=(w,), daemon=True) for w in watch]
        for t in clients:
            t.start()
        time.sleep(1.0)  # the clients are connected and have their first view
        t0 = time.perf_counter()
        for i, line in enumerate(events):
            due = t0 + i / rate
            while time.perf_counter() < due:
                time.sleep(0.0005)
            now = time.perf_counter()
            if room_of[i] in arrivals:
                arrivals[room_of[i]].append(now)
            src.q.put(line)
        time.sleep(2.0)  # the last views
        src.q.put(None)
        for t in clients:
            t.join(10)
        server.should_exit = True
        hub.close()
        ws.close()
    lat = []
    for sid in watch:
        seen = np.array([n for _, n in views[sid]])
        at = np.array([t for t, _ in views[sid]])
        for j, arr in enumerate(arrivals[sid]):
            k = np.searchsorted(np.maximum.accumulate(seen), j + 1)  # first view holding it
            lat.append((at[k] if k < len(at) else np.inf) - arr)
    a = np.array(lat)
    return float(np.percentile(a, 50)), float(np.percentile(a, 99)), len(a)


DUCKDB_GROUP_BY = (
    "import duckdb, sys\n"
    "con = duckdb.connect()\n"
    "con.execute('SET threads = 1')\n"
    'con.execute(f"SELECT session_id, (ts - {sys.argv[2]}) // 60000 AS minute, type, count(*),'
    " sum(count), sum(coalesce(quantity, 0) * coalesce(price, 0)) "
    "FROM read_ndjson('{sys.argv[1]}', columns = {{'id': 'VARCHAR', 'session_id': 'VARCHAR', "
    "'ts': 'BIGINT', 'type': 'VARCHAR', 'count': 'BIGINT', 'quantity': 'BIGINT', "
    "'price': 'DOUBLE', 'sku_id': 'VARCHAR'}}) GROUP BY ALL\").fetchall()\n"
)


def _process(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process (its own rusage)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{cmd[:3]} failed: {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def end_to_end(n: int, rooms: int, runs: int = 3) -> None:
    """What a person runs: `livecart monitor DIR --replay FILE --no-view` as one process (read,
    parse, fold, alerts, nowcast, per-minute rows written), against one DuckDB thread reading
    the same JSON lines and grouping them by (session, minute, type) in a process. Each side
    runs ``runs`` times, alternating; the medians are reported (one run on a shared machine
    says more about its neighbours than about the program)."""
    with tempfile.TemporaryDirectory() as tmp:
        rec, ws = Path(tmp) / "rec.jsonl", Path(tmp) / "ws"
        rec.write_bytes(make_lines(n, rooms, seed=3))
        exe = Path(sys.executable).parent / "livecart"
        cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "livecart"]
        subprocess.run([*cli, "init", str(ws)], check=True, capture_output=True)
        env_one_core = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(_process([*env_one_core, *cli, "monitor", str(ws), "--replay", str(rec),
                                  "--no-view", "--fresh"]))  # fmt: skip
            theirs.append(_process([sys.executable, "-c", DUCKDB_GROUP_BY, str(rec), str(T0)]))
    wall, cpu = (float(np.median(x)) for x in zip(*ours, strict=True))
    dwall, dcpu = (float(np.median(x)) for x in zip(*theirs, strict=True))
    print(
        f"end to end, `livecart monitor --replay` on {n:,} events over {rooms:,} rooms (one "
        f"core; median of {runs} runs): wall {wall:.2f} s = {n / wall:,.0f} events/s; CPU "
        f"{cpu:.2f} s = {n / cpu:,.0f} events per CPU-second (CPU of each run: "
        f"{', '.join(f'{c:.2f}' for _, c in ours)} s)"
    )
    print(
        f"DuckDB read_ndjson + GROUP BY (one thread, a process; median): wall {dwall:.2f} s = "
        f"{n / dwall:,.0f} events/s; CPU {dcpu:.2f} s"
    )
    result(
        f"`livecart monitor --replay` from a file, {n / 1e6:g}M events over {rooms:,} rooms, "
        "whole process on one core, median of 3 runs (target >= 500k events/s)",
        f"{n / wall / 1e3:,.0f}k events/s ({n / cpu / 1e3:,.0f}k per CPU-s)",
        f"DuckDB `read_ndjson` + GROUP BY, one thread: {n / dwall / 1e3:,.0f}k events/s",
        f"{dwall / wall:.2f}x its speed",
    )


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
    ap.add_argument("--latency-only", action="store_true", help="skip the throughput part")
    ap.add_argument(
        "--e2e-events", type=float, default=1e6, help="events for the end-to-end CLI run"
    )
    ap.add_argument("--e2e-only", action="store_true", help="only the end-to-end CLI run")
    a = ap.parse_args()
    if a.latency_only:
        return latencies(a)
    print(f"numba kernels loaded in {warm_up():.1f} s (compiled once, cached on disk)")
    end_to_end(int(a.e2e_events), min(a.rooms, 100))
    if a.e2e_only:
        return
    n = int(a.events)
    t = time.perf_counter()
    data = make_lines(n, a.rooms)
    print(
        f"generated {n:,} events over {a.rooms:,} rooms ({len(data) / 1e6:,.0f} MB) in "
        f"{time.perf_counter() - t:.0f} s (not timed below)"
    )
    tm, mon, parse_cpu = run_monitor(data)
    total = sum(s.accepted for s in mon.sessions.values())
    print(
        f"monitor (JSON bytes -> per-minute state): wall {tm.wall:.2f} s = "
        f"{n / tm.wall:,.0f} events/s; CPU {tm.cpu:.2f} s = {n / tm.cpu:,.0f} events per "
        f"CPU-second (parse {parse_cpu:.2f} s, fold {tm.cpu - parse_cpu:.2f} s; "
        f"accepted {total:,}, malformed {mon.malformed_count})"
    )
    np_ = min(int(a.pandas_events), n)
    prefix = b"".join(data.splitlines(keepends=True)[: np_ + a.rooms])
    tp = run_pandas(prefix)
    print(
        f"pandas read_json + group-by on {np_:,} events: wall {tp.wall:.2f} s = "
        f"{np_ / tp.wall:,.0f} events/s; CPU {tp.cpu:.2f} s = {np_ / tp.cpu:,.0f}/CPU-s"
    )
    tf = run_floor(n, a.rooms, np.random.default_rng(0))
    print(
        f"numpy bincount floor (pre-parsed arrays): CPU {tf.cpu:.3f} s = "
        f"{n / tf.cpu:,.0f} events per CPU-second"
    )
    mon_rate, p_rate, f_rate = n / tm.cpu, np_ / tp.cpu, n / tf.cpu
    print(
        f"ratios (CPU time): monitor / pandas = {mon_rate / p_rate:.1f}x; the floor is "
        f"{f_rate / mon_rate:.0f}x faster than the monitor"
    )
    result(
        f"monitor kernels alone (parse + fold of JSON-lines bytes in memory), {n / 1e6:g}M "
        f"events over {a.rooms:,} rooms",
        f"{mon_rate / 1e6:.2f}M events per CPU-s",
        f"pandas read_json + group-by, {p_rate / 1e3:,.0f}k per CPU-s",
        f"{mon_rate / p_rate:.1f}x",
    )
    latencies(a)


def latencies(a: argparse.Namespace) -> None:
    p50, p99, k = latency(10_000, a.latency_seconds, a.latency_rooms)
    print(
        f"latency at 10,000 events/s over {a.latency_rooms} rooms ({k:,} events), "
        f"arrival to recomputed totals in-process: "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
    )
    result(
        f"monitor latency in-process at 10k events/s, {a.latency_rooms} rooms: arrival to "
        "recomputed totals",
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms",
    )
    p50, p99, k = latency_sse(10_000, a.latency_seconds, a.latency_rooms)
    result(
        f"monitor latency at 10k events/s, {a.latency_rooms} rooms: arrival at the server to "
        "the dashboard's server-sent view",
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms",
    )
    print(
        f"latency at 10,000 events/s over {a.latency_rooms} rooms, arrival at the server to "
        f"the SSE view that shows the event (5 rooms followed, {k:,} events): "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
