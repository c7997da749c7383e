"""Every room in one place (#16): monitor workers publish their rooms' rows onto the Redis
results stream and a serving workspace follows it. Against a real redis-server: three real
`livecart worker` processes, one killed with SIGKILL in the middle of the lives, and a real
`livecart serve --redis` killed and restarted in the middle of the stream; the served
workspace's per-minute GMV equals the one the single-monitor path computes from the events,
exactly (GMV here is a sum of multiples of 0.5, so float sums are exact in any order)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import livecart
from livecart.live import LiveRun, Monitor
from livecart.live.engine import columns as C
from livecart.live.engine.kpis import live_minutes_columns
from livecart.live.sources.redis_results import (
    ResultsFeed,
    ResultsPublisher,
    results_key,
)
from livecart.live.sources.redis_stream import Publisher, RedisSource
from tests.sources.redis_rooms import T0, all_acked, make_events, pick, truth, worker

HALF = T0 + 15 * 60_000  # the lives are cut here: workers are killed in the middle of them


def truth_minutes(events: list[dict]) -> dict[tuple[str, int], float]:
    """(session, minute) -> GMV by the single-monitor path, every minute of every session."""
    mon = Monitor(lateness_seconds=3600)
    mon.feed_columns(C.from_dicts(events))
    out = {}
    for sid, st in sorted(mon.sessions.items()):
        cols = live_minutes_columns(st, 0)
        for m, g in zip(cols["minute"].tolist(), cols["gmv"].tolist(), strict=True):
            out[(sid, int(m))] = float(g)
    return out


def served_minutes(ws) -> dict[tuple[str, int], float]:
    rows = ws.execute("SELECT session_id, minute, gmv FROM live_minutes")
    return {(s, int(m)): float(g) for s, m, g in rows}


def served_totals(ws) -> dict[str, tuple[float, int]]:
    rows = ws.execute("SELECT session_id, gmv, orders FROM sessions")
    return {s: (float(g), int(o)) for s, g, o in rows}


def truth_totals(events: list[dict]) -> dict[str, tuple[float, int]]:
    t: dict[str, list] = {}
    for e in events:
        if e["type"] == "order":
            x = t.setdefault(e["session_id"], [0.0, 0])
            x[0] += e["price"] * e["quantity"]
            x[1] += 1
    return {s: (g, n) for s, (g, n) in t.items()}


def _room_entries_after(client, room: str, entry: str | None) -> int:
    """Events of a room's stream after ``entry`` (one event an entry here)."""
    return len(client.xrange(f"livecart:room:{room}", min=f"({entry}" if entry else "-"))


