"""How evenly a burst of new rooms spreads over the workers of a Redis consumer group (issue 16).
Not a test, a measurement.

``--workers`` worker processes (each a ``RedisSource`` in a ``LiveRun`` on its own workspace)
join one group and wait; then ``--rooms`` rooms go live at once (``Publisher``: every room is
announced in the first chunk). Each worker runs until the rooms are idle and says how many it
monitored. Trials alternate with ``fair_share`` on (a worker that holds rooms takes a new one
only below its fair share of the group's) and off (whoever asks first takes it), each trial on
fresh streams (its own key prefix).

    python benchmarks/bench_rooms_spread.py                  # 3 workers, 12 rooms, 5 trials each
    python benchmarks/bench_rooms_spread.py --workers 4 --rooms 10 --trials 3

Starts its own redis-server (no persistence) on a free loopback port and stops it after.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
from pathlib import Path

from bench_sources import make_events
from redis_server import redis_missing, redis_server
from report import result


def worker(port: int, name: str, folder: str, jobs: mp.Queue, out: mp.Queue) -> None:
    """Runs one worker per job (trial, fair_share) until told to stop (None)."""
    import livecart
    from livecart.live import LiveRun, Monitor
    from livecart.live.sources.redis_stream import RedisSource, connect

    Monitor().feed_lines(make_events(50, 1)[0] + b"\n")  # numba kernels loaded, not timed
    client = connect(f"redis://127.0.0.1:{port}/0")
    out.put(("loaded", name))
    while (job := jobs.get()) is not None:
        trial, fair = job
        src = RedisSource(
            client, group="g", consumer=name, prefix=f"t{trial}", idle_stop_s=1.5,
            fair_share=fair, claim_idle_s=None,
        )  # fmt: skip
        src._group(src.keys.rooms)
        client.xgroup_createconsumer(src.keys.rooms, "g", name)  # in the group, waiting
        out.put(("ready", name))
        with livecart.init(Path(folder) / f"{name}-{trial}") as ws:
            run = LiveRun(ws, src)
            run.run()
        out.put((trial, name, len(run.monitor.sessions)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--rooms", type=int, default=12)
    ap.add_argument("--events", type=int, default=60_000, help="events over all rooms")
    ap.add_argument("--trials", type=int, default=5, help="trials of each mode")
    args = ap.parse_args()
    if redis_missing():
        return
    from livecart.live.sources.redis_stream import Publisher, connect

    lines = make_events(args.events, args.rooms)
    ctx = mp.get_context("spawn")
    spread: dict[bool, list[list[int]]] = {True: [], False: []}
    with redis_server() as (tmp, port):
        jobs = [ctx.Queue() for _ in range(args.workers)]
        out = ctx.Queue()
        names = [f"w{i}" for i in range(args.workers)]
        ps = [
            ctx.Process(target=worker, args=(port, n, str(tmp), q, out))
            for n, q in zip(names, jobs, strict=True)
        ]
        try:
            for p in ps:
                p.start()
            for _ in ps:
                assert out.get(timeout=600)[0] == "loaded"
            client = connect(f"redis://127.0.0.1:{port}/0")
            for trial in range(2 * args.trials):
                fair = trial % 2 == 0
                for q in jobs:
                    q.put((trial, fair))
                for _ in ps:
                    assert out.get(timeout=600)[0] == "ready"
                Publisher(client, prefix=f"t{trial}").publish_lines(lines)
                got = sorted((out.get(timeout=600) for _ in ps), key=lambda g: g[1])
                counts = sorted((g[2] for g in got), reverse=True)
                assert sum(counts) == args.rooms, counts
                spread[fair].append(counts)
                mode = "on " if fair else "off"
                print(f"trial {trial}: fair_share={mode} rooms per worker {counts}")
        finally:
            for q in jobs:
                q.put(None)
            for p in ps:
                p.join(timeout=60)
                if p.is_alive():
                    p.kill()
    share = args.rooms / args.workers
    for fair in (True, False):
        runs = spread[fair]
        worst = max(max(c) for c in runs)
        empty = sum(c[-1] == 0 for c in runs)
        even = sum(max(c) - min(c) <= 1 for c in runs)
        print(
            f"fair_share {'on ' if fair else 'off'}: most rooms on one worker {worst} (fair share "
            f"{share:g}), trials with a worker left without rooms {empty}/{len(runs)}, trials "
            f"within one room of even {even}/{len(runs)}"
        )
    on, off = spread[True], spread[False]
    result(
        f"Rooms over {args.workers} Redis workers ({args.rooms} new at once)",
        f"within one room of even in {sum(max(c) - min(c) <= 1 for c in on)}/{len(on)} trials",
        f"first asks first served: {sum(max(c) - min(c) <= 1 for c in off)}/{len(off)}",
        "",
        f"most on one worker {max(max(c) for c in on)} against {max(max(c) for c in off)}",
    )


if __name__ == "__main__":
    main()
