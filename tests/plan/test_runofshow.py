"""The run of show: roles by the platform's guidance, pins of at least the minimum length in the
playbook's order, and talking points taken from each product's data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from livecart.errors import LivecartError
from livecart.plan.runofshow import (
    Guidance,
    assign_roles,
    build_slots,
    check_guidance,
    hero_notes,
    schedule,
)


def _candidates(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "sku_id": [f"S{i:02d}" for i in range(n)],
            "product_name": [f"product {i}" for i in range(n)],
            "price": rng.uniform(5, 60, n).round(2),
            "ctr_mean": rng.uniform(0.01, 0.05, n),
            "gpm_mean": rng.uniform(10, 90, n),
            "benchmark_gpm": 40.0,
            "p_beat": rng.uniform(0, 1, n),
            "verdict": "winner",
            "n_videos": rng.integers(1, 8, n),
        }
    )


def _mixed(n: int = 30) -> pd.DataFrame:
    """Candidates as the selection model labels them: winners, undecided, losers and untested
    (whose GPM is a prior driven by price: here the highest, to tempt a naive ranking), with
    several SKUs of one product."""
    c = _candidates(n)
    verdict = np.array(["winner", "undecided", "loser", "no tests", "undecided"] * n)[:n]
    c["verdict"] = verdict
    c["n_videos"] = np.where(verdict == "no tests", 0, c["n_videos"])
    c["gpm_mean"] = np.where(verdict == "no tests", 200.0, c["gpm_mean"])
    c["gpm_mean"] = np.where(verdict == "loser", 150.0, c["gpm_mean"])
    c["p_beat"] = np.select([verdict == "winner", verdict == "loser"], [0.95, 0.05], 0.5)
    c["product_id"] = [f"P{i // 5}" for i in range(n)]  # five SKUs (variants) a product
    return c


@pytest.mark.parametrize("n", [10, 12, 15, 20])
def test_roles_follow_the_guidance(n):
    c = _candidates(30)
    picks = assign_roles(c, n, Guidance())
    roles = [r for _, r in picks]
    assert len(roles) == n and len({s for s, _ in picks}) == n
    assert check_guidance(roles, Guidance()) == []
    assert roles[0] == "hook" and roles[-1] == "closing"


def test_hooks_are_cheap_and_clicked_and_heroes_earn_most():
    c = _candidates(30)
    picks = dict(assign_roles(c, 10, Guidance()))
    by = c.set_index("sku_id")
    hooks = [s for s, r in picks.items() if r == "hook"]
    heroes = [s for s, r in picks.items() if r == "hero"]
    assert by.loc[hooks, "price"].mean() < by["price"].median()
    others = [s for s, r in picks.items() if r in ("profit", "closing")]
    assert by.loc[heroes, "gpm_mean"].min() >= by.loc[others, "gpm_mean"].max()


def test_pins_hold_the_minimum_and_cover_the_live_in_order():
    c = _candidates(30)
    slots = build_slots(c, assign_roles(c, 10, Guidance()), "USD", {})
    schedule(slots, 150, 30, 10)
    pins = sorted((a, b, s.role) for s in slots for a, b in s.pins)
    assert pins[0][0] == 0 and pins[-1][1] == 150
    assert all(b - a >= 10 for a, b, _ in pins)
    assert all(pins[i][1] == pins[i + 1][0] for i in range(len(pins) - 1))  # no gaps, no overlap
    assert pins[0][2] == "hook" and pins[-1][2] == "closing"
    assert pins[-1][0] == 120  # the closing offer holds the closing window


def test_a_live_too_short_for_the_pins_is_refused_with_what_to_do():
    c = _candidates(30)
    slots = build_slots(c, assign_roles(c, 12, Guidance()), "USD", {})
    with pytest.raises(LivecartError, match="lengthen the live"):
        schedule(slots, 90, 30, 10)


def test_talking_points_come_from_the_products_data():
    c = _candidates(12)
    slots = build_slots(c, assign_roles(c, 10, Guidance()), "USD", {"S03": 40})
    s = next(x for x in slots if x.role == "hook")
    row = c.set_index("sku_id").loc[s.sku_id]
    text = " ".join(s.talking_points)
    assert f"{row['gpm_mean']:,.0f}" in text and f"{row['ctr_mean']:.1%}" in text
    assert f"{row['price']:,.2f}" in text
    by_sku = {x.sku_id: x for x in slots}
    if "S03" in by_sku:
        assert "stock 40 units" in by_sku["S03"].talking_points


def test_heroes_are_proven_losers_are_out_and_untested_products_are_under_test():
    c = _mixed()
    picks = assign_roles(c, 10, Guidance())
    by = c.set_index("sku_id")
    roles = {s: r for s, r in picks}
    assert len(picks) == 10 and check_guidance(list(roles.values()), Guidance()) == []
    assert all(by.loc[s, "verdict"] == "winner" for s, r in roles.items() if r == "hero")
    assert not any(by.loc[s, "verdict"] == "loser" for s in roles)
    untested = [s for s in roles if by.loc[s, "verdict"] == "no tests"]
    assert untested and all(roles[s] == "test" for s in untested)
    assert 1 <= sum(r == "test" for r in roles.values()) <= 2  # 10-20% of 10


def test_a_strong_live_history_proves_a_product_without_tests():
    c = _mixed()
    c["live_strong"] = False
    star = c.index[c["verdict"] == "no tests"][0]
    c.loc[star, "live_strong"] = True
    roles = dict(assign_roles(c, 10, Guidance()))
    assert roles[c.loc[star, "sku_id"]] == "hero"


def test_a_strong_live_history_the_tests_contradict_is_no_hero():
    """The demo's case (issue 17): SKUs with a strong live record but test videos giving them
    P(beats benchmark) of 1-9% were heroes. They stay in the line-up, not in a hero slot."""
    c = _mixed()
    c["live_strong"] = False
    doubted = c.index[c["verdict"] == "undecided"][:3]
    c.loc[doubted, ["live_strong", "p_beat", "gpm_mean"]] = [True, 0.04, 500.0]
    picks = assign_roles(c, 10, Guidance())
    roles = dict(picks)
    by = c.set_index("sku_id")
    heroes = [s for s, r in picks if r == "hero"]
    assert heroes and all(by.loc[s, "p_beat"] >= 0.5 for s in heroes)
    assert not any(roles.get(s) == "hero" for s in c.loc[doubted, "sku_id"])
    assert hero_notes(c, picks) == []


def test_with_nothing_proven_there_is_no_hero_and_the_plan_says_so():
    """Issue 17: a product with neither a test win nor a strong live record stays out of hero
    slots, even the best of the rest (the plan used to make it the hero 'best available')."""
    c = _mixed()
    c = c[c["verdict"] != "winner"].copy()
    c["p_beat"] = np.where(c["verdict"] == "undecided", np.linspace(0.01, 0.3, len(c)), c["p_beat"])
    picks = assign_roles(c, 10, Guidance())
    assert len(picks) == 10 and not [s for s, r in picks if r == "hero"]
    (note,) = hero_notes(c, picks)
    assert note.startswith("no hero: no product is proven")
    assert check_guidance([r for _, r in picks], Guidance()) == []


def test_each_hero_says_why_from_its_test_or_its_live_record():
    c = _mixed()
    c["live_strong"], c["lives"], c["live_units_per_life"] = False, 0, np.nan
    c["live_gmv_per_minute"], c["live_units_median"] = np.nan, 20.0
    star = c.index[c["verdict"] == "no tests"][0]
    c.loc[star, ["live_strong", "lives", "live_units_per_life", "live_gmv_per_minute"]] = [
        True,
        7,
        31.5,
        12.34,
    ]
    picks = assign_roles(c, 10, Guidance())
    slots = {s.sku_id: s for s in build_slots(c, picks, "USD", {})}
    by = c.set_index("sku_id")
    heroes = [s for s in slots.values() if s.role == "hero"]
    assert c.loc[star, "sku_id"] in [s.sku_id for s in heroes]
    for s in heroes:
        if s.sku_id == c.loc[star, "sku_id"]:
            assert s.why == (
                "live record: 7 lives, 12.3 USD GMV a live minute, 31.5 units a live "
                "(median SKU 20.0); no test videos"
            )
        else:
            row = by.loc[s.sku_id]
            n = int(row["n_videos"])
            assert s.why.startswith(f"market-fit winner: P(beats benchmark) 95% from {n} test")
    assert all(s.why == "" for s in slots.values() if s.role != "hero")


def test_at_most_two_skus_of_one_product_unless_too_few_products():
    c = _mixed()
    picks = assign_roles(c, 12, Guidance())
    per = pd.Series([c.set_index("sku_id").loc[s, "product_id"] for s, _ in picks]).value_counts()
    assert per.max() <= 2
    few = _mixed(15).assign(verdict="winner", product_id="P0")  # one product, 15 variants
    assert len(assign_roles(few, 10, Guidance())) == 10  # the cap gives way rather than fail


def test_an_untested_product_is_not_given_test_video_figures():
    c = _mixed()
    slots = build_slots(c, assign_roles(c, 10, Guidance()), "USD", {})
    new = [s for s in slots if c.set_index("sku_id").loc[s.sku_id, "verdict"] == "no tests"]
    assert new
    for s in new:
        text = " ".join(s.talking_points)
        assert "no test videos yet" in text and "per 1,000" not in text


def test_a_line_up_that_breaks_the_guidance_is_flagged_on_every_count():
    """Every other test expects no notes, so a check that never complains would pass them:
    each broken rule must be named."""
    g = Guidance()
    bad = ["hero"] * 7 + ["test"] * 3  # no hook, 30% under test
    notes = " | ".join(check_guidance(bad, g, pins=[(0, 10), (10, 14)]))
    assert "traffic drivers (hook) are 0%" in notes
    assert "products under test are 30%" in notes
    assert "pin held under 10 minutes (shortest 4)" in notes
    few = check_guidance(["hook", "hero", "hero", "test", "closing"], g)
    assert few and "5 products; the guidance asks for at least 10" in few[0]
    heavy = ["hook"] + ["hero"] * 9  # 90% main sellers, no test
    assert any("main sellers" in n and "90%" in n for n in check_guidance(heavy, g))
    assert any("under test are 0%" in n for n in check_guidance(heavy, g))


@pytest.mark.parametrize("n", [10, 11, 12, 15, 20, 30])
def test_the_picked_line_up_and_its_pins_meet_the_guidance(n):
    c = _candidates(40)
    slots = build_slots(c, assign_roles(c, n, Guidance()), "USD", {})
    schedule(slots, 15 * n + 30, 30, 10)
    pins = [p for s in slots for p in s.pins]
    assert check_guidance([s.role for s in slots], Guidance(), pins) == []
