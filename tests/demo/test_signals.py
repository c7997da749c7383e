"""The simulated data carries what later modules need, shown against the hidden truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

import livecart
from livecart.demo import plans as plans_mod
from livecart.demo import truth

from .conftest import SAMPLE_SCALE, SAMPLE_SEED, simulate_sample


def _ws(path):
    return livecart.open(path, read_only=True)


def test_higher_true_fit_gives_higher_observed_conversion_on_test_videos(demo_path):
    t = pd.DataFrame(truth(demo_path)["products"]["sku_market"])
    with _ws(demo_path) as ws:
        v = ws.query(
            "SELECT sku_id, market, sum(views) AS views, sum(orders) AS orders "
            "FROM videos WHERE purpose = 'test' GROUP BY 1, 2"
        )
    m = v.merge(t, on=["sku_id", "market"])
    m = m[m["views"] >= 5000]  # pairs with enough evidence to see anything
    assert len(m) >= 60
    rho = stats.spearmanr(m["orders"] / m["views"], m["ctr"] * m["ctor"]).statistic
    assert rho > 0.6, f"rank correlation of observed and true view-to-order rate {rho:.2f}"
    # noisy, not a copy: one video at a time agrees with the truth less than the pair's sum
    with _ws(demo_path) as ws:
        one = ws.query(
            "SELECT sku_id, market, orders / views AS rate FROM videos "
            "WHERE purpose = 'test' AND views > 0"
        ).merge(t, on=["sku_id", "market"])
    rho_one = stats.spearmanr(one["rate"], one["ctr"] * one["ctor"]).statistic
    assert rho_one < rho - 0.1, (rho_one, rho)
    winners = m[m["winner"]]
    assert 0 < len(winners) < len(m) / 2  # some winners, most are not


def test_warmup_signals_correlate_with_session_demand(demo_path):
    t = truth(demo_path)
    expected = {
        (s["session_id"], k): d["expected_units"]
        for s in t["sessions"]
        for k, d in s["skus"].items()
    }
    with _ws(demo_path) as ws:
        w = ws.query(
            "SELECT v.session_id, v.sku_id, v.views, v.product_clicks, "
            "sp.stock_start - sp.stock_end AS sold FROM videos v JOIN session_products "
            "sp USING (session_id, sku_id) WHERE v.purpose = 'warmup'"
        )
    assert len(w) >= 40
    w["expected"] = [expected[k] for k in zip(w["session_id"], w["sku_id"], strict=True)]
    rho_true = stats.spearmanr(w["views"], w["expected"]).statistic
    rho_sold = stats.spearmanr(w["product_clicks"], w["sold"]).statistic
    assert rho_true > 0.6, f"warm-up views vs true expected demand: {rho_true:.2f}"
    assert rho_sold > 0.5, f"warm-up clicks vs units sold: {rho_sold:.2f}"
    # the truth's coefficient is recoverable: log views on log expected demand (+ market)
    slope = stats.linregress(np.log(w["expected"]), np.log(w["views"])).slope
    assert abs(slope - t["warmup"]["c1"]) < 0.3, slope


def test_fans_repurchase_more_than_non_fans(demo_path):
    with _ws(demo_path) as ws:
        b = ws.query(
            "SELECT b.buyer_id, b.followed_at IS NOT NULL AS fan, count(*) - 1 AS repeats, "
            "date_diff('day', b.first_seen_at, TIMESTAMP '2026-11-16') AS days "
            "FROM buyers b JOIN orders o USING (buyer_id) GROUP BY ALL"
        )
    rate = b.groupby("fan").apply(
        lambda g: g["repeats"].sum() / (g["days"].sum() / 7), include_groups=False
    )
    share = b.groupby("fan")["repeats"].apply(lambda r: (r > 0).mean())
    assert b["fan"].sum() > 1000
    # truth: followers buy 1.5x as often and drop out 0.7x as often (fan club 2.2x and 0.5x)
    assert rate[True] > 1.3 * rate[False], rate.to_dict()
    assert share[True] > share[False] + 0.03, share.to_dict()


def test_ad_attributed_gmv_rises_and_saturates_with_spend(demo_path):
    with _ws(demo_path) as ws:
        a = ws.query(
            "SELECT a.session_id, a.phase, sum(a.spend * r.usd) AS spend, "
            "sum(a.attributed_gmv * r.usd) AS gmv FROM ad_spend a ASOF JOIN ("
            "  SELECT currency, date, rate AS usd FROM fx_rates WHERE quote = 'USD' UNION ALL"
            "  SELECT 'USD', DATE '2000-01-01', 1.0) r "
            "ON a.currency = r.currency AND CAST(a.ts AS DATE) >= r.date GROUP BY 1, 2"
        )
    shares = a.pivot(index="session_id", columns="phase", values="spend")
    split = shares.div(shares.sum(axis=1), axis=0).median()
    assert a["session_id"].nunique() >= 24
    assert abs(split["pre_live"] - 0.2) < 0.05 and abs(split["live"] - 0.6) < 0.08, split
    live = a[a["phase"] == "live"]
    assert stats.spearmanr(live["spend"], live["gmv"]).statistic > 0.7
    # saturation: return per dollar falls as spend grows
    roas = live["gmv"] / live["spend"]
    assert stats.spearmanr(live["spend"], roas).statistic < -0.3


def test_stronger_first_hour_ends_with_more_sales_through_the_platform_push(sample, monkeypatch):
    """Regress the after-hour orders (against plan) on the first hour's (against plan) for
    sessions of 90+ minutes; then switch the golden-hour effect off and see the slope fall."""

    def slope(df: pd.DataFrame) -> float:
        d = df[df["minutes"] >= 90]
        x = np.log((d["orders_60"] + 1) / (d["expected_orders_60"] + 1))
        y = np.log((d["orders_after"] + 1) / (d["expected_orders_after"] + 1))
        return stats.linregress(x, y).slope

    with_push = slope(sample)
    assert with_push > 0.15, with_push
    final = sample[sample["minutes"] >= 90]
    total = (final["orders_60"] + final["orders_after"]) / (
        final["expected_orders_60"] + final["expected_orders_after"]
    )
    rho = stats.spearmanr(final["orders_60"] / final["expected_orders_60"], total).statistic
    assert rho > 0.5, rho
    monkeypatch.setitem(plans_mod.GOLDEN, "gamma", 0.0)
    without = slope(simulate_sample(SAMPLE_SEED, SAMPLE_SCALE / 2))
    assert with_push - without > 0.15, (with_push, without)


def test_xu_et_al_elasticities_within_015(sample):
    """Xu et al. (2025): weekly sales elasticities 0.84 (views), 1.07 (duration), 0.72 (number
    of products). Log-log OLS of units sold with host and market fixed effects over 300
    simulated sessions."""
    d = sample
    x = pd.concat(
        [
            np.log(d[["views", "minutes", "n_products"]].astype(float)),
            pd.get_dummies(d["host_ids"], drop_first=True, dtype=float),
            pd.get_dummies(d["market"], drop_first=True, dtype=float),
        ],
        axis=1,
    )
    x.insert(0, "const", 1.0)
    beta = np.linalg.lstsq(x.to_numpy(float), np.log(d["items_sold"].to_numpy(float)), rcond=None)[
        0
    ]
    got = dict(zip(["views", "duration", "products"], beta[1:4], strict=True))
    for k, ref in {"views": 0.84, "duration": 1.07, "products": 0.72}.items():
        assert abs(got[k] - ref) < 0.15, (k, got[k], ref)
