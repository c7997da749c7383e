"""Redis Streams takeover against a real redis-server: a worker that dies for good (or stalls)
leaves its rooms' announcements unrefreshed; another worker of the group claims them after
``claim_idle_s`` and reads the rooms whole, so its totals equal the truth with nothing pending
and nothing counted twice, and the old worker reads nothing more of a room it lost."""

from __future__ import annotations

import time

import pytest

from livecart.live import LiveRun, Monitor
from livecart.live.sources.redis_stream import Publisher, RedisSource
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

ROOMS = 6


def crash_a(ws, client, tmp_path, **crash) -> tuple[list[str], int]:
    """Worker A takes some rooms, checkpoints and acknowledges part of them, then dies."""
    src = CrashingSource(
        client, group="g", consumer="A", count=100, block_ms=100, idle_stop_s=1.0, **crash
    )
    run = LiveRun(ws, src, checkpoint=tmp_path / "A.ckpt", save_every_s=0.0)
    run.monitor.lateness_ms = 3600 * 1000
    with pytest.raises(Crash):
        run.run()
    left = sum(pending(client, f"livecart:room:{r}", "g") for r in src.rooms)
    return src.rooms, left


@pytest.mark.parametrize(
    "crash", [{"after": 2}, {"after": 8}, {"crash_commit": 5}], ids=["early", "later", "in-ack"]
)
def test_a_live_worker_takes_a_dead_workers_rooms_over_whole(ws, redis_client, tmp_path, crash):
    events = make_events(seed=11, rooms=ROOMS, per_room=800)
    Publisher(redis_client, per_entry=1).publish(events)
    a_rooms, left = crash_a(ws, redis_client, tmp_path, **crash)
    assert a_rooms and left > 0  # A held rooms with entries delivered, not acknowledged
    b = worker(ws, redis_client, "g", "B", ckpt=tmp_path / "B.ckpt", claim_idle_s=0.3)
    b.run()
    assert b.error is None and sorted(b.source.claimed) == a_rooms
    got = {s: pick(st) for s, st in b.monitor.sessions.items()}
    assert got == truth(events)  # A's rooms whole in B, even the part A had acknowledged
    assert sum(st.dropped["duplicate"] for st in b.monitor.sessions.values()) == 0
    assert all_acked(redis_client, "g", sorted(got))
    # A restarted under its name: its rooms are B's now; it gives them up and reads nothing
    again = worker(ws, redis_client, "g", "A", ckpt=tmp_path / "A.ckpt", claim_idle_s=0.3)
    before = {s: pick(st) for s, st in again.monitor.sessions.items()}
    again.run()
    assert sorted(again.source.lost) == sorted(set(before) - set(again.source.ended))
    assert {s: pick(st) for s, st in again.monitor.sessions.items()} == before
    assert all_acked(redis_client, "g", sorted(got))


def test_a_stalled_worker_is_fenced_off_the_rooms_taken_from_it(ws, redis_client, tmp_path):
    events = make_events(seed=12, rooms=ROOMS, per_room=800)
    Publisher(redis_client, per_entry=1).publish(events)
    a = RedisSource(redis_client, group="g", consumer="A", count=100, block_ms=50, idle_stop_s=0.5)
    mon_a, gen = Monitor(lateness_seconds=3600), a.batches()
    for _ in range(4):  # A takes rooms, reads part of them, and stalls (no heartbeat)
        mon_a.feed_columns(next(gen).events)
    a_rooms = a.rooms
    assert a_rooms
    b = worker(ws, redis_client, "g", "B", ckpt=tmp_path / "B.ckpt", claim_idle_s=0.3)
    b.run()
    assert sorted(b.source.claimed) == a_rooms
    # A wakes up: its first round finds the rooms gone and reads none of their new entries
    late = sum(len(batch.events) for batch in gen)
    assert late == 0 and sorted(a.lost) == a_rooms and a.rooms == []
    got = {s: pick(st) for s, st in b.monitor.sessions.items()}
    assert got == truth(events)
    assert all_acked(redis_client, "g", sorted(got))


