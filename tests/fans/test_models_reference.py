"""The buy-till-you-die models against published numbers and the `lifetimes` peer library on the
CDNOW sample (2,357 customers, 39 weeks) that `lifetimes` ships."""

from __future__ import annotations

import numpy as np
import pytest

from livecart.errors import FitError
from livecart.fans import BetaGeoModel, GammaGammaModel, ParetoNBDModel, group_histories

lifetimes = pytest.importorskip("lifetimes")
datasets = pytest.importorskip("lifetimes.datasets")


@pytest.fixture(scope="module")
def cdnow():
    d = datasets.load_cdnow_summary()
    return d["frequency"].to_numpy(), d["recency"].to_numpy(), d["T"].to_numpy()


@pytest.fixture(scope="module")
def cdnow_spend():
    d = datasets.load_cdnow_summary_data_with_monetary_value()
    d = d[d["frequency"] > 0]
    return d["frequency"].to_numpy(), d["monetary_value"].to_numpy()


@pytest.fixture(scope="module")
def bg(cdnow):
    return BetaGeoModel().fit(*cdnow)


@pytest.fixture(scope="module")
def peer_bg(cdnow):
    return lifetimes.BetaGeoFitter().fit(*cdnow)


def test_bgnbd_reproduces_fader_hardie_lee_2005_on_cdnow(bg):
    # Table 1 of the paper, printed to 3 decimals: tolerance half a unit of the last digit
    paper = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in paper.items():
        assert bg.params_[name] == pytest.approx(value, abs=0.0005), name
    assert bg.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)


def test_bgnbd_predictions_agree_with_lifetimes_to_1e_3(cdnow, bg, peer_bg):
    x, t_x, T = cdnow
    for t in (4, 39, 52):
        ours = bg.expected_purchases(t, x, t_x, T)
        peer = peer_bg.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T)
        assert np.max(np.abs(ours - peer)) < 1e-3, t
    ours = bg.p_alive(x, t_x, T)
    assert np.max(np.abs(ours - peer_bg.conditional_probability_alive(x, t_x, T))) < 1e-3
    new = bg.expected_purchases_new(np.array([10.0, 39.0]))
    assert np.max(np.abs(new - peer_bg.expected_number_of_purchases_up_to_time([10, 39]))) < 1e-3


def test_paretonbd_reproduces_lifetimes_fit_and_predictions(cdnow):
    x, t_x, T = cdnow
    ours = ParetoNBDModel().fit(x, t_x, T)
    # lifetimes draws random starting values unless given some: fixed for a repeatable peer fit
    peer = lifetimes.ParetoNBDFitter().fit(x, t_x, T, initial_params=[1.0, 1.0, 1.0, 1.0])
    for name in ("r", "alpha", "s", "beta"):
        assert ours.params_[name] == pytest.approx(peer.params_[name], rel=1e-3), name
    # Fader and Hardie (2005 note) report LL = -9595.0 for the Pareto/NBD on CDNOW
    assert ours.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)
    e_ours = ours.expected_purchases(39, x, t_x, T)
    e_peer = peer.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T)
    assert np.max(np.abs(e_ours - e_peer)) < 1e-3
    p_peer = peer.conditional_probability_alive(x, t_x, T)
    assert np.max(np.abs(ours.p_alive(x, t_x, T) - p_peer)) < 1e-3


def test_gamma_gamma_reproduces_fader_hardie_and_lifetimes(cdnow_spend):
    x, m = cdnow_spend
    ours = GammaGammaModel().fit(x, m)
    # Fader and Hardie's note on the 946 repeat buyers: p = 6.25, q = 3.74, gamma = 15.44
    assert ours.params_["p"] == pytest.approx(6.25, abs=0.005)
    assert ours.params_["q"] == pytest.approx(3.74, abs=0.005)
    assert ours.params_["gamma"] == pytest.approx(15.44, abs=0.01)
    peer = lifetimes.GammaGammaFitter().fit(x, m)
    for name, peer_name in (("p", "p"), ("q", "q"), ("gamma", "v")):
        assert ours.params_[name] == pytest.approx(peer.params_[peer_name], rel=1e-3)
    spend = ours.expected_order_value(x, m)
    peer_spend = np.asarray(peer.conditional_expected_average_profit(x, m))
    assert np.max(np.abs(spend - peer_spend)) < 1e-3


