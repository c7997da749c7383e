"""Redis Streams against a real redis-server (tests/sources/conftest.py starts one): workers of
one consumer group split the rooms and together match one worker exactly; a worker that crashes
at any point, restarted under its name, loses nothing and counts nothing twice."""

from __future__ import annotations

import threading

import pytest

from livecart.live import LiveRun
from livecart.live.sources.redis_stream import Publisher
from tests.sources.redis_rooms import (
    Crash,
    CrashingSource,
    all_acked,
    make_events,
    pending,
    pick,
    truth,
    worker,
)


def test_two_workers_split_the_rooms_and_match_one(ws, redis_client, tmp_path):
    events = make_events()
    Publisher(redis_client).publish(events)
    one = worker(ws, redis_client, "solo", "w1", ckpt=tmp_path / "solo.ckpt")
    one.run()
    want = truth(events)
    assert {s: pick(st) for s, st in one.monitor.sessions.items()} == want
    pair = [worker(ws, redis_client, "pair", f"w{i}", ckpt=tmp_path / f"w{i}.ckpt") for i in (1, 2)]
    threads = [threading.Thread(target=r.run) for r in pair]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a worker did not stop within 60 s"
    assert all(r.finished and r.error is None for r in pair)
    # which worker wins which room is up to the scheduler (one may even take them all); what
    # must hold is that every room is counted by exactly one worker and the union is complete
    rooms = [set(r.monitor.sessions) for r in pair]
    assert not rooms[0] & rooms[1] and rooms[0] | rooms[1] == set(want)
    got = {s: pick(st) for r in pair for s, st in r.monitor.sessions.items()}
    assert got == want
    assert all_acked(redis_client, "pair", sorted(want))


@pytest.mark.parametrize(
    ("after", "crash_commit", "per_entry"),
    [
        (1, None, 1),
        (5, None, 1),
        (9, None, 1),
        (None, 3, 1),
        (1, None, 10),  # entries of several events, as the publisher writes them
        (3, None, 10),
        (None, 2, 10),
    ],
)
def test_a_crashed_worker_restarted_loses_nothing_and_counts_nothing_twice(
    ws, redis_client, tmp_path, after, crash_commit, per_entry
):
    events = make_events(seed=5, rooms=3, per_room=2000)
    Publisher(redis_client, per_entry=per_entry).publish(events)
    ckpt = tmp_path / "w1.ckpt"
    src = CrashingSource(
        redis_client,
        group="g",
        consumer="w1",
        count=100,
        block_ms=100,
        idle_stop_s=1.0,
        after=after,
        crash_commit=crash_commit,
    )
    first = LiveRun(ws, src, checkpoint=ckpt, save_every_s=0.0)
    first.monitor.lateness_ms = 3600 * 1000
    with pytest.raises(Crash):
        first.run()
    left = sum(pending(redis_client, f"livecart:room:R{r}", "g") for r in range(3))
    assert left > 0  # the crash left entries delivered but not acknowledged
    second = worker(ws, redis_client, "g", "w1", ckpt=ckpt)
    assert second.resumed == ckpt.exists()
    second.run()
    got = {s: pick(st) for s, st in second.monitor.sessions.items()}
    assert got == truth(events)
    assert sum(st.dropped["duplicate"] for st in second.monitor.sessions.values()) == 0
    assert all_acked(redis_client, "g", sorted(got))


def test_another_group_gets_every_room_again(ws, redis_client):
    events = make_events(seed=9, rooms=2, per_room=300)
    pub = Publisher(redis_client)
    pub.publish(events)
    pub.publish(events[:5])  # a room announced once even when published again
    assert redis_client.xlen("livecart:rooms") == 2
    a, b = worker(ws, redis_client, "agency-a", "x"), worker(ws, redis_client, "agency-b", "x")
    a.run()
    b.run()
    assert set(a.monitor.sessions) == set(b.monitor.sessions) == {"R0", "R1"}


def test_the_publisher_packs_each_rooms_events_into_entries_in_order(redis_client):
    import json

    events = make_events(seed=4, rooms=2, per_room=250)
    Publisher(redis_client, chunk=300, per_entry=40).publish(events)
    for room in ("R0", "R1"):
        entries = redis_client.xrange(f"livecart:room:{room}")
        packs = [fields[b"e"].split(b"\n") for _id, fields in entries]
        assert all(1 <= len(p) <= 40 for p in packs)
        assert len(packs) < 252 / 10  # several events an entry
        ids = [json.loads(line)["id"] for p in packs for line in p]
        assert ids == [e["id"] for e in events if e["session_id"] == room]