def test_a_stalled_owner_is_fenced_off_the_results_stream(ws, redis_client, tmp_path, app_client):
    """Workers A and B share one workspace of their own here; ``ws`` is the served one. A
    publishes its rooms with their checkpoints and stalls; B takes them over from those
    checkpoints, reading only the events after them."""
    events = make_events(seed=31, rooms=4, per_room=600)
    Publisher(redis_client, per_entry=1).publish(events)  # A reads 100 events a round
    own = livecart.init(tmp_path / "own")
    a = RedisSource(redis_client, group="g", consumer="A", count=100, block_ms=50, idle_stop_s=0.5)
    run_a = LiveRun(own, a, save_every_s=0.0, publish=ResultsPublisher(a))
    run_a.monitor.lateness_ms = 3600 * 1000
    gen = a.batches()
    for _ in range(3):  # A takes rooms, writes part of them, publishes, and stalls
        batch = next(gen)
        run_a.monitor.feed_columns(batch.events)
        run_a.position = batch.position
        run_a._dirty |= set(run_a.monitor.sessions)
        assert run_a.write_touched()
    a_rooms = a.rooms
    assert a_rooms and run_a.publish.entries > 0 and not run_a.publish.fenced
    at = {r: a.applied[r] for r in a_rooms}  # what A's published checkpoints hold
    assert all(redis_client.ttl(f"livecart:checkpoint:g:{r}") == -1 for r in a_rooms)  # live: kept
    others = sorted(set(truth(events)) - set(a_rooms))
    # counted before B runs: B's checkpoints trim the rooms' streams behind it
    read = sum(_room_entries_after(redis_client, r, at.get(r)) for r in a_rooms + others)
    b = worker(own, redis_client, "g", "B", ckpt=tmp_path / "B.ckpt", claim_idle_s=0.3)
    b.publish = ResultsPublisher(b.source)
    b.run()
    assert sorted(b.source.claimed) == a_rooms
    # B resumed each of A's rooms at A's checkpoint and read only the events after it
    assert b.source.resumed == at
    assert b.monitor.events_in == read < len(events)
    assert {s: pick(st) for s, st in b.monitor.sessions.items()} == truth(events)
    assert all_acked(redis_client, "g", sorted(truth(events)))
    n = redis_client.xlen(results_key())
    # A wakes up and saves what it had, still taking the rooms for its own: Redis refuses
    run_a._written.clear()
    run_a._dirty |= set(a_rooms)
    assert run_a.write_touched()
    assert sorted(run_a.publish.fenced) == a_rooms and redis_client.xlen(results_key()) == n
    for r in a_rooms:  # and its checkpoints stay B's
        assert redis_client.hget(f"livecart:checkpoint:g:{r}", "owner") == b"B"
    served, client = ws, app_client()
    feed = ResultsFeed(served, redis_client, count=1, trim=False)  # re-applied below
    assert feed.step() == 1  # A's first rows of a room: part of its live
    (room,) = feed.owners
    view = client.get(f"/api/live/{room}").json()
    assert view["past"] and not view["ended"] and "(live elsewhere)" in client.get("/live").text
    assert feed.catch_up() == n - 1
    assert served_minutes(served) == truth_minutes(events)
    assert served_totals(served) == truth_totals(events)
    assert {r: feed.owners[r] for r in a_rooms} == dict.fromkeys(a_rooms, "B")
    # re-delivery (the feed's position moved back to the start) changes nothing
    before = served.query("SELECT * FROM live_minutes ORDER BY session_id, minute")
    served.execute("UPDATE _meta SET value = '0-0' WHERE key = ?", [feed.meta_key])
    assert ResultsFeed(served, redis_client, trim=False).catch_up() == n
    after = served.query("SELECT * FROM live_minutes ORDER BY session_id, minute")
    assert after.equals(before)
    own.close()
    # the dashboard of the served workspace shows every room, whichever worker ran it
    gmv = truth_totals(events)
    page = client.get("/live").text
    for room in sorted(gmv):
        assert f'href="/live/{room}"' in page, room
        view = client.get(f"/api/live/{room}").json()
        assert view["totals"]["gmv"] == gmv[room][0] and view["ended"], room


def _wait(cond, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _workspace(path, checkpoint_seconds: float = 0.05):
    livecart.init(path).close()
    (path / "livecart.toml").write_text(
        f"lateness_seconds = 3600\ncheckpoint_seconds = {checkpoint_seconds}\n"
    )
    return path


def _checkpoints(client) -> dict[str, dict[str, str]]:
    """room -> its shared checkpoint's owner, ended flag and entry (the stream itself is
    trimmed as the server applies it, so what was published is read from these)."""
    out = {}
    for key in client.scan_iter("livecart:checkpoint:*"):
        owner, ended, entry = (
            f and f.decode() for f in client.hmget(key, "owner", "ended", "entry")
        )
        out[key.decode().rsplit(":", 1)[1]] = {"owner": owner, "ended": ended, "entry": entry}
    return out


def _owners(client) -> dict[str, str]:
    """room -> the worker that published it last."""
    return {r: c["owner"] for r, c in _checkpoints(client).items()}


def _ended(client) -> set[str]:
    """The rooms whose published totals carry the live's end."""
    return {r for r, c in _checkpoints(client).items() if c["ended"] == "1"}


def _published(client) -> int:
    """Entries ever added to the results stream (trimmed or not)."""
    return client.xinfo_stream(results_key())["entries-added"]


def _consumers(client) -> int:
    import redis

    try:
        return len(client.xinfo_consumers("livecart:rooms", "g"))
    except redis.ResponseError:  # the group is not there yet
        return 0


def _serve(ws_dir, redis_url, log) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "livecart", "serve", str(ws_dir), "--port", "0"]
    with open(log, "w") as out:  # the child keeps its own copy of the file
        return subprocess.Popen([*cmd, "--redis", redis_url], stdout=out, stderr=out)


def _applied_at_start(log) -> int | None:
    m = re.search(r"([\d,]+)\s+result\s+entries\s+applied", log.read_text())
    return None if m is None else int(m.group(1).replace(",", ""))


