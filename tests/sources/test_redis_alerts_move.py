"""A room's alerts move with it across workers (#16), end to end on a real redis-server: A
raises each room's stock-out alert (a SKU counted at 10 units sells out in the first half
and stays sold out: the condition holds to the end), publishes the room's checkpoint and
dies; B takes the rooms over from those checkpoints. Each room's alert is raised once in all
(by A), B holds it open without raising it again, and A's acknowledgement carries over."""

from __future__ import annotations

import livecart
from livecart.live.sources.redis_results import ResultsPublisher
from livecart.live.sources.redis_stream import Publisher
from tests.sources.redis_rooms import T0, make_events, worker
from tests.sources.test_redis_results import HALF

ROOMS = ["R0", "R1"]


def _events() -> list[dict]:
    events = make_events(seed=71, rooms=2, per_room=600)
    for r in ROOMS:
        events.append(
            {"id": f"{r}-stock", "session_id": r, "ts": T0 + 500, "type": "stock"}
            | {"sku_id": "SKU0", "level": 10}
        )
    return sorted(events, key=lambda e: (e["ts"], e["id"]))


def _sharing(ws, client, name, ckpt, raised, **kw):
    w = worker(ws, client, "g", name, ckpt=ckpt, **kw)
    w.publish = ResultsPublisher(w.source)
    w.sinks = [raised.append]
    return w


def test_a_rooms_open_alert_is_raised_once_across_a_takeover(redis_client, tmp_path):
    events = _events()
    Publisher(redis_client).publish([e for e in events if e["ts"] < HALF])
    by_a, by_b = [], []
    with livecart.init(tmp_path / "A") as own_a:
        a = _sharing(own_a, redis_client, "A", tmp_path / "A.ckpt", by_a)
        a.run()
        first = f"{ROOMS[0]}:stockout:SKU0"
        assert a.book.ack(first)
        a._dirty |= set(ROOMS)  # the acknowledgement reaches the shared checkpoint
        a.save()
    want = {f"{r}:stockout:SKU0" for r in ROOMS}
    assert want <= {x.id for x in by_a}
    Publisher(redis_client).publish([e for e in events if e["ts"] >= HALF])
    with livecart.init(tmp_path / "B") as own_b:
        b = _sharing(own_b, redis_client, "B", tmp_path / "B.ckpt", by_b, claim_idle_s=0.3)
        b.run()
    assert sorted(b.source.resumed) == ROOMS
    assert not want & {x.id for x in by_b}  # held open, not raised a second time
    assert want <= set(b.book.active) and b.book.active[first].acked
    assert not b.book.active[f"{ROOMS[1]}:stockout:SKU0"].acked
