"""Repeat purchases follow the BG/NBD process whose parameters truth.json states: a maximum
likelihood fit (Fader, Hardie and Lee 2005, eq. 6) on the demo's non-fan buyers recovers them."""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln

import livecart
from livecart.demo import truth


def _neg_loglik(log_params, x, tx, t):
    r, alpha, a, b = np.exp(log_params)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = betaln(a, b + x) - betaln(a, b) + common - (r + x) * np.log(alpha + t)
    dropped = np.where(
        x > 0,
        betaln(a + 1, np.maximum(b + x - 1, 1e-9))
        - betaln(a, b)
        + common
        - (r + x) * np.log(alpha + tx),
        -np.inf,
    )
    return -np.logaddexp(alive, dropped).sum()


def test_bgnbd_fit_on_non_fans_recovers_the_true_parameters(demo_path):
    t = truth(demo_path)
    from livecart.fans.purchases import load_purchases
    from livecart.fans.rfm import buyer_histories

    with livecart.open(demo_path, read_only=True) as ws:
        h = buyer_histories(load_purchases(ws), censor_at_join=True)
    # non-followers from the first purchase; a later join ends the history (selection)
    d = h[(h["follower"] == 0) & (h["fan_club"] == 0)].rename(columns={"t_x": "tx", "T": "t"})
    assert len(d) > 5000
    true = t["bgnbd"]
    # the BG/NBD fit checked against Fader, Hardie and Lee (2005) in tests/fans
    from livecart.fans import BetaGeoModel

    fit = BetaGeoModel().fit(d["x"], d["tx"], d["t"]).params_
    r, alpha, a, b = fit["r"], fit["alpha"], fit["a"], fit["b"]
    # tolerances: about three standard errors at ~16,000 buyers
    assert abs(r - true["r"]) < 0.08, r
    assert abs(alpha - true["alpha"]) < 0.6, alpha
    assert abs(a - true["a"]) < 0.3, a
    assert abs(b - true["b"]) < 1.0, b
