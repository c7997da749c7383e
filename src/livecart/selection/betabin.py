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
    """Per-group Beta prior: ``a``/``b`` arrays aligned with ``groups``."""

    groups: list[tuple[str, str]]
    mu: np.ndarray
    tau: np.ndarray

    @property
    def s(self) -> np.ndarray:
        return concentration(self.mu, self.tau)

    @property
    def a(self) -> np.ndarray:
        return self.mu * self.s

    @property
    def b(self) -> np.ndarray:
        return (1 - self.mu) * self.s


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
    k: np.ndarray, n: np.ndarray, group: np.ndarray, category: np.ndarray, default_mu: float
) -> BetaPrior:
    """Fit group means and per-category spreads by beta-binomial marginal likelihood.

    ``k``, ``n``: effective successes and trials per cell; ``group``: (category, market) per
    cell; ``category``: per cell. Groups without evidence take their category's pooled rate, a
    category without evidence the overall pooled rate (or ``default_mu``)."""
    groups = sorted(set(map(tuple, group)))
    gi = {g: i for i, g in enumerate(groups)}
    idx = np.array([gi[tuple(g)] for g in group], dtype=int)
    mu = np.full(len(groups), np.nan)
    tau = np.full(len(groups), DEFAULT_TAU)
    overall = _pooled(k, n, default_mu)
    for cat in sorted(set(category)):
        in_cat = category == cat
        cat_mu = _pooled(k[in_cat], n[in_cat], overall)
        members = sorted(set(idx[in_cat]))
        has = in_cat & (n > 0)
        if has.sum() >= MIN_CELLS_TO_FIT:
            m_fit, t_fit = _fit_category(k[has], n[has], idx[has], members, cat_mu)
            for g, val in m_fit.items():
                mu[g] = val
            tau[members] = t_fit
        for g in members:
            sel = idx == g
            if np.isnan(mu[g]):
                mu[g] = _pooled(k[sel], n[sel], cat_mu) if n[sel].sum() > 0 else cat_mu
    return BetaPrior(groups, np.clip(mu, 1e-6, 1 - 1e-6), tau)


def _pooled(k: np.ndarray, n: np.ndarray, fallback: float) -> float:
    tot = float(np.sum(n))
    return float((np.sum(k) + fallback) / (tot + 1.0)) if tot > 0 else fallback


def _fit_category(k, n, idx, members, cat_mu) -> tuple[dict[int, float], float]:
    seen = sorted(set(idx))
    pos = {g: i for i, g in enumerate(seen)}
    j = np.array([pos[g] for g in idx])
    x0 = np.append(np.full(len(seen), special.logit(cat_mu)), np.log(0.4))

    def nll(x: np.ndarray) -> float:
        mu = special.expit(x[:-1])[j]
        tau = np.exp(x[-1])
        s = concentration(mu, np.full_like(mu, tau))
        # A weak normal hyperprior pulls thin groups' means toward the category's pooled rate.
        pen = 0.5 * np.sum((x[:-1] - special.logit(cat_mu)) ** 2) / 1.0**2
        return -_loglik(k, n, mu * s, (1 - mu) * s) + pen

    bounds = [(-14.0, 14.0)] * len(seen) + [(np.log(TAU_MIN), np.log(TAU_MAX))]
    # SLSQP: L-BFGS-B's Fortran wrapper costs milliseconds a call here, SLSQP does not.
    res = optimize.minimize(nll, x0, method="SLSQP", bounds=bounds)
    return ({g: float(special.expit(res.x[pos[g]])) for g in seen}, float(np.exp(res.x[-1])))
