"""Heroes on the demo (#17): every hero slot holds a product the evidence proves in that market
(a market-fit winner, or a strong live record the tests do not contradict) and the plan says
which, in the evidence's numbers; the live record's GMV a live minute is checked against the
workspace's tables summed here independently."""

from __future__ import annotations

import pandas as pd
import pytest

import livecart
from livecart.plan.neighbours import STRONG_LIVES, candidates
from livecart.plan.runofshow import HERO_MIN_P_BEAT, Guidance, assign_roles, build_slots


@pytest.fixture(scope="module")
def us(demo_path):
    with livecart.open(demo_path, read_only=True) as ws:
        c = candidates(ws, "US")
        tables = {t: ws.table(t) for t in ("sessions", "session_products", "orders")}
    picks = assign_roles(c, 10, Guidance())
    return c, build_slots(c, picks, "USD", {}), tables


def gmv_per_live_minute(tables: dict[str, pd.DataFrame], sku: str, market: str) -> float:
    s = tables["sessions"]
    s = s[s["market"] == market]
    lives = set(tables["session_products"].query("sku_id == @sku")["session_id"]) & set(
        s["session_id"]
    )
    s = s[s["session_id"].isin(lives)]
    start = s["actual_start"].fillna(s["planned_start"])
    end = s["actual_end"].fillna(s["planned_end"])
    minutes = ((end - start).dt.total_seconds() // 60).sum()
    o = tables["orders"]
    gmv = o[(o["sku_id"] == sku) & o["session_id"].isin(lives)]["subtotal"].sum()
    return gmv / minutes


def test_every_hero_on_the_demo_is_proven_and_says_by_what(us):
    c, slots, tables = us
    by = c.set_index("sku_id")
    heroes = [s for s in slots if s.role == "hero"]
    assert heroes
    for s in heroes:
        row = by.loc[s.sku_id]
        if row["verdict"] == "winner":
            assert s.why.startswith(f"market-fit winner: P(beats benchmark) {row['p_beat']:.0%}")
            continue
        assert row["live_strong"] and row["lives"] >= STRONG_LIVES
        assert row["live_units_per_life"] >= row["live_units_median"]
        assert row["n_videos"] == 0 or row["p_beat"] >= HERO_MIN_P_BEAT
        gpm = gmv_per_live_minute(tables, s.sku_id, "US")
        assert row["live_gmv_per_minute"] == pytest.approx(gpm, rel=1e-9)
        assert s.why.startswith(
            f"live record: {int(row['lives'])} lives, {gpm:,.1f} USD GMV a live minute"
        )


def test_no_product_without_a_test_win_or_a_strong_live_record_is_a_hero_on_the_demo(us):
    c, slots, _ = us
    by = c.set_index("sku_id")
    for s in slots:
        row = by.loc[s.sku_id]
        if row["verdict"] != "winner" and not row["live_strong"]:
            assert s.role != "hero", s
