"""The censored regression and its calibration against known truth (synthetic data with known
parameters) and against the demo simulator's hidden expected demand."""

from __future__ import annotations

import numpy as np
import pytest

import livecart
from livecart.demo import truth
from livecart.stock.forecast import DemandForecaster, Tobit, km_quantiles
from livecart.stock.history import add_history, load_rows


def test_tobit_recovers_coefficients_despite_heavy_censoring():
    """y* = 1 + 0.8 x1 - 0.5 x2 + N(0, 0.6^2), right-censored at a random level (about 40%
    censored): estimates within 0.08 of the truth (n = 4000), where ignoring the censoring
    would shrink the slopes."""
    rng = np.random.default_rng(1)
    n = 4000
    x = rng.normal(size=(n, 2))
    y = 1 + 0.8 * x[:, 0] - 0.5 * x[:, 1] + rng.normal(0, 0.6, n)
    c = rng.normal(1.3, 0.8, n)
    cens = y > c
    assert 0.3 < cens.mean() < 0.5
    m = Tobit(ridge=0.0).fit(x, np.minimum(y, c), cens)
    slopes = m.coef_[1:] / m.scale_  # the model standardizes its features
    assert slopes == pytest.approx([0.8, -0.5], abs=0.08)
    assert m.sigma_ == pytest.approx(0.6, abs=0.05)
    naive = Tobit(ridge=0.0).fit(x, np.minimum(y, c), np.zeros(n, bool))
    assert abs(naive.coef_[1] / naive.scale_[0]) < 0.7  # the bias censoring-aware fitting avoids


def test_km_quantiles_without_censoring_are_the_sample_quantiles():
    r = np.random.default_rng(2).normal(size=999)
    q = km_quantiles(r, np.zeros(999, bool), np.array([0.1, 0.5, 0.9]))
    assert q == pytest.approx(np.quantile(r, [0.1, 0.5, 0.9], method="inverted_cdf"))


def test_km_quantiles_under_independent_censoring_recover_the_truth():
    rng = np.random.default_rng(3)
    t, c = rng.exponential(1.0, 20000), rng.exponential(2.0, 20000)
    q = km_quantiles(np.minimum(t, c), t > c, np.array([0.5, 0.8]))
    assert q == pytest.approx([np.log(2), np.log(5)], rel=0.05)


def test_prior_with_too_little_history_is_labelled(demo_path):
    with livecart.open(demo_path, read_only=True) as ws:
        rows = add_history(load_rows(ws))
    first = rows[rows["session_id"].isin(rows["session_id"].unique()[:3])]
    f = DemandForecaster().fit(first)
    assert f.source_ == "prior"
    q = f.quantiles(first, np.array([0.1, 0.5, 0.9]))
    assert (q[:, 0] < q[:, 1]).all() and (q[:, 1] < q[:, 2]).all()


def test_forecast_tracks_the_simulators_true_expected_demand(demo_path):
    """Held-out (last 30%) sessions of the demo: the log of the model's median correlates with
    the log of the hidden expected units (truth.json) at least 0.6, and better than the SKU's
    past average does."""
    with livecart.open(demo_path, read_only=True) as ws:
        rows = add_history(load_rows(ws))
        t = truth(ws)
    exp = {
        (s["session_id"], k): v["expected_units"]
        for s in t["sessions"]
        for k, v in s["skus"].items()
    }
    sessions = rows["session_id"].unique()
    cut = int(len(sessions) * 0.7)
    train = rows[rows["session_id"].isin(sessions[:cut])]
    test = rows[rows["session_id"].isin(sessions[cut:])]
    f = DemandForecaster().fit(train)
    p50 = f.quantiles(test, np.array([0.5]))[:, 0]
    e = np.array([exp[(s, k)] for s, k in zip(test["session_id"], test["sku_id"], strict=True)])
    r_model = np.corrcoef(np.log1p(p50), np.log1p(e))[0, 1]
    past = test["sku_past_mean_units"].fillna(train["sold"].mean()).to_numpy()
    r_past = np.corrcoef(np.log1p(past), np.log1p(e))[0, 1]
    assert r_model > 0.6
    assert r_model > r_past
