"""Edits of a stored plan make the plan again the way `create_plan` makes it: a budget edit keeps
the phase bounds and re-runs the split, a role edit re-checks the guidance and rebuilds the
slot's price and talking points, a session link checks the session and brings in its stock."""

from __future__ import annotations

from pathlib import Path

import pytest

import livecart
from livecart.errors import LivecartError
from livecart.plan import create_plan, edit_plan, load_plan, save_plan, to_markdown
from livecart.plan.runofshow import DISCOUNT
from tests.plan.conftest import NOW

START = "2026-12-06 19:00"
MINS = (500.0, 1000.0, 500.0)
ARGS = {"now": NOW, "n_boot": 10, "min_spend": MINS}


@pytest.fixture(scope="module")
def ws(plan_path: Path):
    with livecart.open(plan_path) as w:
        yield w


def test_a_budget_edit_keeps_the_bounds_and_splits_as_create_does(ws):
    # 5,000 USD is outside the demo's past totals: 2:6:2 is kept, and the reason says so
    p = save_plan(ws, create_plan(ws, "US", START, 5000, **ARGS))
    assert "5,000" in p.ads["reason"] and p.ad_settings.min_spend == MINS
    with pytest.raises(LivecartError, match="minimums add up"):
        edit_plan(ws, p.plan_id, budget=1200)  # the stored minimums are still the plan's
    e = edit_plan(ws, p.plan_id, budget=2400)
    fresh = create_plan(ws, "US", START, 2400, **ARGS)
    assert e.budget["spend"] == fresh.budget["spend"] and e.ads["reason"] == fresh.ads["reason"]
    assert e.ads["budget_usd"] == pytest.approx(2400)
    spend = list(e.budget["spend"].values())
    assert all(s >= m - 0.01 for s, m in zip(spend, MINS, strict=True))
    md = to_markdown(e)
    assert "5,000" not in md and "Budget 2,400.00 USD" in md
    e = edit_plan(ws, p.plan_id, min_spend=(0, 0, 0), budget=1200)
    assert load_plan(ws, p.plan_id).ad_settings.min_spend == (0, 0, 0)
    assert sum(e.budget["spend"].values()) == pytest.approx(1200, abs=0.05)
    assert e.targets["ad_spend"] == pytest.approx(sum(e.budget["per_minute"][:60]), abs=0.01)


def test_role_edits_recheck_the_guidance_and_rebuild_price_and_points(ws):
    p = save_plan(ws, create_plan(ws, "US", START, 1500, now=NOW, n_boot=5))
    assert p.guidance_notes == []
    hook = next(s for s in p.lineup if s.role == "hook")
    test = next(s for s in p.lineup if s.role == "test")
    edit_plan(ws, p.plan_id, note=(hook.sku_id, "mention the bundle"))
    edit_plan(ws, p.plan_id, role=(hook.sku_id, "hero"))
    e = edit_plan(ws, p.plan_id, role=(test.sku_id, "hero"))
    notes = " | ".join(e.guidance_notes)
    assert "traffic drivers (hook) are 0%" in notes and "under test are 0%" in notes
    s = next(x for x in e.lineup if x.sku_id == hook.sku_id)
    assert s.price == pytest.approx(round(s.list_price * (1 - DISCOUNT["hero"]), 2))
    assert s.price != hook.price
    assert not any(t.startswith("traffic driver") for t in s.talking_points)
    assert s.talking_points[-1] == "mention the bundle"  # kept through the rebuild
    t = next(x for x in e.lineup if x.sku_id == test.sku_id)
    assert not any(x.startswith("under test") for x in t.talking_points)
    back = edit_plan(ws, p.plan_id, role=(hook.sku_id, "hook"))
    assert any("under test are 0%" in n for n in back.guidance_notes)
    assert not any("traffic drivers" in n for n in back.guidance_notes)


def test_linking_a_session_checks_it_and_brings_in_its_stock(ws):
    p = save_plan(ws, create_plan(ws, "US", START, 1500, now=NOW, n_boot=5))
    assert p.stock_source.startswith("no stock plan yet")
    with pytest.raises(LivecartError, match="no session 'L9999'.*latest in US"):
        edit_plan(ws, p.plan_id, session_id="L9999")
    assert load_plan(ws, p.plan_id).version == p.version  # nothing saved
    uk = ws.query("SELECT session_id FROM sessions WHERE market = 'UK' LIMIT 1").iloc[0, 0]
    with pytest.raises(LivecartError, match="UK live and the plan is for US"):
        edit_plan(ws, p.plan_id, session_id=uk)
    sid = ws.query(
        "SELECT session_id FROM sessions s JOIN session_products USING (session_id) "
        "WHERE market = 'US' GROUP BY 1 ORDER BY max(actual_start) DESC LIMIT 1"
    ).iloc[0, 0]
    e = edit_plan(ws, p.plan_id, session_id=sid)
    assert e.session_id == sid and e.stock_source == "stock plan (livecart stock)"
    stocked = [s for s in e.lineup if s.stock is not None]
    assert stocked
    for s in stocked:
        assert f"stock {s.stock} units" in s.talking_points
