"""Empirical-Bayes beta-binomial pieces: over-dispersion between videos, and category x market
priors fitted by marginal likelihood.

Method. A rate (clicks per view, orders per click) of product j in market m has a
Beta(mu_g * s, (1 - mu_g) * s) prior, g = its category x market group. Counts are summed over the
cell's videos, but videos of the same product differ for reasons other than the product (the
creator, the hook), so the summed counts carry less information than binomial counts would. We
estimate that extra video-to-video variance ``sigma2`` by moments, and divide each cell's counts by
Kish's design effect ``D = 1 + sigma2 * p * sum(n_i^2) / sum(n_i)`` (Kish 1965, *Survey
Sampling*) before the conjugate update: an effective sample size. The group means ``mu_g`` and a
per-category spread ``tau_c`` (the between-product coefficient of variation, which sets ``s``)
maximise the beta-binomial marginal likelihood of the effective counts (the empirical-Bayes
approach of Efron & Morris 1975; beta-binomial form as in Kahn & Raftery 1996). ``tau`` is kept in
[TAU_MIN, TAU_MAX] so that sparse data can never make the model claim products are identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

TAU_MIN, TAU_MAX = 0.1, 2.0
DEFAULT_TAU = 0.6  # prior spread used when a category has too little data to fit one
MIN_CELLS_TO_FIT = 4  # cells with evidence a category needs before its spread is fitted


@dataclass(frozen=True)
class BetaPrior:
    """Per-group prior: mean ``mu``, spread ``tau`` and, for a prior that leans on a covariate,
    the slope ``beta`` of logit(rate) on it (zero otherwise); arrays aligned with ``groups``."""

    groups: list[tuple[str, str]]
    mu: np.ndarray
    tau: np.ndarray
    beta: np.ndarray

    def index(self, group: np.ndarray) -> np.ndarray:
        # A hashed lookup of all rows at once: the posterior draws ask for one row per cell
        # and draw (a million rows), where a Python loop took over a second.
        g = np.asarray(group, dtype=object).reshape(-1, 2)
        if not len(g):
            return np.zeros(0, dtype=int)
        if not self.groups:
            raise KeyError(tuple(g[0]))
        known = pd.MultiIndex.from_tuples(self.groups)
        i = known.get_indexer(pd.MultiIndex.from_arrays([g[:, 0], g[:, 1]]))
        if (i < 0).any():
            raise KeyError(tuple(g[int(np.argmax(i < 0))]))
        return i.astype(int)

    def cell_ab(
        self, group: np.ndarray, x: np.ndarray | None = None, xvar: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each cell's Beta(a, b): mean shifted by beta * x on the logit scale, spread widened
        by the covariate's own uncertainty (beta^2 * xvar), as a normal model would."""
        i = self.index(group)
        x = np.zeros(len(i)) if x is None else x
        xvar = np.zeros(len(i)) if xvar is None else xvar
        mu = special.expit(special.logit(self.mu[i]) + self.beta[i] * x)
        tau = np.sqrt(self.tau[i] ** 2 + self.beta[i] ** 2 * xvar)
        s = concentration(mu, np.minimum(tau, TAU_MAX))
        return mu * s, (1 - mu) * s


