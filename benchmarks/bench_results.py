"""Every room in one place (issue 16): what sharing the results costs. Not a test, a measurement.

1. A worker on Redis Streams (in this process, its own workspace, a save every 0.1 s) takes
   the same events, published beforehand, without and with ``publish=ResultsPublisher`` (what
   ``livecart worker --share-results`` adds: each save's rows onto ``livecart:results``),
   alternately ``--repeat`` times; the best events per second of each, and the ratio. Caught
   up from a backlog, a worker reads a room in large batches, so it publishes a room whole in
   a few entries; following live rooms it publishes one entry per room and save.
2. The serving side: ``ResultsFeed.catch_up()`` applies the stream into a fresh workspace;
   entries and minute rows per second.

    python benchmarks/bench_results.py                 # defaults: 300k events, 20 rooms
    python benchmarks/bench_results.py --events 50000 --rooms 5

Starts its own redis-server (no persistence) on a free loopback port and stops it after.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench_sources import make_events
from redis_server import redis_missing, redis_server
from report import result


def worker_rate(client, folder: Path, lines: list[bytes], share: bool, every: float) -> float:
    import livecart
    from livecart.live import LiveRun
    from livecart.live.sources.redis_results import ResultsPublisher
    from livecart.live.sources.redis_stream import Publisher, RedisSource

    client.flushdb()
    Publisher(client).publish_lines(lines)
    name = "shared" if share else "own"
    with livecart.init(folder / name) as ws:
        src = RedisSource(client, group="g", consumer=name, idle_stop_s=0.5)
        publish = ResultsPublisher(src) if share else None
        run = LiveRun(
            ws, src, checkpoint=folder / f"{name}.ckpt", publish=publish, save_every_s=every
        )
        t = time.perf_counter()
        run.run()
        span = time.perf_counter() - t - 0.5  # the idle wait that ends the run is not work
    assert run.monitor.events_in == len(lines), (run.monitor.events_in, len(lines))
    return len(lines) / span


def feed_rate(client, folder: Path) -> tuple[int, int, float]:
    import livecart
    from livecart.live.sources.redis_results import ResultsFeed

    with livecart.init(folder / "served") as ws:
        feed = ResultsFeed(ws, client)
        t = time.perf_counter()
        n = feed.catch_up()
        span = time.perf_counter() - t
        rows = ws.count("live_minutes")
    return n, rows, span


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=300_000)
    ap.add_argument("--rooms", type=int, default=20)
    ap.add_argument("--save-every", type=float, default=0.1, help="seconds between saves")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each, the best kept")
    args = ap.parse_args()
    if redis_missing():
        return
    from livecart.live import Monitor
    from livecart.live.sources.redis_stream import connect

    lines = make_events(args.events, args.rooms)
    Monitor().feed_lines(lines[0] + b"\n")  # numba kernels loaded, not timed
    with redis_server() as (tmp, port):
        client = connect(f"redis://127.0.0.1:{port}/0")
        alone = shared = 0.0
        for i in range(args.repeat):  # alternately, the best of each (a shared machine)
            d = tmp / str(i)
            d.mkdir()
            e = args.save_every
            alone = max(alone, worker_rate(client, d, lines, share=False, every=e))
            shared = max(shared, worker_rate(client, d, lines, share=True, every=e))
        n, rows, span = feed_rate(client, tmp)  # the last shared run's stream
    print(
        f"{len(lines):,} events over {args.rooms} rooms, one worker, "
        f"a save every {args.save_every} s"
    )
    print(f"worker without --share-results: {alone:,.0f} events/s")
    print(f"worker with --share-results:    {shared:,.0f} events/s ({shared / alone:.2f}x)")
    print(
        f"serving side: {n:,} result entries ({rows:,} minute rows) applied in {span:.2f} s "
        f"({n / span:,.0f} entries/s, {rows / span:,.0f} minute rows/s)"
    )
    result(
        "Redis worker sharing its results (--share-results)",
        f"{shared / 1e3:,.0f}k events/s",
        f"without sharing, {alone / 1e3:,.0f}k/s",
        f"{shared / alone:.2f}x",
        f"{args.rooms} rooms, a save every {args.save_every} s, best of {args.repeat}; "
        f"the server applies {rows / span:,.0f} minute rows/s",
    )


if __name__ == "__main__":
    main()