@pytest.mark.slow
def test_three_workers_one_killed_served_minutes_equal_the_source(
    tmp_path, redis_url, redis_client
):
    events = make_events(seed=32, rooms=6, per_room=3000)
    first = [e for e in events if e["ts"] < HALF]
    second = [e for e in events if e["ts"] >= HALF]
    cmd = [sys.executable, "-m", "livecart", "worker"]
    # idle-stop: long enough for all three to start on a busy machine; stopped below if need be
    opts = ["--redis", redis_url, "--group", "g", "--idle-stop", "60", "--claim-idle", "1"]
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("w1", "w2", "w3")}  # noqa: SIM115
    procs = {
        name: subprocess.Popen(
            [*cmd, str(_workspace(tmp_path / name)), *opts, "--name", name, "--share-results"],
            stdout=subprocess.DEVNULL,
            stderr=logs[name],
        )
        for name in ("w1", "w2", "w3")
    }
    served = _workspace(tmp_path / "served", 1.0)
    serve_log = tmp_path / "serve1.log"
    server = _serve(served, redis_url, serve_log)
    try:
        _wait(lambda: _consumers(redis_client) == 3, "three workers in the group")
        assert all(p.poll() is None for p in procs.values())
        Publisher(redis_client).publish(first)  # the first 15 minutes of six lives
        _wait(lambda: len(_owners(redis_client)) == 6, "every room's first results")
        _wait(lambda: _applied_at_start(serve_log) is not None, "the server to follow")
        time.sleep(1.5)  # the server applies what the workers publish meanwhile
        victim = _owners(redis_client)["R0"]  # the worker that holds R0 (and maybe more)
        os.kill(procs[victim].pid, signal.SIGKILL)  # in the middle of its lives
        procs[victim].wait()
        # read at once: its rooms are claimed only after a second without its heartbeat
        at_kill = {r: c["entry"] for r, c in _checkpoints(redis_client).items()}
        lost = {r for r, who in _owners(redis_client).items() if who == victim}
        assert "R0" in lost, "the killed worker's rooms were its own until then"
        os.kill(server.pid, signal.SIGKILL)  # the server too, in the middle of the stream
        server.wait()
        Publisher(redis_client).publish(second)  # the lives go on and end
        _wait(lambda: len(_ended(redis_client)) == 6, "every live's end in the results")
        for name in sorted(set(procs) - {victim}):  # done: their results are on the stream
            if procs[name].poll() is None:
                procs[name].kill()  # else it stopped on its own, idle
            assert procs[name].wait() in (0, -signal.SIGKILL), name
        total = _published(redis_client)
        restart_log = tmp_path / "serve2.log"
        server = _serve(served, redis_url, restart_log)
        _wait(lambda: _applied_at_start(restart_log) is not None, "the restarted server")
        again = _applied_at_start(restart_log)
        assert 0 < again < total  # resumed after what the killed server had written
        _wait(lambda: "livecart dashboard for" in restart_log.read_text(), "the dashboard")
        _wait(lambda: redis_client.xlen(results_key()) == 1, "the stream trimmed to its end")
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        for p in [*procs.values(), server]:
            if p.poll() is None:
                p.kill()
                p.wait()
        for f in logs.values():
            f.close()
    # applied, then trimmed: the stream keeps only the last entry the served workspace holds
    (reader,) = redis_client.hvals("livecart:results:readers")
    assert redis_client.xrange(results_key())[-1][0] == reader and total > 1
    owners = _owners(redis_client)
    for room in lost:  # moved on to a live worker, which published it to the end
        assert owners[room] != victim, room
    # ... resuming it at the killed worker's last checkpoint, not reading it from its start
    resumed = {}
    for name in sorted(set(procs) - {victim}):
        text = (tmp_path / f"{name}.log").read_text()
        for room, owner, entry in re.findall(
            r"resumes room (\S+) from (\S+)'s checkpoint at entry (\S+)", text
        ):
            resumed.setdefault(room, (owner, entry))
    # (a room its new owner already held at or past that entry, having owned it before the
    # victim took it, is read on from there and logs no resume: CI saw it twice, once with the
    # victim's only room, so a resume is not required here; the exact minutes below are, and
    # test_redis_room_trim.py checks the resume from the shared checkpoint in process)
    taken = {r: resumed[r] for r in lost if r in resumed}
    assert taken == {r: (victim, at_kill[r]) for r in taken}, (lost, resumed)
    with livecart.open(served) as ws:
        got = served_minutes(ws)
        want = truth_minutes(events)
        assert sorted(got) == sorted(want)
        bad = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
        assert not bad, bad
        assert served_totals(ws) == truth_totals(events)
        assert np.isclose(sum(got.values()), sum(want.values()), rtol=0, atol=0)
