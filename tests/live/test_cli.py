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


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{broken", "is not valid JSON"),
        ("[1, 2]", "holds no targets"),
        ('{"gmv": "a lot"}', "plan target 'gmv'"),
    ],
)
def test_a_bad_plan_file_is_a_one_line_error_not_a_traceback(tmp_path, cli, text, says):
    from livecart.errors import LivecartError

    rec = tmp_path / "rec.jsonl"
    rec.write_text("".join(e.to_json() + "\n" for e in synth_session(minutes=1)))
    plan = tmp_path / "plan.json"
    plan.write_text(text)
    livecart.init(tmp_path / "ws").close()
    with pytest.raises(LivecartError, match=says):
        invoke(cli, "monitor", tmp_path / "ws", "--replay", rec, "--plan", plan, "--no-view")
    with pytest.raises(LivecartError, match="no plan file"):
        invoke(cli, "monitor", tmp_path / "ws", "--replay", rec, "--plan", tmp_path / "nope.json")


def test_negative_speed_is_refused(tmp_path, cli):
    from livecart.errors import LivecartError

    rec = tmp_path / "rec.jsonl"
    rec.write_text("".join(e.to_json() + "\n" for e in synth_session(minutes=1)))
    livecart.init(tmp_path / "ws").close()
    with pytest.raises(LivecartError, match="--speed must be 0"):
        invoke(cli, "monitor", tmp_path / "ws", "--replay", rec, "--speed", "-1")


def test_no_new_alerts_after_the_live_ended(tmp_path, cli):
    """A stock count read after live_end (a late snapshot) would mean 'sells out in 1 min':
    the live is over, so it raises nothing; the same snapshot before the end does."""
    ev = synth_session("S1", minutes=8, seed=11)
    end_ts = max(e.ts for e in ev) + 1
    late_stock = Event("late-stock", "S1", end_ts + 1000, "stock", sku_id="A", level=1)
    tail = [Event("end", "S1", end_ts, "live_end"), late_stock]

    def alerts(events, name):
        rec = tmp_path / f"{name}.jsonl"
        rec.write_text("".join(e.to_json() + "\n" for e in events))
        livecart.init(tmp_path / name).close()
        res = invoke(cli, "monitor", tmp_path / name, "--replay", rec, "--json")
        return {(a["rule"], a["subject"]) for a in json.loads(res.stdout)[0]["alerts"]}

    assert ("stockout", "A") in alerts(ev + [late_stock], "running")
    assert ("stockout", "A") not in alerts(ev + tail, "ended")


def test_tiktok_help_names_the_extra():
    from typer.testing import CliRunner

    from livecart.cli import app

    res = CliRunner().invoke(app, ["tiktok", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "livecart[tiktok]" in res.output


def test_hold_out_split_keeps_the_newest_sessions_for_testing():
    from livecart.errors import LivecartError
    from livecart.live.history import from_frames, split_newest
    from tests.live.synth import synth_history

    h = from_frames(*synth_history(10, seed=1))
    train, test = split_newest(h, 0.3)
    assert list(train.meta["session_id"]) == [f"S{i:04d}" for i in range(7)]
    assert list(test.meta["session_id"]) == ["S0007", "S0008", "S0009"]
    with pytest.raises(LivecartError, match="between 0 and 1"):
        split_newest(h, 1.5)
