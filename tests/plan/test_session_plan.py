"""Session plans on the demo workspace: create, store with versions, edit, export, retro, and
bad input answered with a clear message."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import livecart
from livecart.errors import LivecartError
from livecart.live.targets import plan_from_targets
from livecart.plan import (
    create_plan,
    edit_plan,
    list_plans,
    load_plan,
    retro,
    save_plan,
    to_html,
    to_json,
    to_markdown,
)
from tests.plan.conftest import NOW

START = "2026-12-01 19:00"


@pytest.fixture(scope="module")
def made(plan_path: Path):
    with livecart.open(plan_path) as ws:
        p = create_plan(ws, "US", START, 5000, ["host_01"], now=NOW, n_boot=20)
        return save_plan(ws, p)


def test_start_is_read_in_the_markets_local_time_and_stored_in_utc(made):
    assert made.start_utc == dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC)  # 19:00 EST
    assert made.start_local.startswith("2026-12-01 19:00")


def test_plan_holds_budget_lineup_stock_and_targets_the_monitor_reads(made):
    b = made.budget
    assert sum(b["spend"].values()) == pytest.approx(5000, abs=0.05)
    assert len(made.lineup) >= 10
    assert made.stock_source.startswith("no stock plan yet")
    mon = plan_from_targets(**made.monitor_targets())
    assert mon.at("cum", "ad_spend", 59)[1] == pytest.approx(sum(b["per_minute"][:60]), rel=1e-3)
    assert made.targets["gmv"] > 0 and made.targets["orders"] > 0


def test_plan_is_stored_listed_edited_as_new_versions(plan_path: Path, made):
    with livecart.open(plan_path) as ws:
        assert made.plan_id in set(list_plans(ws)["plan_id"])
        first = made.lineup[0].sku_id
        third = made.lineup[2].sku_id
        p = edit_plan(ws, made.plan_id, move=(third, 1), budget=4000, note=(first, "say hi"))
        assert p.version == made.version + 1
        assert p.lineup[0].sku_id == third and p.lineup[0].pins[0][0] == 0
        assert sum(p.budget["spend"].values()) == pytest.approx(4000, abs=0.05)
        assert "say hi" in next(s for s in p.lineup if s.sku_id == first).talking_points
        assert load_plan(ws, made.plan_id, version=made.version).budget["budget"] == 5000
        with pytest.raises(LivecartError, match="not in plan"):
            edit_plan(ws, made.plan_id, role=("NOPE", "hero"))


def test_documents_export_the_same_plan(made):
    md, js, html = to_markdown(made), to_json(made), to_html(made)
    assert json.loads(js)["plan_id"] == made.plan_id
    for s in made.lineup:
        assert s.sku_id in md and s.sku_id in html


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"budget": 0}, "above zero"),
        ({"budget": -1}, "above zero"),
        ({"start": "2020-01-01 19:00"}, "in the past"),
        ({"start": "tomorrow"}, "YYYY-MM-DD"),
        ({"hosts": ["nobody"]}, "unknown host"),
        ({"skus": ["NOPE"] + [f"SKU{i:03d}" for i in range(1, 10)]}, "unknown SKU"),
        ({"min_spend": (3000, 3000, 0)}, "minimums add up"),
        ({"market": "XX"}, "unknown market"),
    ],
)
def test_bad_input_is_answered_clearly(plan_path: Path, kw, words):
    args = {"market": "US", "start": START, "budget": 5000, "hosts": []} | kw
    with livecart.open(plan_path) as ws, pytest.raises(LivecartError, match=words):
        create_plan(ws, now=NOW, n_boot=5, **args)


def test_retro_names_the_largest_gaps_against_the_plan(plan_path: Path):
    with livecart.open(plan_path) as ws:
        s = ws.query("SELECT session_id, actual_start FROM sessions WHERE market = 'US' LIMIT 1")
        sid = s["session_id"].iloc[0]
        local = s["actual_start"].iloc[0].tz_localize("UTC").tz_convert("America/New_York")
        p = create_plan(ws, "US", local.tz_localize(None), 1500, session_id=sid, n_boot=5)
        save_plan(ws, p)
        r = retro(ws, sid, p)
        actual = ws.query("SELECT gmv FROM sessions WHERE session_id = ?", [sid])["gmv"].iloc[0]
    row = next(x for x in r.rows if x["metric"] == "session_gmv")
    assert row["actual"] == pytest.approx(actual)
    assert row["gap"] == pytest.approx(actual - p.targets["session_gmv"])
    biggest = max(r.rows, key=lambda x: abs(x["gap_pct"]))
    assert r.largest[0].startswith(biggest["label"])
    assert {x["sku_id"] for x in r.skus} >= {s.sku_id for s in p.lineup}


def test_a_profit_plan_may_spend_less_and_says_so(plan_path: Path):
    with livecart.open(plan_path) as ws:
        p = create_plan(ws, "US", START, 50000, objective="profit", margin=0.3, now=NOW, n_boot=10)
    spent = sum(p.budget["spend"].values())
    assert spent == pytest.approx(p.budget["budget"], abs=0.05)
    # The curves saturate long before 50,000 USD, so the most profitable spend is far less.
    assert p.ads["spend_usd"] < 25000 and spent < 25000
    assert any("spends" in n for n in p.ads["notes"])


def test_a_new_plan_never_takes_a_stored_plans_id(plan_path: Path, made):
    """Ids used to come from a count of ids with the prefix: with the first id of a start gone,
    the count handed out the second one and the new plan replaced it."""
    with livecart.open(plan_path) as ws:
        first = save_plan(
            ws,
            made.model_copy(
                update={
                    "plan_id": "",
                    "start_utc": made.start_utc + dt.timedelta(days=8),
                    "title": "a",
                }
            ),
        )
        second = save_plan(ws, first.model_copy(update={"plan_id": "", "title": "b"}))
        assert second.plan_id == first.plan_id + "-2"
        for table in ("plans", "plan_versions"):
            ws.con.execute(f"DELETE FROM {table} WHERE plan_id = ?", [first.plan_id])
        third = save_plan(ws, first.model_copy(update={"plan_id": "", "title": "c"}))
        assert third.plan_id != second.plan_id
        assert load_plan(ws, second.plan_id).title == "b"


def test_plans_saved_at_once_get_distinct_ids(plan_path: Path, made):
    """The id is chosen inside the write transaction, under the workspace's lock."""
    from concurrent.futures import ThreadPoolExecutor

    base = made.model_copy(update={"start_utc": made.start_utc + dt.timedelta(days=20)})
    with livecart.open(plan_path) as ws, ThreadPoolExecutor(6) as pool:
        copies = [base.model_copy(update={"plan_id": "", "title": f"t{i}"}) for i in range(12)]
        ids = list(pool.map(lambda p: save_plan(ws, p).plan_id, copies))
        assert len(set(ids)) == 12
        stored = set(list_plans(ws)["plan_id"])
    assert set(ids) <= stored
