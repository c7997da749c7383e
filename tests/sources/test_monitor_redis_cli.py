"""`livecart publish --redis` then `livecart monitor DIR --redis URL --group G`: the issue's
commands, end to end through a real redis-server."""

from __future__ import annotations

import uuid

import pytest

import livecart
from livecart.errors import LivecartError
from tests.conftest import invoke
from tests.live.synth import synth_session


def test_publish_then_monitor_as_redis_worker_counts_every_event_once(cli, tmp_path, redis_url):
    tag = uuid.uuid4().hex[:8]  # rooms of this test only (the server is shared by the session)
    sids = [f"A{tag}", f"B{tag}"]
    events = synth_session(sids[0], minutes=5, seed=4) + synth_session(sids[1], minutes=4, seed=5)
    rec = tmp_path / "rec.jsonl"
    rec.write_text("".join(e.to_json() + "\n" for e in events))
    assert invoke(cli, "publish", rec, "--redis", redis_url).exit_code == 0
    ws_dir = tmp_path / "ws"
    livecart.init(ws_dir).close()
    r = invoke(
        cli,
        "monitor",
        ws_dir,
        "--redis",
        redis_url,
        "--group",
        f"g{tag}",
        "--name",
        "w1",
        "--idle-stop",
        "1",
    )
    assert r.exit_code == 0, r.output
    want = {
        s: sum(e.quantity for e in events if e.type == "order" and e.session_id == s) for s in sids
    }
    with livecart.open(ws_dir, read_only=True) as ws:
        got = ws.query("SELECT session_id, sum(units) AS n FROM live_minutes GROUP BY 1")
    got = dict(zip(got["session_id"], got["n"].astype(int), strict=True))
    assert {s: got.get(s) for s in sids} == want


def test_monitor_needs_exactly_one_source(cli, tmp_path):
    livecart.init(tmp_path / "ws").close()
    with pytest.raises(LivecartError, match="--replay FILE or --redis URL"):
        invoke(cli, "monitor", tmp_path / "ws")
    with pytest.raises(LivecartError, match="--replay FILE or --redis URL"):
        invoke(cli, "monitor", tmp_path / "ws", "--replay", "x.jsonl", "--redis", "redis://x")
