"""Nowcast and golden-hour plan on synthetic histories whose generating law is known."""

from __future__ import annotations

import json

import numpy as np
import pytest

import livecart
from livecart.live import Nowcaster, evaluate_nowcast, plan_from_history
from livecart.live.history import from_frames
from livecart.model.proportions import wilson
from tests.conftest import invoke
from tests.live.synth import synth_history


def test_nowcast_beats_linear_extrapolation_with_calibrated_80pct_intervals():
    train = from_frames(*synth_history(1000, seed=1))
    test = from_frames(*synth_history(500, seed=2))
    res = {r["minute"]: r for r in evaluate_nowcast(train, test)}
    assert set(res) == {15, 30, 60}
    r60 = res[60]
    assert r60["mdape"] <= 0.7 * r60["baseline_mdape"]
    # 500 held-out sessions (binomial sd 1.8 points) and 1,000 training sessions (the interval
    # ends' own sampling error, about 1.9 points): combined sd ~2.6 points; allow 3 sd
    for r in res.values():
        assert 0.72 <= r["coverage_80"] <= 0.88, r
        assert r["folds"] == "random"  # one room: no rooms to leave out


def test_evaluate_gives_each_coverage_its_count_and_95pct_wilson_interval():
    train = from_frames(*synth_history(200, seed=1))
    test = from_frames(*synth_history(40, seed=2))
    for r in evaluate_nowcast(train, test):
        assert r["sessions"] == 40 and r["coverage_80"] == r["covered"] / 40
        lo, hi = wilson(r["covered"], 40, level=0.95)
        assert (r["coverage_80_low"], r["coverage_80_high"]) == (lo, hi)
        assert lo < r["coverage_80"] < hi and hi - lo > 0.2  # 40 lives: about +-12 points


def test_rooms_set_the_intervals_folds_but_never_move_the_point():
    """With 5 rooms or more the interval's CV+ folds are the rooms; the point stays the median
    of the random folds' cloud, so the MdAPE is the same either way."""
    train = from_frames(*synth_history(300, seed=1))
    train.meta["room"] = [f"room{i % 6}" for i in range(len(train))]
    test = from_frames(*synth_history(100, seed=2))
    by_room = evaluate_nowcast(train, test)
    random = evaluate_nowcast(train, test, nowcaster=Nowcaster(by_room=False))
    assert [r["folds"] for r in by_room] == ["room"] * 3
    assert [r["folds"] for r in random] == ["random"] * 3
    assert [r["mdape"] for r in by_room] == [r["mdape"] for r in random]
    four = from_frames(*synth_history(300, seed=1))
    four.meta["room"] = [f"room{i % 4}" for i in range(len(four))]
    assert {r["folds"] for r in evaluate_nowcast(four, test)} == {"random"}  # too few rooms


def test_nowcast_floor_is_what_is_already_sold():
    nc = Nowcaster().fit(from_frames(*synth_history(60, seed=3)))
    out = nc.predict(
        30, {"gmv": 1e7, "orders": 5e5, "entries": 10}, viewers=1, planned=120, currency="USD"
    )
    assert out["gmv"][0] >= 1e7 and out["orders"][0] >= 5e5


def test_nowcast_needs_enough_history():
    nc = Nowcaster(min_sessions=20).fit(from_frames(*synth_history(10, seed=3)))
    assert nc.predict(15, {"gmv": 10.0}, viewers=5, planned=120, currency="USD") is None


def test_plan_from_history_is_the_quartiles_of_past_sessions_cumulative_curves():
    lm, s = synth_history(40, seed=5)
    h = from_frames(lm, s)
    plan = plan_from_history(h)
    cum = lm.pivot(index="session_id", columns="minute", values="gmv").fillna(0).cumsum(axis=1)
    for m in (0, 14, 59):
        want = np.percentile(cum[m].to_numpy(), [25, 50, 75])
        np.testing.assert_allclose(plan.at("cum", "gmv", m), want)
    assert plan.source == "history of 40 sessions"
    assert plan_from_history(from_frames(*synth_history(2, seed=5))).cum == {}


@pytest.mark.slow
def test_live_evaluate_cli_prints_one_object_per_checkpoint_minute(tmp_path, cli):
    lm, s = synth_history(150, seed=6)
    with livecart.init(tmp_path / "ws") as ws, ws.transaction():
        ws.upsert("sessions", s)
        ws.upsert("live_minutes", lm)
    res = invoke(cli, "live", "evaluate", tmp_path / "ws", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["minute"] for r in rows] == [15, 30, 60]
    for r in rows:
        assert {"minute", "mdape", "baseline_mdape", "coverage_80", "covered"} <= set(r)
        assert 0 <= r["coverage_80"] <= 1 and r["mdape"] > 0
    table = invoke(cli, "live", "evaluate", tmp_path / "ws").output
    row = rows[0]
    said = f"{row['coverage_80']:.1%} ({row['coverage_80_low']:.1%}-{row['coverage_80_high']:.1%})"
    assert "80% coverage" in table and said in table, table


@pytest.mark.parametrize("n", [0, 12])
def test_live_evaluate_with_too_little_history_says_what_it_needs_and_has(tmp_path, cli, n):
    from livecart.errors import LivecartError

    with livecart.init(tmp_path / "ws") as ws:
        if n:
            lm, s = synth_history(n, seed=6)
            with ws.transaction():
                ws.upsert("sessions", s)
                ws.upsert("live_minutes", lm)
    held = round(n * 0.3)
    with pytest.raises(LivecartError) as e:
        invoke(cli, "live", "evaluate", tmp_path / "ws", "--json")
    msg = str(e.value)
    assert "\n" not in msg
    assert "needs 20 past sessions" in msg
    assert f"it has {n - held} of {n - held} training sessions and {held} of {held}" in msg
