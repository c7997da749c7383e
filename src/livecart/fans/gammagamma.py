"""Gamma-Gamma spend per repeat order (Fader and Hardie 2013, "The Gamma-Gamma model of monetary
value"; Colombo and Jiang 1999).

A buyer's order values are ``Gamma(p, nu)`` with her own ``nu ~ Gamma(q, gamma)``, independent of
how often she buys. Fitted on buyers with at least one repeat order from ``x`` (repeat orders)
and ``m`` (their mean value); predicts each buyer's expected order value, a weighted average of
the population mean ``p gamma / (q - 1)`` and her own mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from livecart.errors import FitError
from livecart.fans.likelihood import Optimum, draws, maximize
from livecart.fans.summaries import interval_table


class GammaGammaModel:
    base = ("p", "q", "gamma")

    def fit(self, x, m) -> GammaGammaModel:
        x = np.asarray(x, dtype=float)
        m = np.asarray(m, dtype=float)
        keep = x > 0
        x, m = x[keep], m[keep]
        if len(x) < 10:
            raise FitError(
                f"Gamma-Gamma: {len(x)} buyers with a repeat order; need at least 10 to estimate "
                "spend per order"
            )
        if np.any(~np.isfinite(m) | (m <= 0)):
            raise ValueError("mean order values must be positive and finite")
        if np.ptp(m) <= 1e-9 * np.max(m):
            raise FitError(
                f"Gamma-Gamma: every buyer's mean order value is {m[0]:g}, so spend does not vary "
                "between buyers and the model has nothing to fit; use that value per order"
            )
        scale = float(np.mean(m))
        n = len(x)

        def neg_ll(theta: np.ndarray) -> float:
            return -float(np.sum(_log_likelihood(theta, x, m / scale))) / n

        opt = maximize(neg_ll, [np.array([1.0, 1.0, 1.0]), np.zeros(3)], model="Gamma-Gamma")
        theta = opt.theta.copy()
        theta[2] += np.log(scale)
        ll = opt.log_likelihood * n - float(np.sum(np.log(scale) * np.ones(n)))
        self.optimum_ = Optimum(theta, opt.cov / n, ll)
        self.params_ = dict(zip(self.base, np.exp(theta).tolist(), strict=True))
        if self.params_["q"] <= 1:
            raise FitError(
                "Gamma-Gamma: q <= 1, so mean spend per order is unbounded under the model; "
                "order values are too heavy-tailed for it"
            )
        self.log_likelihood_ = ll
        self.n_buyers_ = n
        return self

    def expected_order_value(self, x, m, theta=None) -> np.ndarray:
        """E[value of a future order | x repeat orders with mean m]; x = 0 gives the mean."""
        p, q, gamma = np.exp(self.optimum_.theta if theta is None else np.asarray(theta))
        x = np.asarray(x, dtype=float)
        m = np.nan_to_num(np.asarray(m, dtype=float))
        w = p * x / (p * x + q - 1)
        return (1 - w) * p * gamma / (q - 1) + w * m

    def population_mean(self, theta=None) -> float:
        p, q, gamma = np.exp(self.optimum_.theta if theta is None else np.asarray(theta))
        return float(p * gamma / (q - 1))

    def parameter_draws(self, n: int, seed: int = 0) -> np.ndarray:
        return draws(self.optimum_, n, np.random.default_rng(seed))

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        return interval_table(self.optimum_, self.base, (), lambda t, c: {}, level)


def _log_likelihood(theta: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Density of the mean ``m`` of ``x`` order values (Fader and Hardie 2013, equation 4)."""
    p, q, gamma = np.exp(theta)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )
