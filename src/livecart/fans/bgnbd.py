"""BG/NBD repeat purchases (Fader, Hardie and Lee 2005, "Counting your customers the easy way").

While alive a buyer purchases at rate ``lambda ~ Gamma(r, alpha)``; after each repeat purchase she
drops out with probability ``p ~ Beta(a, b)``. Time-invariant covariates ``z`` (here: follower and
fan-club status) enter as in Fader and Hardie (2007, "Incorporating time-invariant covariates into
the Pareto/NBD and BG/NBD models"): ``alpha_i = alpha exp(-beta' z)`` scales the purchase rate by
``exp(beta' z)``; the note also lets covariates scale ``a`` and ``b`` (CLVTools uses one
coefficient for both). Here only ``b_i = b exp(gamma' z)`` moves: with free coefficients on both,
``a`` and ``b`` of a small group run off together (a dropout with no heterogeneity) on short
histories, and moving ``b`` alone already shifts the mean dropout. A covariate's dropout
multiplier is reported as the ratio of mean dropout probabilities ``E[p | z] / E[p | 0]``.

The likelihood, P(alive) and conditional expectation are equations (6), (A.10) of the paper and
(10) of the paper; they are evaluated once per distinct history (`group_histories`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import hyp2f1

from livecart.fans.bgnbd_likelihood import GridLikelihood
from livecart.fans.histories import group_histories, histories_to_fit
from livecart.fans.likelihood import Optimum, draws, maximize
from livecart.fans.summaries import interval_table


class BetaGeoModel:
    """BG/NBD. ``covariates`` names the columns of ``z`` passed to `fit` and the predictions."""

    base = ("r", "alpha", "a", "b")

    def __init__(self, covariates: Sequence[str] = ()) -> None:
        self.covariates = tuple(covariates)

    # ---------------------------------------------------------------- fit
    def fit(self, x, t_x, T, z=None) -> BetaGeoModel:
        h = histories_to_fit("BG/NBD", self.covariates, x, t_x, T, z)
        k = len(self.covariates)
        scale = float(np.average(h.T, weights=h.weight))
        n = h.n_buyers

        neg_ll = GridLikelihood(h, scale)

        start = np.zeros(4 + 2 * k)
        alt = start.copy()
        alt[:4] = [np.log(0.3), np.log(3.0), np.log(0.8), np.log(2.5)]
        opt = maximize(neg_ll, [start, alt], model="BG/NBD", jac=True)
        theta = opt.theta.copy()
        theta[1] += np.log(scale)  # alpha back to weeks
        # the likelihood of t_x is a density: back to weeks costs -x log(scale) per buyer
        ll = opt.log_likelihood * n - float(np.sum(h.weight * h.x)) * np.log(scale)
        self.optimum_ = Optimum(theta, opt.cov / n, ll)
        self.params_ = dict(zip(self.base, np.exp(theta[:4]).tolist(), strict=True))
        self.coef_ = _coefficients(theta, self.covariates)
        self.log_likelihood_ = self.optimum_.log_likelihood
        self.n_buyers_ = n
        self.n_histories_ = len(h.x)
        return self

    # ---------------------------------------------------------------- predictions
    def p_alive(self, x, t_x, T, z=None, theta=None) -> np.ndarray:
        """P(alive at T | x, t_x, T): equation (A.10)."""
        r, alpha, a, b = self._individual(theta, z, len(np.atleast_1d(x)))
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        with np.errstate(divide="ignore"):
            log_odds = np.log(a) - np.log(b + x - 1) + (r + x) * np.log((alpha + T) / (alpha + t_x))
        return np.where(x > 0, 1 / (1 + np.exp(np.where(x > 0, log_odds, 0.0))), 1.0)

    def expected_purchases(self, t, x, t_x, T, z=None, theta=None) -> np.ndarray:
        """E[purchases in (T, T + t] | x, t_x, T]: equation (10)."""
        r, alpha, a, b = self._individual(theta, z, len(np.atleast_1d(x)))
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        first = (a + b + x - 1) / (a - 1)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        second = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
        return first * second * self.p_alive(x, t_x, T, z, theta)

    def expected_purchases_at(self, steps, x, t_x, T, z=None, theta=None) -> np.ndarray:
        """``expected_purchases`` at each horizon of ``steps``, one row a horizon: the same
        numbers, with P(alive) computed once and the rest once per distinct ``(x, T, z)``
        (``t_x`` does not enter it; one-time buyers of a week share it)."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        alive = self.p_alive(x, t_x, T, z, theta)
        u = group_histories(x, np.zeros_like(x), T, z)
        zu = u.z if self.covariates and z is not None else None
        r, alpha, a, b = self._individual(theta, zu, len(u.x))
        first = (a + b + u.x - 1) / (a - 1)
        rows = []
        for t in np.atleast_1d(np.asarray(steps, dtype=float)):
            hyp = hyp2f1(r + u.x, b + u.x, a + b + u.x - 1, t / (alpha + u.T + t))
            second = 1 - ((alpha + u.T) / (alpha + u.T + t)) ** (r + u.x) * hyp
            rows.append((first * second)[u.inverse] * alive)
        return np.array(rows)

    def expected_purchases_new(self, t, z=None, theta=None, n: int = 1) -> np.ndarray:
        """E[X(t)] for a buyer just acquired: equation (9)."""
        r, alpha, a, b = self._individual(theta, z, n)
        t = np.asarray(t, dtype=float)
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)

    # ---------------------------------------------------------------- uncertainty
    def parameter_draws(self, n: int, seed: int = 0) -> np.ndarray:
        """Draws of the parameter vector (for intervals on any prediction via ``theta=``)."""
        return draws(self.optimum_, n, np.random.default_rng(seed))

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates with Wald intervals (on the log scale for positive parameters)."""
        return interval_table(
            self.optimum_, self.base, self.covariates, _coefficients, level, n_draws=2000
        )

    def _individual(self, theta, z, n: int):
        theta = self.optimum_.theta if theta is None else np.asarray(theta)
        k = len(self.covariates)
        r, alpha, a, b = np.exp(theta[:4])
        if k == 0:
            return r, alpha, a, b
        z = np.zeros((n, k)) if z is None else np.asarray(z, dtype=float).reshape(-1, k)
        beta, gb = theta[4 : 4 + k], theta[4 + k :]
        return r, alpha * np.exp(-z @ beta), a, b * np.exp(z @ gb)


def _coefficients(theta: np.ndarray, names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per covariate: the purchase-rate multiplier and the mean-dropout multiplier."""
    k = len(names)
    a, b = np.exp(theta[2:4])
    out = {}
    for i, name in enumerate(names):
        bi = b * np.exp(theta[4 + k + i])
        out[name] = {
            "rate_mult": float(np.exp(theta[4 + i])),
            "dropout_mult": float((a / (a + bi)) / (a / (a + b))),
        }
    return out
