"""An ended room's keys are dropped once nobody needs them (#16), on a real redis-server: its
stream, its announcement and its place in ``rooms:set``, its shared checkpoint and raised
alerts go ``room_keep_s`` after its end was checkpointed, once every registered serving
workspace has applied its results; not before, not while the keep period runs, and not while
another group reads the bus. ``livecart worker --room-keep`` sets the period."""

from __future__ import annotations

import json

import livecart
from livecart.live.sources.redis_results import ResultsFeed, ResultsPublisher, readers_key
from livecart.live.sources.redis_stream import Publisher
from tests.conftest import invoke
from tests.sources.redis_rooms import KEYS, make_events, truth, worker
from tests.sources.test_redis_results import served_totals, truth_totals

ROOMS = ["R0", "R1", "R2"]


def _room_keys(client) -> dict[str, int]:
    """How many of each kind of a room's keys are left."""
    return {
        "streams": sum(client.exists(f"livecart:room:{r}") for r in ROOMS),
        "set": client.scard("livecart:rooms:set"),
        "announcements": client.xlen("livecart:rooms"),
        "checkpoints": sum(client.exists(f"livecart:checkpoint:g:{r}") for r in ROOMS),
        "ended": client.zcard("livecart:ended:g"),
    }


GONE = {"streams": 0, "set": 0, "announcements": 0, "checkpoints": 0, "ended": 0}


def _run(ws, client, tmp_path, keep: float):
    w = worker(ws, client, "g", "A", ckpt=tmp_path / "A.ckpt", count=100, room_keep_s=keep)
    w.publish = ResultsPublisher(w.source)
    w.run()
    return w


def test_an_ended_rooms_keys_go_once_its_results_are_applied(ws, redis_client, tmp_path):
    events = make_events(seed=81, rooms=3, per_room=300)
    Publisher(redis_client).publish(events)
    feed = ResultsFeed(ws, redis_client)  # a serving workspace, registered, not applied yet
    with livecart.init(tmp_path / "A") as own:
        w = _run(own, redis_client, tmp_path, keep=0.0)
        held = _room_keys(redis_client)
        assert held == {"streams": 3, "set": 3, "announcements": 3, "checkpoints": 3, "ended": 3}
        assert w.source.upkeep.sweep(readers_key()) == []  # the server has not applied them
        feed.catch_up()
        assert sorted(w.source.upkeep.sweep(readers_key())) == ROOMS
    assert _room_keys(redis_client) == GONE
    assert not redis_client.keys("livecart:alerts:*")
    assert served_totals(ws) == truth_totals(events)
    # published again, a room id is a new room: announced again and read from its start
    Publisher(redis_client).publish([e for e in events if e["session_id"] == "R0"])
    assert redis_client.smembers("livecart:rooms:set") == {b"R0"}


def test_an_ended_room_is_kept_for_the_keep_period(redis_client, tmp_path):
    Publisher(redis_client).publish(make_events(seed=82, rooms=3, per_room=200))
    with livecart.init(tmp_path / "A") as own:
        w = _run(own, redis_client, tmp_path, keep=60.0)
        assert w.source.upkeep.sweep(readers_key()) == []
    assert _room_keys(redis_client)["streams"] == 3 and _room_keys(redis_client)["ended"] == 3


def test_rooms_another_group_reads_are_kept(redis_client, tmp_path):
    Publisher(redis_client).publish(make_events(seed=83, rooms=3, per_room=200))
    redis_client.xgroup_create("livecart:rooms", "h", id="0")  # another agency, not started
    with livecart.init(tmp_path / "A") as own:
        w = _run(own, redis_client, tmp_path, keep=0.0)
        assert w.source.upkeep.sweep(readers_key()) == []
    assert _room_keys(redis_client)["streams"] == 3


def test_worker_room_keep_drops_ended_rooms(cli, redis_client, redis_url, tmp_path):
    events = make_events(seed=84, rooms=3, per_room=300)
    Publisher(redis_client).publish(events)
    livecart.init(tmp_path / "w").close()
    (tmp_path / "w" / "livecart.toml").write_text("lateness_seconds = 3600\n")
    args = ["--redis", redis_url, "--group", "g", "--name", "A", "--idle-stop", "1"]
    r = invoke(cli, "worker", tmp_path / "w", *args, "--room-keep", "0", "--json")
    assert r.exit_code == 0, r.output
    got = {row["session_id"]: {k: float(row[k]) for k in KEYS} for row in json.loads(r.output)}
    assert got == truth(events)
    assert _room_keys(redis_client) == GONE  # no serving workspace registered: none to wait for
    r = invoke(cli, "worker", "--help")
    assert "--room-keep" in r.output and "rooms:set" in r.output


def test_a_reader_past_its_lease_does_not_hold_an_ended_room(ws, redis_client, tmp_path):
    import time

    Publisher(redis_client).publish(make_events(seed=85, rooms=3, per_room=200))
    ResultsFeed(ws, redis_client, lease_s=0.5)  # a serving workspace that then goes away
    with livecart.init(tmp_path / "A") as own:
        w = _run(own, redis_client, tmp_path, keep=0.0)
        time.sleep(0.6)  # past its lease (the run may have outlasted it already)
        w.source.upkeep.sweep(readers_key())
        assert sorted(w.source.upkeep.dropped) == ROOMS
    assert _room_keys(redis_client) == GONE
