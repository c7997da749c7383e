"""Live sources benchmark (issue 8): not a test, a measurement.

1. Redis Streams: events per second from the streams through consumer-group workers into the
   monitor (each worker a process with its own workspace and checkpoint, as on separate
   machines), with one and with two workers, against ``redis-benchmark``'s XADD rate on the same
   server (the limit of the bus), as a ratio.
2. HTTP ingest: signed batches per second and latency percentiles against ``livecart``'s ingest
   route served by uvicorn in another process, from a loopback load generator (a few threads
   with httpx), bounded in batches and in seconds.

    python benchmarks/bench_sources.py                 # defaults: 1M events, 20 rooms
    python benchmarks/bench_sources.py --events 50000 --batches 300 --seconds 20

Starts its own redis-server (no persistence) on a free loopback port and stops it after.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from redis_server import free_port, redis_missing, redis_server
from report import result

SECRET = "bench-secret"


def make_events(n: int, rooms: int, seed: int = 1) -> list[bytes]:
    """Seeded events over ``rooms`` rooms, as JSON lines in time order."""
    rng = np.random.default_rng(seed)
    t0 = 1_764_615_600_000
    lines = [
        json.dumps(
            {
                "id": f"R{r}-s",
                "session_id": f"R{r}",
                "ts": t0,
                "type": "live_start",
                "currency": "USD",
            }
        ).encode()
        for r in range(rooms)
    ]
    room = rng.integers(0, rooms, n)
    ts = np.sort(rng.integers(t0 + 1, t0 + 60 * 60_000, n))
    kind = rng.choice(
        ["join", "like", "comment", "viewers", "order"], n, p=[0.3, 0.3, 0.2, 0.1, 0.1]
    )
    for i in range(n):
        e = {"id": f"e{i}", "session_id": f"R{room[i]}", "ts": int(ts[i]), "type": str(kind[i])}
        if kind[i] in ("like", "viewers"):
            e["count"] = int(rng.integers(1, 500))
        elif kind[i] == "order":
            e |= {
                "order_id": f"O{i}",
                "sku_id": "SKU1",
                "quantity": 1,
                "price": 9.9,
                "currency": "USD",
            }
        lines.append(json.dumps(e, separators=(",", ":")).encode())
    return lines


def xadd_limit(port: int, n: int) -> float:
    """redis-benchmark's XADD rate (50 clients, pipelines of 100) with a typical event."""
    payload = '{"id":"e1","session_id":"R1","ts":1764615600000,"type":"like","count":3}'
    out = subprocess.run(
        [
            "redis-benchmark",
            "-p",
            str(port),
            "-n",
            str(n),
            "-P",
            "100",
            "-q",
            "XADD",
            "bench:limit",
            "*",
            "e",
            payload,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = re.findall(r"([\d.]+) requests per second", out)
    return float(m[-1])


def consume(port: int, group: str, name: str, folder: str, q: mp.Queue, start, prefix: str) -> None:
    """One worker process: its own workspace and checkpoint, until the streams are idle. The
    kernels are loaded first; then all workers start together (``start``) and each reports
    how many events it applied, when its last ones were applied and its CPU seconds to then."""
    import livecart
    from livecart.live import LiveRun, Monitor
    from livecart.live.sources.redis_stream import RedisSource, connect

    Monitor().feed_lines(make_events(50, 1)[0] + b"\n")  # numba kernels loaded, not timed
    ws = livecart.init(Path(folder) / name)
    src = RedisSource(connect(f"redis://127.0.0.1:{port}/0"), group=group, consumer=name,
                      prefix=prefix, idle_stop_s=1.5)  # fmt: skip
    run = LiveRun(ws, src, checkpoint=Path(folder) / f"{name}.ckpt")
    last = [0.0, 0.0]

    def tick(r: LiveRun) -> None:
        if r.monitor.events_in != tick.seen:
            last[:], tick.seen = [time.perf_counter(), time.process_time()], r.monitor.events_in

    tick.seen = 0
    q.put(("ready", name))
    start.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    run.run(on_update=tick)
    ws.close()
    q.put((name, run.monitor.events_in, t0, last[0], last[1] - c0))


def replay_rate(lines: list[bytes], folder: Path) -> float:
    """The baseline without the bus: the same events replayed from a file through the same
    pipeline (LiveRun: monitor, alerts, workspace writes, checkpoints)."""
    import livecart
    from livecart.live import LiveRun, ReplaySource

    rec = folder / "events.jsonl"
    rec.write_bytes(b"\n".join(lines) + b"\n")
    with livecart.init(folder / "replay") as ws:
        run = LiveRun(ws, ReplaySource(rec), checkpoint=folder / "replay.ckpt")
        t = time.perf_counter()
        run.run()
        return len(lines) / (time.perf_counter() - t)


def redis_rate(
    port: int, workers: int, folder: Path, group: str, prefix: str = "livecart"
) -> tuple[float, int, float]:
    """Events per second of ``workers`` worker processes together, from their common start to
    the last event applied (every round, fence, checkpoint and acknowledgement included), and
    the events per CPU-second of one worker."""
    ctx = mp.get_context("spawn")
    q, start = ctx.Queue(), ctx.Event()
    ps = [
        ctx.Process(
            target=consume,
            args=(port, group, f"{prefix}-{group}-w{i}", str(folder), q, start, prefix),
        )
        for i in range(workers)
    ]
    for p in ps:
        p.start()
    for _ in ps:  # each has imported livecart and loaded its kernels
        assert q.get(timeout=600)[0] == "ready"
    start.set()
    got = [q.get(timeout=600) for _ in ps]
    for p in ps:
        p.join()
    n = sum(g[1] for g in got)
    span = max(g[3] for g in got) - min(g[2] for g in got)
    return n / span, n, n / sum(g[4] for g in got)


def bench_redis(args: argparse.Namespace) -> None:
    from livecart.live.sources.redis_stream import Publisher, connect

    if redis_missing("redis-server", "redis-benchmark"):
        return
    with redis_server() as (tmp, port):
        limit = xadd_limit(port, args.events)
        lines = make_events(args.events, args.rooms)
        client = connect(f"redis://127.0.0.1:{port}/0")
        pub = Publisher(client)
        t = time.perf_counter()
        pub.publish_lines(lines)
        pub_rate = len(lines) / (time.perf_counter() - t)
        entries = sum(client.xlen(pub.keys.room(f"R{r}")) for r in range(args.rooms))
        # the same events one per entry, as another producer may write them
        Publisher(client, prefix="single", per_entry=1).publish_lines(lines)
        try:
            import hiredis  # noqa: F401

            parser = "hiredis"
        except ImportError:
            parser = "pure-Python (pip install hiredis: about 2x faster reads)"
        print(f"redis-py reply parser: {parser}")
        print(f"redis-benchmark XADD, one event an entry (the bus's limit): {limit:,.0f} /s")
        print(
            f"livecart publish (pipelined XADD, up to {pub.per_entry} events of a room an "
            f"entry): {pub_rate:,.0f} ev/s into {entries:,} entries"
        )
        rate = replay_rate(lines, tmp)
        print(f"same pipeline from a file (LiveRun + ReplaySource, no bus): {rate:,.0f} ev/s")
        runs = [(1, "livecart", "g1"), (2, "livecart", "g2"), (1, "single", "g1")]
        for w, prefix, group in runs:
            rate, n, per_cpu = redis_rate(port, w, tmp, group, prefix)
            how = (
                f"{w} worker{'s together' if w > 1 else ''}"
                if prefix == "livecart"
                else "1 worker, one event an entry (another producer's format)"
            )
            print(
                f"Redis Streams, {how}: {rate:,.0f} ev/s over {n:,} events "
                f"({rate / limit:.2f}x the XADD limit), {per_cpu:,.0f} events per CPU-s "
                f"of a worker"
            )
            result(
                f"Redis Streams, {how} (target >= 300k events/s per worker)",
                f"{rate / 1e3:,.0f}k events/s ({per_cpu / 1e3:,.0f}k per CPU-s)",
                f"`redis-benchmark` XADD, {limit / 1e3:,.0f}k/s",
                f"{rate / limit:.2f}x",
            )


def serve(ws_dir: str, port: int) -> None:
    """The ingest server (run in its own process by ``bench_http``)."""
    import uvicorn

    import livecart
    from livecart.web import create_app
    from livecart.web.pages import PAGES, ingest

    ws = livecart.init(ws_dir)
    ws.settings = ws.settings.updated(ingest_secret=SECRET)
    app = create_app(ws, pages=[*PAGES, ingest.PAGE])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def bench_http(args: argparse.Namespace) -> None:
    import httpx

    from livecart.live.sources.http_ingest import signed_headers

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        srv = subprocess.Popen([sys.executable, __file__, "--serve", f"{tmp}/ws", str(port)])
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    httpx.get(f"{url}/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            lines = make_events(args.batch_size * args.batches, 1, seed=2)
            events = [json.loads(x) for x in lines]
            batches = [events[:1]] + [
                events[1 + i * args.batch_size : 1 + (i + 1) * args.batch_size]
                for i in range(args.batches)
            ]
            lat, lock = [], threading.Lock()
            stop = time.perf_counter() + args.seconds
            todo = iter(enumerate(batches))

            def sender() -> None:
                with httpx.Client(base_url=url, timeout=30) as c:
                    for i, evs in todo:
                        if time.perf_counter() > stop:
                            return
                        body = json.dumps({"batch_id": f"b{i}", "events": evs}).encode()
                        t = time.perf_counter()
                        r = c.post(
                            "/api/sessions/R0/events",
                            content=body,
                            headers=signed_headers(SECRET, body),
                        )
                        r.raise_for_status()
                        with lock:
                            lat.append(time.perf_counter() - t)

            t0 = time.perf_counter()
            ths = [threading.Thread(target=sender) for _ in range(args.clients)]
            for t in ths:
                t.start()
            for t in ths:
                t.join()
            wall = time.perf_counter() - t0
            ms = np.array(lat) * 1000
            result(
                f"HTTP ingest, {args.clients} loopback clients, batches of {args.batch_size} "
                f"(target >= 200 batches/s, p99 < 100 ms)",
                f"{len(lat) / wall:,.0f} batches/s, p50 {np.percentile(ms, 50):.0f} ms, "
                f"p99 {np.percentile(ms, 99):.0f} ms",
            )
            print(
                f"HTTP ingest: {len(lat):,} batches of {args.batch_size} events from "
                f"{args.clients} clients in {wall:.1f} s: {len(lat) / wall:,.0f} batches/s "
                f"({len(lat) * args.batch_size / wall:,.0f} ev/s); latency p50 "
                f"{np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms "
                f"(each batch fsynced before its answer)"
            )
        finally:
            srv.terminate()
            srv.wait()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--rooms", type=int, default=20)
    ap.add_argument("--batches", type=int, default=1000, help="HTTP batches at most")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30.0, help="HTTP load at most this long")
    ap.add_argument("--skip", choices=["redis", "http"], default=None)
    args = ap.parse_args()
    if args.skip != "redis":
        bench_redis(args)
    if args.skip != "http":
        bench_http(args)


if __name__ == "__main__":
    main()
