"""Rooms' event streams are trimmed below their shared checkpoints (#16): once a worker that
shares results has checkpointed and acknowledged a room's entries, the room's stream keeps
only what a takeover could still need: an ended room its last entry, a live room the entries
after its checkpoint's (less a safety margin, 0 here). A worker that takes a trimmed room over,
or restarts behind the shared checkpoint with an older checkpoint of its own, adopts the
shared checkpoint and still ends with exact totals. A room without a shared checkpoint (a
worker that does not share results) keeps its whole stream. With no keep period and no serving
workspace to wait for, an ended room is then dropped whole (``test_redis_room_drop``)."""

from __future__ import annotations

import shutil

import livecart
from livecart.live.sources.redis_results import ResultsPublisher
from livecart.live.sources.redis_stream import Publisher
from tests.sources.redis_rooms import all_acked, make_events, pick, truth, worker

ROOMS = ["R0", "R1", "R2"]


def _lengths(client) -> dict[str, int]:
    return {r: client.xlen(f"livecart:room:{r}") for r in ROOMS}


def _sharing(ws, client, name, ckpt, **kw):
    w = worker(ws, client, "g", name, ckpt=ckpt, count=50, room_keep_s=0.0, **kw)
    w.publish = ResultsPublisher(w.source)
    return w


def test_an_ended_rooms_stream_is_trimmed_to_its_checkpointed_end(redis_client, tmp_path):
    events = make_events(seed=61, rooms=3, per_room=300)
    Publisher(redis_client, per_entry=1).publish(events)
    published = _lengths(redis_client)
    with livecart.init(tmp_path / "A") as own:
        w = _sharing(own, redis_client, "A", tmp_path / "A.ckpt")
        w.run()
    assert {s: pick(st) for s, st in w.monitor.sessions.items()} == truth(events)
    assert all_acked(redis_client, "g", ROOMS)
    # trimmed to each room's end entry, then (ended, no serving workspace to wait for, no
    # keep period) dropped whole: redis_upkeep
    assert w.source.trimmed == sum(published.values()) - len(ROOMS)
    assert _lengths(redis_client) == dict.fromkeys(ROOMS, 0)


def test_without_shared_checkpoints_the_streams_are_kept_whole(redis_client, tmp_path):
    events = make_events(seed=62, rooms=3, per_room=200)
    Publisher(redis_client, per_entry=1).publish(events)
    published = _lengths(redis_client)
    with livecart.init(tmp_path / "A") as own:
        w = worker(own, redis_client, "g", "A", ckpt=tmp_path / "A.ckpt")
        w.run()
    assert all_acked(redis_client, "g", ROOMS)
    assert _lengths(redis_client) == published and w.source.trimmed == 0


