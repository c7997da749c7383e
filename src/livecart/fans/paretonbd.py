"""Pareto/NBD repeat purchases (Schmittlein, Morrison and Colombo 1987; expressions from Fader
and Hardie 2005, "A note on deriving the Pareto/NBD model and related expressions").

While alive a buyer purchases at rate ``lambda ~ Gamma(r, alpha)`` and dies at rate
``mu ~ Gamma(s, beta)``, both in continuous time. Time-invariant covariates ``z`` enter as in
Fader and Hardie (2007): ``alpha_i = alpha exp(-beta_rate' z)`` and
``beta_i = beta exp(-beta_life' z)``, so a covariate multiplies the mean purchase rate by
``exp(beta_rate)`` and the mean dropout rate by ``exp(beta_life)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import gammaln, hyp2f1

from livecart.fans.histories import Histories, histories_to_fit
from livecart.fans.likelihood import Optimum, draws, maximize
from livecart.fans.summaries import interval_table


class ParetoNBDModel:
    """Pareto/NBD. ``covariates`` names the columns of ``z``."""

    base = ("r", "alpha", "s", "beta")

    def __init__(self, covariates: Sequence[str] = ()) -> None:
        self.covariates = tuple(covariates)

    def fit(self, x, t_x, T, z=None) -> ParetoNBDModel:
        h = histories_to_fit("Pareto/NBD", self.covariates, x, t_x, T, z)
        k = len(self.covariates)
        scale = float(np.average(h.T, weights=h.weight))
        n = h.n_buyers

        def neg_ll(theta: np.ndarray) -> float:
            return -float(np.sum(h.weight * _log_likelihood(theta, h, scale))) / n

        start = np.zeros(4 + 2 * k)
        alt = start.copy()
        alt[:4] = [np.log(0.5), np.log(0.2), np.log(0.5), np.log(2.0)]
        opt = maximize(neg_ll, [start, alt], model="Pareto/NBD")
        theta = opt.theta.copy()
        theta[[1, 3]] += np.log(scale)  # alpha and beta back to weeks
        ll = opt.log_likelihood * n - float(np.sum(h.weight * h.x)) * np.log(scale)
        self.optimum_ = Optimum(theta, opt.cov / n, ll)
        self.params_ = dict(zip(self.base, np.exp(theta[:4]).tolist(), strict=True))
        self.coef_ = _coefficients(theta, self.covariates)
        self.log_likelihood_ = ll
        self.n_buyers_ = n
        self.n_histories_ = len(h.x)
        return self

    def p_alive(self, x, t_x, T, z=None, theta=None) -> np.ndarray:
        r, alpha, s, beta = self._individual(theta, z, len(np.atleast_1d(x)))
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        log_a0 = _log_a0(r, alpha, s, beta, x, t_x, T)
        odds = np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T)
        odds = odds + s * np.log(beta + T) + log_a0
        return 1 / (1 + np.exp(odds))

    def expected_purchases(self, t, x, t_x, T, z=None, theta=None) -> np.ndarray:
        """E[purchases in (T, T + t] | x, t_x, T] (Fader and Hardie 2005, equation 41)."""
        r, alpha, s, beta = self._individual(theta, z, len(np.atleast_1d(x)))
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        mean_alive = (r + x) * (beta + T) / ((alpha + T) * (s - 1))
        return (
            mean_alive
            * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
            * self.p_alive(x, t_x, T, z, theta)
        )

    def expected_purchases_new(self, t, z=None, theta=None, n: int = 1) -> np.ndarray:
        r, alpha, s, beta = self._individual(theta, z, n)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + np.asarray(t))) ** (s - 1))

    def parameter_draws(self, n: int, seed: int = 0) -> np.ndarray:
        return draws(self.optimum_, n, np.random.default_rng(seed))

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        return interval_table(self.optimum_, self.base, self.covariates, _coefficients, level)

    def _individual(self, theta, z, n: int):
        theta = self.optimum_.theta if theta is None else np.asarray(theta)
        k = len(self.covariates)
        r, alpha, s, beta = np.exp(theta[:4])
        if k == 0:
            return r, alpha, s, beta
        z = np.zeros((n, k)) if z is None else np.asarray(z, dtype=float).reshape(-1, k)
        return r, alpha * np.exp(-z @ theta[4 : 4 + k]), s, beta * np.exp(-z @ theta[4 + k :])


def _log_a0(r, alpha, s, beta, x, t_x, T):
    """log A_0 of the likelihood, from whichever of alpha, beta is larger (for a stable 2F1)."""
    alpha, beta = np.broadcast_arrays(np.asarray(alpha, float), np.asarray(beta, float))
    big = np.maximum(alpha, beta)
    third = np.where(alpha < beta, r + x, s + 1)
    rsx = r + s + x
    gap = np.abs(alpha - beta)
    p1 = hyp2f1(rsx, third, rsx + 1, gap / (big + t_x))
    p2 = hyp2f1(rsx, third, rsx + 1, gap / (big + T))
    q1, q2 = big + t_x, big + T
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.log(p1) + rsx * np.log(q2)
        v = np.log(p2) + rsx * np.log(q1)
        diff = u + np.log1p(-np.exp(v - u))
    return diff - rsx * np.log(q1 * q2)


def _log_likelihood(theta: np.ndarray, h: Histories, scale: float) -> np.ndarray:
    k = h.z.shape[1]
    r, alpha, s, beta = np.exp(theta[:4])
    x, t_x, T = h.x, h.t_x / scale, h.T / scale
    if k:
        alpha = alpha * np.exp(-h.z @ theta[4 : 4 + k])
        beta = beta * np.exp(-h.z @ theta[4 + k :])
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_a0 = _log_a0(r, alpha, s, beta, x, t_x, T)
    a2 = np.logaddexp(
        -(r + x) * np.log(alpha + T) - s * np.log(beta + T), np.log(s) + log_a0 - np.log(r + s + x)
    )
    return a1 + a2


def _coefficients(theta: np.ndarray, names: Sequence[str]) -> dict[str, dict[str, float]]:
    k = len(names)
    return {
        name: {
            "rate_mult": float(np.exp(theta[4 + i])),
            "dropout_mult": float(np.exp(theta[4 + k + i])),
        }
        for i, name in enumerate(names)
    }
