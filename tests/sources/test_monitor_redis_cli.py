"""`livecart publish --redis` then `livecart monitor DIR --redis URL --group G`: the issue's
commands, end to end through a real redis-server."""

from __future__ import annotations

import json
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


def test_monitor_redis_refuses_speed(cli, tmp_path):
    livecart.init(tmp_path / "ws").close()
    with pytest.raises(LivecartError, match="--speed paces a --replay"):
        invoke(cli, "monitor", tmp_path / "ws", "--redis", "redis://127.0.0.1:1", "--speed", "2")


def test_monitor_redis_takes_plan_webhook_thresholds_and_fresh(cli, tmp_path, redis_url, receiver):
    """The worker raises the plan's ad-pacing alert and posts it to the webhook; a stock count
    of 2 at the end alerts with the default horizon, not with --stockout-minutes 0; --fresh
    replaces an unreadable checkpoint instead of failing on it."""
    from livecart.model.events import Event
    from tests.live.synth import T0

    url, got = receiver
    tag = uuid.uuid4().hex[:8]
    sid = f"P{tag}"
    ev = synth_session(sid, minutes=12, seed=11)
    ev += [
        Event(f"{sid}-ad{m}", sid, T0 + m * 60000 + 7, "ad_spend", amount=40.0, currency="USD")
        for m in range(12)
    ]
    ev.sort(key=lambda e: e.ts)
    ev.append(Event(f"{sid}-stock", sid, ev[-1].ts + 1, "stock", sku_id="A", level=2))
    rec = tmp_path / "rec.jsonl"
    rec.write_text("".join(e.to_json() + "\n" for e in ev))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"ad_spend": 600}))  # 10 a minute planned, 40 spent
    assert invoke(cli, "publish", rec, "--redis", redis_url).exit_code == 0

    def worker(group: str, *extra) -> set[str]:
        ws_dir = tmp_path / group
        livecart.init(ws_dir).close()
        args = ["monitor", ws_dir, "--redis", redis_url, "--group", group, "--name", "w1"]
        args += ["--idle-stop", "1", "--plan", plan, "--webhook", url, *extra]
        ckpt = ws_dir / "checkpoints" / f"monitor-redis-{group}-w1.ckpt"
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        ckpt.write_bytes(b"not a checkpoint")
        with pytest.raises(LivecartError, match="cannot be read"):
            invoke(cli, *args)
        got.clear()
        r = invoke(cli, *args, "--fresh")
        assert r.exit_code == 0, r.output
        return {g["rule"] for g in got if g["session_id"] == sid}

    default = worker(f"a{tag}")
    assert {"ad_pacing", "stockout"} <= default
    assert "stockout" not in worker(f"b{tag}", "--stockout-minutes", "0")