def test_a_worker_that_keeps_refreshing_keeps_its_rooms(redis_client):
    Publisher(redis_client, per_entry=1).publish(make_events(seed=13, rooms=2, per_room=2000))
    a = RedisSource(redis_client, group="g", consumer="A", count=5, block_ms=20, heartbeat_s=0.05)
    b = RedisSource(redis_client, group="g", consumer="B", claim_idle_s=1.0)
    b._group(b.keys.rooms)
    gen = a.batches()
    deadline = time.monotonic() + 2.5  # well past B's claim idle time (20x A's heartbeat)
    while time.monotonic() < deadline:
        next(gen)  # A reads on, slowly, refreshing its rooms' announcements
        time.sleep(0.02)
        assert b._claim() is None
    assert a.rooms == ["R0", "R1"] and not a.lost
    time.sleep(1.3)  # A stalls past the claim idle time: now its rooms can be taken
    assert b._claim() in ("R0", "R1")


def test_worker_claim_idle_takes_a_dead_workers_rooms(cli, ws, redis_client, redis_url, tmp_path):
    import json

    import livecart
    from tests.conftest import invoke
    from tests.sources.redis_rooms import KEYS

    events = make_events(seed=14, rooms=3, per_room=600)
    Publisher(redis_client, per_entry=1).publish(events)
    a_rooms, _left = crash_a(ws, redis_client, tmp_path, after=3)
    livecart.init(tmp_path / "b").close()
    (tmp_path / "b" / "livecart.toml").write_text("lateness_seconds = 3600\n")
    args = ["--redis", redis_url, "--group", "g", "--name", "B", "--idle-stop", "1", "--json"]
    r = invoke(cli, "worker", tmp_path / "b", *args, "--claim-idle", "0.3")
    assert r.exit_code == 0, r.output
    got = {row["session_id"]: {k: float(row[k]) for k in KEYS} for row in json.loads(r.output)}
    assert a_rooms and got == truth(events)
    assert all_acked(redis_client, "g", sorted(got))


@pytest.mark.parametrize("fair", [True, False])
def test_new_rooms_spread_over_the_groups_workers(redis_client, fair):
    """Nine rooms announced at once, three workers of the group: a worker that asks again and
    again takes only its share (3), the others take theirs; without fair_share the first to ask
    takes them all (the old behaviour, which left workers without rooms)."""
    Publisher(redis_client, per_entry=1).publish(make_events(seed=15, rooms=9, per_room=5))
    workers = [
        RedisSource(redis_client, group="g", consumer=name, fair_share=fair) for name in "ABC"
    ]
    workers[0]._group(workers[0].keys.rooms)
    for w in workers:  # all three in the group, none holding a room yet
        redis_client.xgroup_createconsumer("livecart:rooms", "g", w.consumer)
    for w in workers:
        while w._announcements():
            pass
    held = [len(w.rooms) for w in workers]
    assert held == ([3, 3, 3] if fair else [9, 0, 0])


@pytest.mark.parametrize("fair", [True, False])
def test_a_dead_workers_rooms_spread_over_the_survivors(redis_client, fair):
    """A holds six rooms and dies; B and C are alive. B asks again and again first: with
    fair_share it takes only its share (3) and C the rest; without, B takes all six (the old
    first-come claim, which left C idle). A room no worker below its share takes within
    twice the claim time goes to whoever asks, so none is stranded."""
    Publisher(redis_client, per_entry=1).publish(make_events(seed=16, rooms=6, per_room=5))
    a = RedisSource(redis_client, group="g", consumer="A", fair_share=False)
    a._group(a.keys.rooms)
    while a._announcements():
        pass
    assert len(a.rooms) == 6
    live = [
        RedisSource(redis_client, group="g", consumer=n, claim_idle_s=1.0, fair_share=fair)
        for n in "BC"
    ]
    time.sleep(1.2)  # A is silent past the claim time
    for w in live:  # both alive: each has talked to Redis
        redis_client.xgroup_createconsumer("livecart:rooms", "g", w.consumer)
    for w in live:  # asks well past its share (a claim scan wraps around once in between)
        for _ in range(12):
            w._claim()
    assert [len(w.claimed) for w in live] == ([3, 3] if fair else [6, 0])
    if fair:  # C never comes back for more: after twice the claim time B takes what is left
        b, c = live
        c.r.xclaim("livecart:rooms", "g", "A", 0, [c.announcement[r] for r in c.rooms])
        c.announcement.clear()
        time.sleep(2.1)
        for _ in range(12):
            b._claim()
        assert len(b.claimed) == 6
