"""The stock plan on the demo workspace, and its edge cases: a SKU with no history, zero-cost
SKUs, a budget too small to stock anything, inbound stock arriving after the live."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

import livecart
from livecart.stock import (
    StockPlanError,
    compare,
    latest_saved,
    plan_stock,
    planned_stock,
    replan,
    save_plan,
)
from livecart.stock.po import purchase_order_csv


@pytest.fixture(scope="module")
def late_session(demo_path) -> str:
    """One of the demo's latest lives (not the last) for which the unconstrained plan orders
    something, so that budgets have something to bind."""
    with livecart.open(demo_path, read_only=True) as ws:
        ids = ws.query("SELECT session_id FROM sessions ORDER BY planned_start DESC")["session_id"]
        for sid in ids.iloc[1:8]:
            if sum(ln.order_qty for ln in plan_stock(ws, sid).lines) >= 20:
                return sid
    raise AssertionError("no late demo live with something to order")


@pytest.fixture
def demo_copy(demo_path, tmp_path) -> Path:
    out = tmp_path / "ws"
    shutil.copytree(demo_path, out)
    return out


def test_plan_covers_the_line_up_with_ordered_quantiles(demo_path, late_session):
    with livecart.open(demo_path, read_only=True) as ws:
        plan = plan_stock(ws, late_session)
        lineup = ws.query(
            "SELECT sku_id FROM session_products WHERE session_id = ?", [late_session]
        )
    assert {ln.sku_id for ln in plan.lines} == set(lineup["sku_id"])
    assert plan.forecast_source == "model"
    for ln in plan.lines:
        assert ln.p10 <= ln.p50 <= ln.p90
        assert ln.target >= ln.available and ln.order_qty == ln.target - ln.available
        assert 0 <= ln.fill_rate <= 1
        assert ln.money_at_risk_short == pytest.approx(ln.underage * ln.expected_short)
        assert ln.money_at_risk_leftover == pytest.approx(ln.overage * ln.expected_leftover)


def test_budget_too_small_orders_nothing_and_says_so(demo_path, late_session):
    with livecart.open(demo_path, read_only=True) as ws:
        free = plan_stock(ws, late_session)
        plan = plan_stock(ws, late_session, budget=0.01)
    assert sum(ln.order_qty for ln in free.lines) > 0  # there was something to order
    assert all(ln.order_qty == 0 for ln in plan.lines)
    assert plan.budget_used == 0
    assert any("too small to order any unit" in n for n in plan.notes)


def test_budget_is_respected_and_binds(demo_path, late_session):
    with livecart.open(demo_path, read_only=True) as ws:
        free = plan_stock(ws, late_session)
        half = free.budget_used / 2
        plan = plan_stock(ws, late_session, budget=half)
    assert plan.budget_used <= half + 1e-6
    assert plan.budget_binds
    assert plan.budget_used > 0.8 * half  # the greedy top-up spends what is left


def test_first_live_has_no_history_and_gets_the_labelled_prior(demo_path):
    with livecart.open(demo_path, read_only=True) as ws:
        first = ws.query("SELECT session_id FROM sessions ORDER BY planned_start").iloc[0, 0]
        plan = plan_stock(ws, first)
    assert plan.forecast_source == "prior"
    assert "prior from category benchmarks" in plan.notes[0]
    assert all(any("prior forecast" in f for f in ln.flags) for ln in plan.lines)


def test_sku_with_no_history_is_flagged(demo_copy, late_session):
    with livecart.open(demo_copy) as ws:
        sku = ws.query(
            "SELECT sku_id FROM session_products WHERE session_id = ? LIMIT 1", [late_session]
        ).iloc[0, 0]
        with ws.transaction() as con:  # the SKU's only record is this live
            con.execute(
                "DELETE FROM session_products WHERE sku_id = ? AND session_id <> ?",
                [sku, late_session],
            )
            con.execute(
                "DELETE FROM orders WHERE sku_id = ? AND session_id <> ?", [sku, late_session]
            )
        plan = plan_stock(ws, late_session)
    ln = next(x for x in plan.lines if x.sku_id == sku)
    assert any("no history for this SKU" in f for f in ln.flags)
    assert ln.p90 > ln.p10


def test_zero_cost_sku_is_flagged_and_free_against_the_budget(demo_copy, late_session):
    with livecart.open(demo_copy) as ws:
        sku = ws.query(
            "SELECT sku_id FROM session_products WHERE session_id = ? ORDER BY position LIMIT 1",
            [late_session],
        ).iloc[0, 0]
        with ws.transaction() as con:
            con.execute("UPDATE products SET unit_cost = 0 WHERE sku_id = ?", [sku])
        free = plan_stock(ws, late_session)
        plan = plan_stock(ws, late_session, budget=0.0)
    ln = next(x for x in plan.lines if x.sku_id == sku)
    assert any("zero unit cost" in f for f in ln.flags)
    assert ln.underage == pytest.approx(ln.price)  # the whole price is margin
    # a budget of 0 stops every other order but not this one: it costs nothing to order
    assert ln.target == next(x for x in free.lines if x.sku_id == sku).target
    assert plan.budget_used == 0


def test_inbound_after_the_live_is_not_counted_and_is_flagged(demo_copy, late_session):
    with livecart.open(demo_copy) as ws:
        s = ws.query(
            "SELECT market, planned_start FROM sessions WHERE session_id = ?", [late_session]
        ).iloc[0]
        sku = ws.query(
            "SELECT sku_id FROM session_products WHERE session_id = ? LIMIT 1", [late_session]
        ).iloc[0, 0]
        day = pd.Timestamp(s["planned_start"]).date()
        snap = pd.DataFrame(
            [
                {
                    "sku_id": sku,
                    "location": s["market"],
                    "as_of": day - dt.timedelta(days=1),
                    "on_hand": 3,
                    "inbound": 500,
                    "inbound_arrival": day + dt.timedelta(days=2),
                    "lead_time_days": 10,
                }
            ]
        )
        ws.upsert("inventory", snap)
        plan = plan_stock(ws, late_session)
    ln = next(x for x in plan.lines if x.sku_id == sku)
    assert ln.on_hand == 3 and ln.inbound_in_time == 0 and ln.inbound_late == 500
    assert ln.available == 3
    assert any("not before the live: not counted" in f for f in ln.flags)


def test_unknown_session_and_missing_line_up_say_what_to_do(demo_copy):
    with livecart.open(demo_copy) as ws:
        with pytest.raises(StockPlanError, match="import it first"):
            plan_stock(ws, "NO-SUCH-LIVE")
        sid = ws.query("SELECT session_id FROM sessions LIMIT 1").iloc[0, 0]
        with ws.transaction() as con:
            con.execute("DELETE FROM session_products WHERE session_id = ?", [sid])
        with pytest.raises(StockPlanError, match="no line-up"):
            plan_stock(ws, sid)


def test_saved_plan_is_the_monitor_hand_off(demo_copy, late_session):
    with livecart.open(demo_copy) as ws:
        assert latest_saved(ws, late_session) == {}
        plan = plan_stock(ws, late_session)
        assert planned_stock(ws, late_session) == {ln.sku_id: ln.target for ln in plan.lines}
        capped = plan_stock(ws, late_session, budget=0.0)
        save_plan(ws, capped)
        assert planned_stock(ws, late_session) == {ln.sku_id: ln.target for ln in capped.lines}


def test_replanning_sees_warm_ups_arrive_and_flags_big_moves(demo_path, late_session):
    with livecart.open(demo_path, read_only=True) as ws:
        r = replan(ws, late_session, (3, 0))
    assert len(r.steps) == 2 and r.steps[0].as_of < r.steps[1].as_of
    assert r.steps[0].p50 != r.steps[1].p50  # the warm-ups (12-72 h before) moved the forecast
    # the documented rule (replan.compare): from ACT_UNITS (5) units, a start or stop or a 20% move
    for m in r.moves:
        d = abs(m.order_now - m.order_before)
        assert m.act == (
            d >= 5
            and (((m.order_before == 0) != (m.order_now == 0)) or d >= 0.2 * max(m.order_before, 1))
        )


def test_compare_flags_a_started_order():
    from livecart.stock.replanning import PlanStep

    t = dt.datetime(2026, 1, 1)
    a = PlanStep(
        as_of=t, p50={"A": 10, "B": 10}, order_qty={"A": 0, "B": 10}, target={"A": 5, "B": 20}
    )
    b = PlanStep(
        as_of=t, p50={"A": 30, "B": 11}, order_qty={"A": 12, "B": 11}, target={"A": 17, "B": 21}
    )
    moves = {m.sku_id: m for m in compare(a, b)}
    assert moves["A"].act and moves["A"].reason == "order now needed"
    assert not moves["B"].act
    c = PlanStep(
        as_of=t, p50={"A": 31, "B": 11}, order_qty={"A": 12, "B": 0}, target={"A": 17, "B": 20}
    )
    dropped = {m.sku_id: m for m in compare(b, c)}
    assert dropped["B"].act and dropped["B"].reason == "order no longer needed"  # 11 units
    d = PlanStep(
        as_of=t, p50={"A": 31, "B": 11}, order_qty={"A": 0, "B": 1}, target={"A": 5, "B": 20}
    )
    moves = {m.sku_id: m for m in compare(c, d)}
    assert moves["A"].act and moves["A"].reason == "order no longer needed"
    assert not moves["B"].act  # a 1-unit order appearing is not worth acting on


def test_purchase_order_csv_lists_only_skus_to_order(demo_path, late_session):
    with livecart.open(demo_path, read_only=True) as ws:
        plan = plan_stock(ws, late_session)
    lines = purchase_order_csv(plan).strip().splitlines()
    assert lines[0].startswith("session_id,sku_id,product,order_qty")
    assert len(lines) - 1 == sum(1 for ln in plan.lines if ln.order_qty > 0)


def test_as_of_with_an_offset_is_converted_to_utc_not_relabelled(demo_path, late_session):
    with livecart.open(demo_path, read_only=True) as ws:
        start = ws.query(
            "SELECT planned_start FROM sessions WHERE session_id = ?", [late_session]
        ).iloc[0, 0]
        local = (start - pd.Timedelta(hours=30)).tz_localize("UTC").tz_convert("Asia/Bangkok")
        p_local = plan_stock(ws, late_session, as_of=local.to_pydatetime())
        p_utc = plan_stock(ws, late_session, as_of=(start - pd.Timedelta(hours=30)).to_pydatetime())
    assert pd.Timestamp(p_local.as_of) == pd.Timestamp(p_utc.as_of)
    assert [ln.p50 for ln in p_local.lines] == [ln.p50 for ln in p_utc.lines]


def test_imported_workspace_with_no_warm_ups_or_history_gets_the_prior(tmp_path, cli):
    """A brand's first planned live, imported by hand: markets, products, the session and its
    line-up, no videos and no past lives. The plan is the labelled prior, not a crash."""
    from tests.conftest import invoke

    fixtures = Path(__file__).parents[1] / "fixtures"
    ws_dir = tmp_path / "user"
    (tmp_path / "sessions.csv").write_text(
        "session_id,market,planned_start,planned_end\n"
        "S1,US,2027-03-01 19:00:00,2027-03-01 21:00:00\n"
    )
    (tmp_path / "lineup.csv").write_text(
        "session_id,sku_id,position\nS1,1729000000000000001,1\nS1,1729000000000000002,2\n"
    )
    assert invoke(cli, "init", ws_dir).exit_code == 0
    for kind, f in (
        ("markets", fixtures / "markets.csv"),
        ("products", fixtures / "products.csv"),
        ("sessions", tmp_path / "sessions.csv"),
        ("session_products", tmp_path / "lineup.csv"),
    ):
        r = invoke(cli, "import", ws_dir, kind, f)
        assert r.exit_code == 0, r.output
    with livecart.open(ws_dir, read_only=True) as ws:
        plan = plan_stock(ws, "S1", as_of=dt.datetime(2027, 2, 1))
    assert plan.forecast_source == "prior"
    assert [ln.sku_id for ln in plan.lines] == ["1729000000000000001", "1729000000000000002"]
    assert all(0 < ln.p10 <= ln.p50 <= ln.p90 for ln in plan.lines)
    r = invoke(cli, "stock", "plan", ws_dir, "S1", "--as-of", "2027-02-01")
    assert r.exit_code == 0 and "prior from category benchmarks" in " ".join(r.output.split())


def test_monitor_starts_each_sku_at_the_saved_plans_stock(demo_copy, late_session, tmp_path, cli):
    """`livecart stock plan --save`, then `livecart monitor`: a room that reports no stock count
    shows each planned SKU at its planned level (and with --no-planned-stock, unknown)."""
    import json

    from tests.conftest import invoke
    from tests.live.synth import synth_session

    with livecart.open(demo_copy) as ws:
        plan = plan_stock(ws, late_session)
        save_plan(ws, plan)
    target = {ln.sku_id: ln.target for ln in plan.lines}
    sku = max(target, key=target.get)
    rec = tmp_path / "room.jsonl"
    events = synth_session(late_session, minutes=3, skus=(sku,))
    rec.write_text("".join(e.to_json() + "\n" for e in events))

    def products(*flags) -> dict:
        r = invoke(cli, "monitor", demo_copy, "--replay", rec, "--json", "--fresh", *flags)
        return {p["sku_id"]: p for p in json.loads(r.stdout)[0]["products"]}

    got = products()
    assert {k: got[k]["stock_start"] for k in target} == target
    assert got[sku]["stock_left"] == max(target[sku] - got[sku]["units"], 0)
    assert products("--no-planned-stock")[sku]["stock_start"] is None
