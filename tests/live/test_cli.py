"""`livecart monitor`: the final view as JSON with alerts and nowcast, plan targets from a file,
rows written into the workspace, malformed events reported."""

from __future__ import annotations

import json

import pytest

import livecart
from livecart.model.events import Event
from tests.conftest import invoke
from tests.live.synth import T0, synth_session


def test_monitor_json_view_with_plan_file_and_rows_in_the_workspace(tmp_path, cli):
    ev = synth_session("S1", minutes=12, seed=11)
    ev += [
        Event(f"ad{m}", "S1", T0 + m * 60000 + 7, "ad_spend", amount=40.0, currency="USD")
        for m in range(12)
    ]
    ev.sort(key=lambda e: e.ts)
    rec = tmp_path / "rec.jsonl"
    rec.write_text("".join(e.to_json() + "\n" for e in ev) + "{broken\n")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"ad_spend": 600}))  # 10 a minute planned, 40 spent
    livecart.init(tmp_path / "ws").close()
    res = invoke(cli, "monitor", tmp_path / "ws", "--replay", rec, "--plan", plan, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    (s,) = out
    want = sum(e.quantity * e.price for e in ev if e.type == "order")
    assert s["totals"]["gmv"] == pytest.approx(want)
    assert "ad_pacing" in {a["rule"] for a in s["alerts"]}
    assert "1 malformed events skipped" in res.stderr
    with livecart.open(tmp_path / "ws", read_only=True) as ws:
        rows = ws.table("live_minutes")
        assert len(rows) == 12 and rows["gmv"].sum() == pytest.approx(want)
        assert ws.table("sessions")["gmv"].iat[0] == pytest.approx(want)


def test_unknown_plan_target_is_a_clear_error(tmp_path, cli):
    rec = tmp_path / "rec.jsonl"
    rec.write_text("".join(e.to_json() + "\n" for e in synth_session(minutes=1)))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"revenue": 10}))
    livecart.init(tmp_path / "ws").close()
    from typer.testing import CliRunner

    from livecart.cli import app

    res = CliRunner().invoke(
        app,
        ["monitor", str(tmp_path / "ws"), "--replay", str(rec), "--plan", str(plan), "--no-view"],
    )
    assert res.exit_code != 0
    assert "unknown plan target 'revenue'" in str(res.exception)
