"""Each raise of an alert is delivered once across the workers of a group (#16), on a real
redis-server: A raises a room's stock-out alert and is killed before its next checkpoint (its
last shared checkpoint predates the alert); B takes the room over from that checkpoint, reads
the same events again and raises the alert again in its book, but does not deliver it: every
raise reaches the sinks exactly once in all. An alert that clears and holds again is a new
raise (its ``seq``), delivered again: the viewers-drop alert here clears and holds again
several times, each raise delivered once, whichever worker made it."""

from __future__ import annotations

from collections import Counter

import pytest

import livecart
from livecart.live.alerts import Alert
from livecart.live.sources.redis_alerts import RaisedAlerts, alerts_key
from livecart.live.sources.redis_stream import Publisher
from tests.sources.redis_rooms import T0, Crash, make_events
from tests.sources.test_redis_alerts_move import ROOMS, _sharing


def _events() -> list[dict]:
    """Two rooms whose SKU0 is counted at 10 units ten minutes in: it sells out within
    minutes and stays sold out, so each room's stock-out alert is raised well into the live
    (after the first checkpoints) and holds to the end."""
    events = make_events(seed=72, rooms=2, per_room=600)
    for r in ROOMS:
        events.append(
            {"id": f"{r}-stock", "session_id": r, "ts": T0 + 10 * 60_000, "type": "stock"}
            | {"sku_id": "SKU0", "level": 10}
        )
    return sorted(events, key=lambda e: (e["ts"], e["id"]))


def test_an_alert_raised_after_the_last_checkpoint_is_delivered_once(redis_client, tmp_path):
    events = _events()
    Publisher(redis_client, per_entry=1).publish(events)
    by_a, by_b = [], []

    def deliver_then_die(alert):  # A is killed right after it delivers its first alert
        by_a.append(alert)
        raise Crash

    with livecart.init(tmp_path / "A") as own_a:
        a = _sharing(own_a, redis_client, "A", tmp_path / "A.ckpt", [], count=20)
        a.sinks = [deliver_then_die]
        with pytest.raises(Crash):
            a.run()
    (first,) = by_a
    room = first.session_id
    shared = redis_client.hgetall(f"livecart:checkpoint:g:{room}")
    assert shared[b"entry"], "A published a checkpoint of the room before the alert"
    with livecart.init(tmp_path / "B") as own_b:
        b = _sharing(
            own_b, redis_client, "B", tmp_path / "B.ckpt", by_b, claim_idle_s=0.3, count=20
        )
        b.run()
    assert room in b.source.resumed  # from A's checkpoint, which predates the alert
    raise_ = (first.id, first.seq)
    assert raise_ in {(x.id, x.seq) for x in b.book.log}  # B raised it again in its book ...
    assert raise_ not in {(x.id, x.seq) for x in by_b}  # ... and did not deliver it
    assert [(x.id, x.seq) for x in b.source.alerts.skipped] == [raise_]
    delivered = Counter((x.id, x.seq) for x in by_a + by_b)
    assert set(delivered.values()) == {1}
    assert {f"{r}:stockout:SKU0" for r in ROOMS} <= {aid for aid, _ in delivered}


def test_a_raise_is_recorded_once_and_a_later_raise_of_the_alert_is_new(redis_client):
    def alert(seq: int) -> Alert:
        return Alert("R0:viewers_drop:", "R0", "viewers_drop", "", 5, "m", "a", seq=seq)

    a = RaisedAlerts(redis_client, "livecart", "g", "A")
    b = RaisedAlerts(redis_client, "livecart", "g", "B")
    other_group = RaisedAlerts(redis_client, "livecart", "h", "C")
    assert a.first_raises([alert(1)]) == [alert(1)]
    assert b.first_raises([alert(1)]) == []  # delivered by A already
    assert b.first_raises([alert(2)]) == [alert(2)]  # it cleared and held again
    assert other_group.first_raises([alert(1)]) == [alert(1)]  # another agency's monitor
    assert redis_client.hgetall(alerts_key("livecart", "g", "R0")) == {
        b"R0:viewers_drop:#1": b"A",
        b"R0:viewers_drop:#2": b"B",
    }
    assert 0 < redis_client.ttl(alerts_key("livecart", "g", "R0"))


def test_the_raise_count_moves_with_the_room_even_for_a_cleared_alert():
    from livecart.live.alerts import AlertBook

    old = AlertBook()
    cond = Alert("R0:viewers_drop:", "R0", "viewers_drop", "", 5, "m", "a")
    old.update("R0", [cond])
    old.update("R0", [])  # cleared
    new = AlertBook()
    new.adopt_room("R0", old.room_alerts("R0"))
    (again,) = new.update("R0", [Alert(**{**cond.to_dict(), "seq": 1})])
    assert again.seq == 2 and new.active == {again.id: again}
