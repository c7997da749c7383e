"""Rooms on Redis Streams in tests: a seeded multi-room recording, its true totals, monitor
workers on a consumer group, what is still pending, and a source that crashes on cue."""

from __future__ import annotations

import numpy as np

from livecart.live import LiveRun, Monitor, totals
from livecart.live.engine import columns as C
from livecart.live.sources.redis_stream import RedisSource

T0 = 1_764_615_600_000
KEYS = ("gmv", "orders", "units", "entries", "likes", "comments", "viewers_last", "viewers_peak")


def make_events(seed: int = 3, rooms: int = 6, per_room: int = 1500) -> list[dict]:
    """Seeded rooms of joins, likes, comments, viewer counts and orders over 30 minutes,
    interleaved in time order as a bus would carry them."""
    rng = np.random.default_rng(seed)
    out = []
    for r in range(rooms):
        s = f"R{r}"
        out.append(
            {
                "id": f"{s}-start",
                "session_id": s,
                "ts": T0 + r,
                "type": "live_start",
                "currency": "USD",
                "planned_minutes": 30,
            }
        )
        ts = np.sort(rng.integers(T0 + 1000, T0 + 30 * 60_000, per_room))
        kinds = rng.choice(["join", "like", "comment", "viewers", "order"], per_room)
        for i, (t, k) in enumerate(zip(ts.tolist(), kinds, strict=True)):
            e = {"id": f"{s}-{i}", "session_id": s, "ts": t, "type": str(k)}
            if k == "like":
                e["count"] = int(rng.integers(1, 20))
            elif k == "viewers":
                e["count"] = int(rng.integers(50, 900))
            elif k == "order":
                e |= {
                    "order_id": f"{s}-O{i}",
                    "sku_id": f"SKU{int(rng.integers(4))}",
                    "quantity": int(rng.integers(1, 4)),
                    "price": 9.5,
                    "currency": "USD",
                }
            out.append(e)
        out.append({"id": f"{s}-end", "session_id": s, "ts": T0 + 30 * 60_000, "type": "live_end"})
    return sorted(out, key=lambda e: (e["ts"], e["id"]))


def truth(events: list[dict]) -> dict[str, dict]:
    mon = Monitor(lateness_seconds=3600)
    mon.feed_columns(C.from_dicts(events))
    return {s: pick(st) for s, st in mon.sessions.items()}


def pick(st) -> dict:
    t = totals(st)
    return {k: float(t[k]) for k in KEYS}


def worker(ws, client, group, name, ckpt=None, **kw) -> LiveRun:
    src = RedisSource(client, group=group, consumer=name, idle_stop_s=1.0, block_ms=100, **kw)
    run = LiveRun(ws, src, checkpoint=ckpt, save_every_s=0.0)
    run.ws.settings = run.ws.settings.updated(lateness_seconds=3600)
    run.monitor.lateness_ms = 3600 * 1000
    return run


def pending(client, key: str, group: str) -> int:
    import redis

    try:
        return client.xpending(key, group)["pending"]
    except redis.ResponseError:  # no group there yet: that room was never taken
        return 0


def all_acked(client, group: str, rooms: list[str]) -> bool:
    """Nothing of the rooms pending in ``group`` (a room dropped after its end has nothing)."""
    keys = ["livecart:rooms"] + [f"livecart:room:{r}" for r in rooms]
    return all(pending(client, k, group) == 0 for k in keys)


class Crash(Exception):
    pass


class CrashingSource(RedisSource):
    """Dies after ``after`` batches, or inside the ``crash_commit``-th commit: after the
    checkpoint is on disk but before anything is acknowledged."""

    def __init__(self, *a, after: int | None = None, crash_commit: int | None = None, **kw):
        super().__init__(*a, **kw)
        self.after, self.crash_commit, self.commits = after, crash_commit, 0

    def batches(self, position=None):
        for n, b in enumerate(super().batches(position)):
            if self.after is not None and n >= self.after:
                raise Crash
            yield b

    def commit(self, position):
        self.commits += 1
        if self.commits == self.crash_commit:
            raise Crash
        super().commit(position)