def concentration(mu: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Beta concentration s whose coefficient of variation is ``tau`` at mean ``mu``."""
    return np.maximum((1 - mu) / (mu * tau**2) - 1, 0.5)


def video_dispersion(trials: np.ndarray, succ: np.ndarray, cell: np.ndarray) -> float:
    """Moment estimate of the extra relative variance ``sigma2`` between videos of one cell.

    With Var(k_i) = V_i = n_i p (1 - p) + sigma2 n_i^2 p^2 and p estimated by the cell's pooled
    rate, E[sum_i (k_i - n_i p_hat)^2] = sum_i V_i (1 - 2 w_i + sum_j w_j^2), w_i = n_i / N;
    solving the summed equation over cells with two or more videos gives sigma2 (unequal video
    sizes make the usual m/(m-1) correction badly biased, hence the exact weights)."""
    df = pd.DataFrame({"n": trials.astype(float), "k": succ.astype(float), "c": cell})
    df = df[df["n"] > 0]
    g = df.groupby("c")
    tot = g["n"].transform("sum")
    p = g["k"].transform("sum") / tot
    w = df["n"] / tot
    cfac = 1 - 2 * w + (w**2).groupby(df["c"]).transform("sum")
    use = (g["n"].transform("count") >= 2) & (p > 0) & (p < 1)
    if use.sum() < 4:
        return 0.0
    d, p, cfac = df[use], p[use], cfac[use]
    num = ((d["k"] - d["n"] * p) ** 2 - cfac * d["n"] * p * (1 - p)).sum()
    den = (cfac * d["n"] ** 2 * p**2).sum()
    return float(max(num / den, 0.0)) if den > 0 else 0.0


def design_effect(
    sigma2: float, p: np.ndarray, trials: np.ndarray, trials_sq: np.ndarray
) -> np.ndarray:
    """Kish's design effect of summed counts (1 where there are no trials)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = 1 + sigma2 * p * np.where(trials > 0, trials_sq / trials, 0.0)
    return np.maximum(d, 1.0)


def _loglik(k: np.ndarray, n: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(special.betaln(a + k, b + n - k) - special.betaln(a, b)))


def fit_prior(
    k: np.ndarray,
    n: np.ndarray,
    group: np.ndarray,
    category: np.ndarray,
    default_mu: float,
    x: np.ndarray | None = None,
) -> BetaPrior:
    """Fit group means, per-category spreads (and, with a covariate ``x`` per cell, a
    per-category slope) by beta-binomial marginal likelihood.

    ``k``, ``n``: effective successes and trials per cell; ``group``: (category, market) per
    cell; ``category``: per cell. Groups without evidence take their category's pooled rate, a
    category without evidence the overall pooled rate (or ``default_mu``)."""
    groups = sorted(set(map(tuple, group)))
    gi = {g: i for i, g in enumerate(groups)}
    idx = np.array([gi[tuple(g)] for g in group], dtype=int)
    mu = np.full(len(groups), np.nan)
    tau = np.full(len(groups), DEFAULT_TAU)
    beta = np.zeros(len(groups))
    overall = _pooled(k, n, default_mu)
    for cat in sorted(set(category)):
        in_cat = category == cat
        cat_mu = _pooled(k[in_cat], n[in_cat], overall)
        members = sorted(set(idx[in_cat]))
        has = in_cat & (n > 0)
        if has.sum() >= MIN_CELLS_TO_FIT:
            xc = None if x is None else x[has]
            m_fit, t_fit, b_fit = _fit_category(k[has], n[has], idx[has], cat_mu, xc)
            for g, val in m_fit.items():
                mu[g] = val
            tau[members], beta[members] = t_fit, b_fit
        for g in members:
            sel = idx == g
            if np.isnan(mu[g]):
                mu[g] = _pooled(k[sel], n[sel], cat_mu) if n[sel].sum() > 0 else cat_mu
    return BetaPrior(groups, np.clip(mu, 1e-6, 1 - 1e-6), tau, beta)


def _pooled(k: np.ndarray, n: np.ndarray, fallback: float) -> float:
    tot = float(np.sum(n))
    return float((np.sum(k) + fallback) / (tot + 1.0)) if tot > 0 else fallback


def _fit_category(k, n, idx, cat_mu, x) -> tuple[dict[int, float], float, float]:
    seen = sorted(set(idx))
    pos = {g: i for i, g in enumerate(seen)}
    j = np.array([pos[g] for g in idx])
    g0 = len(seen)
    lc = special.logit(cat_mu)
    x0 = np.concatenate([np.full(g0, lc), [np.log(0.4)], [0.0] if x is not None else []])

    def nll(p: np.ndarray) -> float:
        shift = 0.0 if x is None else p[g0 + 1] * x
        mu = special.expit(p[:g0][j] + shift)
        s = concentration(mu, np.full_like(mu, np.exp(p[g0])))
        # A weak normal hyperprior pulls thin groups' means toward the category's pooled rate.
        pen = 0.5 * np.sum((p[:g0] - lc) ** 2)
        return -_loglik(k, n, mu * s, (1 - mu) * s) + pen

    bounds = [(-14.0, 14.0)] * g0 + [(np.log(TAU_MIN), np.log(TAU_MAX))]
    bounds += [(-3.0, 3.0)] if x is not None else []
    # SLSQP: L-BFGS-B's Fortran wrapper costs milliseconds a call here, SLSQP does not.
    res = optimize.minimize(nll, x0, method="SLSQP", bounds=bounds)
    b = float(res.x[g0 + 1]) if x is not None else 0.0
    return ({g: float(special.expit(res.x[pos[g]])) for g in seen}, float(np.exp(res.x[g0])), b)