def test_intervals_contain_the_estimate_and_are_ordered(bg):
    s = bg.summary(0.95)
    assert (s["lower"] < s["estimate"]).all() and (s["estimate"] < s["upper"]).all()
    # the paper's r is well pinned down by 2,357 customers: a narrow interval
    assert s.loc["r", "upper"] - s.loc["r", "lower"] < 0.06


def test_grouping_collapses_identical_histories_and_maps_each_buyer_back(cdnow):
    x, t_x, T = cdnow
    h = group_histories(x, t_x, T)
    assert h.n_buyers == len(x) and len(h.x) < len(x) / 2
    np.testing.assert_array_equal(h.x[h.inverse], x)
    np.testing.assert_array_equal(h.t_x[h.inverse], t_x)
    np.testing.assert_array_equal(h.T[h.inverse], T)


def _simulate(n: int, z: np.ndarray, rng: np.random.Generator, T: float = 52.0):
    """BG/NBD histories with a covariate that doubles the rate and raises b (dropout x 0.5)."""
    r, alpha, a, b = 0.5, 3.0, 0.9, 2.7
    b_z = (a + b) / 0.5 - a  # mean dropout a / (a + b_z) = half of a / (a + b)
    lam = rng.gamma(r, 1 / alpha, n) * np.where(z == 1, 2.0, 1.0)
    p = rng.beta(a, np.where(z == 1, b_z, b))
    x = np.zeros(n)
    t_x = np.zeros(n)
    t = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        t[alive] += rng.exponential(1 / lam[alive])
        buy = alive & (t < T)
        x[buy] += 1
        t_x[buy] = t[buy]
        alive = buy & (rng.random(n) >= p)
    return x, t_x, np.full(n, T)


def test_covariate_multipliers_recovered_within_15_percent():
    rng = np.random.default_rng(3)
    z = (rng.random(20_000) < 0.3).astype(float)
    x, t_x, T = _simulate(20_000, z, rng)
    t_x = np.round(t_x * 7) / 7  # whole days, as histories from orders are
    m = BetaGeoModel(covariates=["fan"]).fit(x, t_x, T, z[:, None])
    assert m.coef_["fan"]["rate_mult"] == pytest.approx(2.0, rel=0.15)
    assert m.coef_["fan"]["dropout_mult"] == pytest.approx(0.5, rel=0.15)
    assert m.params_["r"] == pytest.approx(0.5, rel=0.15)
    s = m.summary(0.95)
    assert s.loc["fan.rate_mult", "lower"] < 2.0 < s.loc["fan.rate_mult", "upper"]


def test_no_repeat_buyers_says_why_instead_of_fitting():
    x = np.zeros(50)
    with pytest.raises(FitError, match="no buyer has a repeat purchase"):
        BetaGeoModel().fit(x, x, np.full(50, 10.0))
    with pytest.raises(FitError, match="no buyer has a repeat purchase"):
        ParetoNBDModel().fit(x, x, np.full(50, 10.0))


def test_impossible_histories_are_refused_with_the_row():
    with pytest.raises(ValueError, match="row 1"):
        group_histories([0, 2], [0, 5], [4, 3])


def test_bgnbd_one_group_likelihood_equals_the_general_path_to_1e_12(cdnow):
    # without covariates the x-only terms are summed on the distinct-x grid; the general path
    # (gathered per history, used with covariates) must give the same value and gradient
    from livecart.fans.bgnbd_likelihood import GridLikelihood

    h = group_histories(*cdnow)
    lik = GridLikelihood(h, 30.0)
    for theta in (
        np.zeros(4),
        np.log([0.243, 4.414 / 30, 0.793, 2.426]),
        np.array([-1, 1, 0.3, -0.2]),
    ):
        fast_value, fast_grad = lik(theta)
        value, grad = lik._general(theta, True)
        assert fast_value == pytest.approx(value, abs=1e-12)
        assert np.max(np.abs(fast_grad - grad)) < 1e-12
        assert lik(theta, gradient=False) == pytest.approx(value, abs=1e-12)
