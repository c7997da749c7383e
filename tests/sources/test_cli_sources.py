"""`livecart publish --redis URL FILE` and `livecart worker DIR --redis URL --group NAME`: a
recording through Redis into a worker's workspace, totals equal to a direct replay."""

from __future__ import annotations

import json

import livecart
from livecart.live import LiveRun, ReplaySource, totals
from tests.conftest import invoke
from tests.sources.redis_rooms import make_events


def test_publish_then_worker_matches_a_direct_replay(cli, tmp_path, redis_url, redis_client):
    rec = tmp_path / "rec.jsonl"
    rec.write_text(
        "".join(json.dumps(e) + "\n" for e in make_events(seed=11, rooms=2, per_room=400))
    )
    r = invoke(cli, "publish", rec, "--redis", redis_url)
    assert r.exit_code == 0 and "published 804 events" in r.output
    livecart.init(tmp_path / "w1").close()
    r = invoke(
        cli,
        "worker",
        tmp_path / "w1",
        "--redis",
        redis_url,
        "--group",
        "g",
        "--name",
        "w1",
        "--idle-stop",
        "1",
        "--json",
    )
    assert r.exit_code == 0, r.output
    got = {row["session_id"]: row for row in json.loads(r.output)}
    with livecart.init(tmp_path / "direct") as ws:
        run = LiveRun(ws, ReplaySource(rec))
        run.run()
        for sid, st in run.monitor.sessions.items():
            t = totals(st)
            assert got[sid]["gmv"] == t["gmv"] and got[sid]["orders"] == t["orders"]
            assert got[sid]["likes"] == t["likes"]
    with livecart.open(tmp_path / "w1", read_only=True) as ws:
        stored = ws.table("sessions").set_index("session_id")
    assert stored.loc["R0", "gmv"] == got["R0"]["gmv"]  # written into the worker's workspace


def test_publish_refuses_a_line_without_session(cli, tmp_path, redis_url, redis_client):
    rec = tmp_path / "bad.jsonl"
    rec.write_text('{"id": "x", "ts": 1, "type": "like"}\n')
    r = cli.invoke(
        __import__("livecart.cli", fromlist=["app"]).app,
        ["publish", str(rec), "--redis", redis_url],
    )
    assert r.exit_code != 0
    assert "session_id" in str(r.exception)
