"""The fans package on demo workspaces: the simulator's selection and truth, uplift, value,
segments and export, edge cases, and the CLI."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

import livecart
from livecart.errors import FitError
from livecart.fans.purchases import load_purchases
from livecart.fans.segments import (
    SegmentTooSmall,
    assign_segments,
    segment_table,
    tiktok_audience,
)
from livecart.fans.uplift import fan_uplift
from livecart.fans.value import fit_value
from tests.conftest import invoke


@pytest.fixture(scope="module")
def purchases(demo_path):
    with livecart.open(demo_path, read_only=True) as ws:
        return load_purchases(ws)


@pytest.fixture(scope="module")
def value(purchases):
    return fit_value(purchases, n_draws=20)


@pytest.fixture(scope="module")
def held_out(tmp_path_factory):
    """Seed 101, never used to shape the estimators, scored as `livecart fans evaluate` does."""
    from livecart.evaluation.fans import evaluate_seed

    return evaluate_seed(101, scale=0.2, workdir=tmp_path_factory.mktemp("fans_eval"))


def test_simulator_joins_later_and_records_the_true_effect(demo_path, purchases):
    t = json.loads((demo_path / "truth.json").read_text())
    assert t["fans_uplift"]["follower"]["joins"] > 100
    assert 0.3 < t["fans_uplift"]["follower"]["uplift"] < 1.0
    b = purchases.buyers
    assert ((b["follow_day"] > b["first_day"]).sum()) > 100  # joined at a repeat purchase


def test_naive_uplift_is_biased_and_adjusted_is_near_the_truth(held_out):
    u = held_out["uplift"]["follower"]
    # selection: the plain fan vs non-fan comparison is off by more than the effect itself
    assert u["naive"] - u["true"] > u["true"]
    # the adjusted estimate is within 0.15 (absolute, on an uplift near 0.6) of the truth
    assert abs(u["adjusted"] - u["true"]) < 0.15
    assert abs(u["adjusted"] - u["true"]) < abs(u["naive"] - u["true"]) / 5


def test_uplift_standard_error_behind_the_bootstrap_t_matches_the_bootstrap_spread(purchases):
    """The interval studentizes each resample by the linearised standard error of
    log(1 + uplift); where that formula is right it equals the resamples' own spread (within
    15% here; 0.066 against 0.065, 0.133 against 0.137 on seed 101 at scale 0.3)."""
    from livecart.fans import uplift as up

    for kind in ("follower", "fan_club"):
        ev, kept, chances = up._events(purchases, kind, 91)
        n = int(max(ev["b"].max(), chances["b"].max())) + 1
        ev = {c: ev[c].to_numpy() for c in ev.columns}
        ch = {c: chances[c].to_numpy() for c in chances.columns}
        kept = kept[~ev["joined"]].astype(float)
        est, se, _, _ = up._adjusted(ev, kept, ch, np.ones(n))
        boot = np.random.default_rng(3).poisson(1.0, (200, n)).astype(float)
        draws = np.array([up._adjusted(ev, kept, ch, w)[0] for w in boot])
        spread = float(np.std(np.log1p(draws)))
        assert abs(se / spread - 1) < 0.15, (kind, se, spread)
        u = fan_uplift(purchases, kind, n_boot=100)
        lo, hi = u.adjusted_interval
        assert lo < u.adjusted < hi


def test_bgnbd_gamma_gamma_and_multipliers_recovered_within_15_percent(held_out):
    e = held_out["param_error"]
    names = {"r", "alpha", "a", "b", "p", "q", "gamma"}
    names |= {f"{c}.{k}" for c in ("follower", "fan_club") for k in ("rate_mult", "dropout_mult")}
    assert set(e) == names
    for k in sorted(names):  # the tolerance; measured within 10.3% (gamma) on this seed
        assert abs(e[k]) < 0.15, (k, e[k])


def test_value_intervals_hold_the_estimate_and_fans_are_worth_more(value):
    b = value.buyers
    assert (b["p_alive_lo"] <= b["p_alive"] + 1e-9).all()
    assert (b["value_lo"] <= b["value_hi"]).all() and (b["value"] > 0).all()
    club = b[b["fan_club_now"] == 1]["expected_purchases"].mean()
    none = b[(b["fan_club_now"] == 0) & (b["follower_now"] == 0)]["expected_purchases"].mean()
    assert club > none


def test_segments_cover_every_buyer_with_an_action(value, purchases):
    seg = assign_segments(value, purchases.end_day)
    t = segment_table(value, seg)
    assert t["buyers"].sum() == len(value.buyers)
    assert t["action"].str.len().gt(10).all()


def test_tiktok_export_hashes_normalised_emails_and_refuses_small_segments(value, purchases):
    seg = assign_segments(value, purchases.end_day)
    name = seg.value_counts().index[0]
    ids = seg[seg == name].index
    contacts = pd.DataFrame({"buyer_id": ids, "email": [f" Buyer{i}@Example.com " for i in ids]})
    text = tiktok_audience(value, seg, name, contacts)
    lines = text.strip().split("\n")
    assert lines[0] == "Email_SHA256" and len(lines) - 1 == len(ids)
    assert lines[1] == hashlib.sha256(f"buyer{ids[0].lower()}@example.com".encode()).hexdigest()
    small = seg.value_counts().index[-1]
    if (seg == small).sum() < 1000:
        with pytest.raises(SegmentTooSmall, match="at least 1,000 rows"):
            tiktok_audience(value, seg, small)


def test_without_follow_data_value_still_fits_and_uplift_says_why(purchases):
    b = purchases.buyers.assign(follow_day=np.nan, fan_club_day=np.nan)
    p = type(purchases)(purchases.days, b, purchases.origin, purchases.end_day, "USD", False)
    vm = fit_value(p, n_draws=5)
    assert vm.purchase_model.covariates == ()
    with pytest.raises(FitError, match="import the buyers table"):
        fan_uplift(p, "follower")


def test_single_market_shop_is_valued(purchases):
    us = purchases.buyers[purchases.buyers["market"] == "US"]
    days = purchases.days[purchases.days["buyer_id"].isin(us["buyer_id"])]
    p = type(purchases)(days, us, purchases.origin, purchases.end_day, "USD", True)
    vm = fit_value(p, n_draws=5)
    assert set(vm.buyers["market"]) == {"US"} and vm.buyers["value"].gt(0).all()


def test_shop_with_no_repeat_buyers_gets_a_clear_error(purchases):
    first = purchases.days.sort_values("day").drop_duplicates("buyer_id")
    p = type(purchases)(first, purchases.buyers, purchases.origin, purchases.end_day, "USD", True)
    with pytest.raises(FitError, match="no buyer has a repeat purchase"):
        fit_value(p, n_draws=5)


def test_cli_segments_json_and_export_refusal(cli, demo_path, tmp_path):
    r = invoke(cli, "fans", "segments", demo_path, "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert {x["segment"] for x in rows} >= {"new", "active_fans", "lapsed"}
    small = min(rows, key=lambda x: x["buyers"])
    if small["buyers"] < 1000:
        with pytest.raises(SegmentTooSmall, match="1,000"):
            invoke(cli, "fans", "export", demo_path, small["segment"], "--out", tmp_path / "a")


def test_funnel_by_week_is_the_trend_in_time_order_with_intervals(demo_path, purchases):
    from livecart.fans.funnel import funnel

    with livecart.open(demo_path, read_only=True) as ws:
        f = funnel(ws, purchases, "week")
        by_market = funnel(ws, purchases, "market")
    assert list(f.index) == sorted(f.index) and len(f) > 10
    assert f["viewers"].sum() == by_market["viewers"].sum()
    ok = f["repeat_90_rate"].notna()
    assert (f.loc[ok, "repeat_90_rate_lo"] <= f.loc[ok, "repeat_90_rate"]).all()
    assert (f.loc[ok, "repeat_90_rate"] <= f.loc[ok, "repeat_90_rate_hi"]).all()


def test_39_week_holdout_within_5_percent_once_the_joins_to_come_are_forecast(held_out):
    h = held_out["holdout"]["39_weeks"]
    assert h["calibration_weeks"] == h["holdout_weeks"] == 39 and h["actual"] > 10_000
    assert abs(held_out["holdout_error"]) < 0.05, h
    # status fixed at the cutoff misses the joins during the holdout (measured -7% to -10%)
    assert h["status_at_cutoff"] < h["with_joins"] - 0.03, h


def test_funnel_by_product_shares_each_lives_audience_and_keeps_the_totals(demo_path, purchases):
    from livecart.fans.funnel import funnel

    with livecart.open(demo_path, read_only=True) as ws:
        by_product = funnel(ws, purchases, "product")
        by_live = funnel(ws, purchases, "live")
        n_skus = ws.query("SELECT count(DISTINCT sku_id) AS n FROM session_products")["n"][0]
    assert len(by_product) == n_skus
    for col in ("viewers", "new_followers", "fan_club_joins", "first_purchases", "repeat_90"):
        assert by_product[col].sum() == pytest.approx(by_live[col].sum(), rel=1e-9), col
    ok = by_product["repeat_30_rate"].notna()
    assert (by_product.loc[ok, "repeat_30_rate_lo"] <= by_product.loc[ok, "repeat_30_rate"]).all()