def test_a_takeover_after_trimming_resumes_from_the_shared_checkpoint_exactly(
    redis_client, tmp_path
):
    events = make_events(seed=63, rooms=3, per_room=400)
    half = events[: len(events) // 2]
    Publisher(redis_client, per_entry=1).publish(half)
    with livecart.init(tmp_path / "A") as own_a:
        a = _sharing(own_a, redis_client, "A", tmp_path / "A.ckpt")
        a.run()  # half of each live, checkpointed and shared; A then dies
    trimmed = _lengths(redis_client)
    assert a.source.trimmed > 0 and all(n <= 2 for n in trimmed.values()), trimmed
    Publisher(redis_client, per_entry=1).publish(events[len(half) :])
    with livecart.init(tmp_path / "B") as own_b:
        b = _sharing(own_b, redis_client, "B", tmp_path / "B.ckpt", claim_idle_s=0.3)
        b.run()
    assert sorted(b.source.claimed) == ROOMS and sorted(b.source.resumed) == ROOMS
    assert {s: pick(st) for s, st in b.monitor.sessions.items()} == truth(events)
    assert _lengths(redis_client) == dict.fromkeys(ROOMS, 0)  # ended: dropped (redis_upkeep)


def test_a_worker_behind_the_shared_checkpoint_adopts_it_after_trimming(redis_client, tmp_path):
    """A restarts with a checkpoint of its own older than the shared one (say, restored from
    a backup, or killed between publishing and saving its own): the entries between the two
    are trimmed, so it must take the shared checkpoint, and it does: totals exact."""
    events = make_events(seed=64, rooms=3, per_room=400)
    third = len(events) // 3
    ckpt, old = tmp_path / "A.ckpt", tmp_path / "A-old.ckpt"
    with livecart.init(tmp_path / "A") as own:
        Publisher(redis_client, per_entry=1).publish(events[:third])
        _sharing(own, redis_client, "A", ckpt).run()
        shutil.copy(ckpt, old)
        Publisher(redis_client, per_entry=1).publish(events[third : 2 * third])
        on = _sharing(own, redis_client, "A", ckpt)
        on.run()
        assert on.source.trimmed > 0
        shutil.copy(old, ckpt)  # back behind the shared checkpoint
        Publisher(redis_client, per_entry=1).publish(events[2 * third :])
        again = _sharing(own, redis_client, "A", ckpt)
        assert again.resumed
        again.run()
    assert sorted(again.source.resumed) == ROOMS
    assert {s: pick(st) for s, st in again.monitor.sessions.items()} == truth(events)
    assert _lengths(redis_client) == dict.fromkeys(ROOMS, 0)  # ended: dropped (redis_upkeep)


def test_a_stream_another_group_reads_is_not_trimmed(redis_client, tmp_path):
    """Another agency's monitor (group h, not sharing results) reads the same rooms: its
    takeovers may need each room's start, so group g's checkpoints trim nothing."""
    events = make_events(seed=65, rooms=3, per_room=200)
    Publisher(redis_client, per_entry=1).publish(events)
    published = _lengths(redis_client)
    with livecart.init(tmp_path / "C") as own_c, livecart.init(tmp_path / "A") as own_a:
        worker(own_c, redis_client, "h", "C", ckpt=tmp_path / "C.ckpt").run()
        a = _sharing(own_a, redis_client, "A", tmp_path / "A.ckpt")
        a.run()
    assert {s: pick(st) for s, st in a.monitor.sessions.items()} == truth(events)
    assert _lengths(redis_client) == published and a.source.trimmed == 0


def test_two_groups_sharing_results_keep_their_own_checkpoints_and_both_trim(
    redis_client, tmp_path
):
    """Two agencies' monitors (groups g and h) both share results on one prefix: each group's
    room checkpoints are its own (h's worker, further along, does not overwrite g's), so g's
    takeover resumes at g's checkpoint with exact totals; and the streams are trimmed below
    both groups' checkpoints (before the checkpoints were per group, such rooms kept their
    whole stream), and not while a group has not taken the room yet."""
    events = make_events(seed=66, rooms=3, per_room=300)
    half = events[: len(events) // 2]
    for group in "gh":  # both monitors are set up before the lives start
        redis_client.xgroup_create("livecart:rooms", group, id="0", mkstream=True)
    Publisher(redis_client, per_entry=1).publish(half)
    half_lengths = _lengths(redis_client)

    def group_h():  # group h's one worker, sharing results too
        c = worker(own_c, redis_client, "h", "C", ckpt=tmp_path / "C.ckpt", room_keep_s=0.0)
        c.publish = ResultsPublisher(c.source)
        c.run()
        return c

    with livecart.init(tmp_path / "C") as own_c, livecart.init(tmp_path / "A") as own_a:
        group_h()  # half of each live
        assert _lengths(redis_client) == half_lengths  # g has not taken the rooms yet
        a = _sharing(own_a, redis_client, "A", tmp_path / "A.ckpt")
        a.run()  # group g: half of each live, then A dies
        at = dict(a.source.applied)
        Publisher(redis_client, per_entry=1).publish(events[len(half) :])
        c = group_h()  # to the lives' end
    for r in ROOMS:
        g, h = (redis_client.hgetall(f"livecart:checkpoint:{x}:{r}") for x in "gh")
        assert (g[b"owner"], g[b"entry"].decode(), g[b"ended"]) == (b"A", at[r], b"0")
        assert (h[b"owner"], h[b"ended"]) == (b"C", b"1")
    assert 1 < min(_lengths(redis_client).values())  # g's checkpoints hold the trim back
    with livecart.init(tmp_path / "B") as own_b:
        b = _sharing(own_b, redis_client, "B", tmp_path / "B.ckpt", claim_idle_s=0.3)
        b.run()
    assert b.source.resumed == at  # g's own checkpoints, not h's
    assert {s: pick(st) for s, st in b.monitor.sessions.items()} == truth(events)
    assert {s: pick(st) for s, st in c.monitor.sessions.items()} == truth(events)
    assert _lengths(redis_client) == dict.fromkeys(ROOMS, 1)  # both groups ended: one entry
