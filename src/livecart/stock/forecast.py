"""Session demand per SKU as a distribution, learned from the workspace's past sessions.

Model: a censored log-linear regression (Tobit, Tobin 1958) of ``log(1 + units)`` on the signals
known before the live (`FEATURES`), ridge-penalized, fitted by maximum likelihood. Sold-out SKUs
enter as right-censored: their sales are a lower bound on demand, never demand itself.

Intervals: cross-conformal calibration on held-out sessions (Lei et al. 2018, locally weighted:
residuals scaled by ``sqrt(sigma^2 + 1 / (1 + E[units]))`` so small counts get their Poisson
spread). Sessions are split into folds; each fold's residuals come from the model fitted without
it. A sold-out SKU's residual is taken at its projected demand (`lostsales`: sales over the share
of its selling exposure the stock-out left), not treated as censored with the Kaplan-Meier
estimate (Kaplan & Meier 1958; censored conformal prediction, Candes, Lei & Ren 2023): that
estimate assumes censoring independent of demand, but stock follows expected demand, and on demo
seeds 101-116 it made the upper tail far too long (80% intervals covered 86.5%). Kaplan-Meier
remains for sold-out rows whose timing is unknown.

With too little history (fewer than `MIN_SESSIONS` past sessions with sales) the forecast is a
clearly labelled prior from category benchmarks (`PRIOR`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

MIN_SESSIONS = 8
RIDGE = 250.0
HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)
ROLES = ("hook", "hero", "profit", "test", "closing")
NUMERIC = (
    "lw_views",
    "lw_clicks",
    "lw_atc",
    "has_warmup",
    "lw_velocity",
    "lw_session_views",
    "sku_hist",
    "has_sku_hist",
    "sku_hist_other_market",
    "host_hist",
    "has_host_hist",
    "l_ad_budget",
    "l_minutes",
    "l_lineup",
    "l_pinned",
    "l_price",
    "position_share",
)
# Units sold per SKU per live hour at the line-up's typical exposure, by category: an assumption
# used only with no history (no public benchmark exists; docs/metrics.md). Wide on purpose.
PRIOR = {"default": {"units_per_hour": 8.0, "log_sd": 1.0}}
PRIOR_CLICK_CONVERSION = 0.6  # warm-up clicks -> live units, used only by the prior


WARMUP = ("lw_views", "lw_clicks", "lw_atc", "lw_velocity", "lw_session_views")


def _warmup_signals(rows: pd.DataFrame) -> pd.DataFrame:
    """Log warm-up views, clicks, add-to-carts, views per hour up (the trend) and the session's
    mean views per warm-up; NaN where there is no warm-up."""
    f = pd.DataFrame(index=rows.index)
    has = rows["w_videos"] > 0
    f["lw_views"] = np.log1p(rows["w_views"]).where(has)
    f["lw_clicks"] = np.log1p(rows["w_clicks"]).where(has)
    f["lw_atc"] = np.log1p(rows["w_atc"]).where(has)
    f["lw_velocity"] = np.log1p(rows["w_views"] / rows["w_hours"].where(rows["w_hours"] > 0))
    # the session's warm-ups speak for its traffic, so every SKU of the line-up hears them
    sess = rows.groupby("session_id")[["w_views", "w_videos"]].transform("sum")
    f["lw_session_views"] = np.log1p(sess["w_views"] / sess["w_videos"].where(sess["w_videos"] > 0))
    return f


def warmup_offsets(rows: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Each market's mean warm-up signals: warm-up views scale with the market's traffic
    (``log views = c0[market] + c1 log E[units]``), so the model reads them relative to the
    market's own level ("" holds the overall mean, for a market not seen yet)."""
    w = _warmup_signals(rows).assign(market=rows["market"].astype(str))
    out = {"": {c: float(np.nan_to_num(w[c].mean())) for c in WARMUP}}
    for m, g in w.groupby("market"):
        out[str(m)] = {c: float(g[c].mean()) if g[c].notna().any() else out[""][c] for c in WARMUP}
    return out


def design(
    rows: pd.DataFrame,
    markets: list[str],
    categories: list[str],
    offsets: dict[str, dict[str, float]] | None = None,
) -> np.ndarray:
    """The feature matrix (without intercept) for rows from `history.add_history`."""
    f = _warmup_signals(rows)
    offsets = offsets or {"": dict.fromkeys(WARMUP, 0.0)}
    mk = rows["market"].astype(str)
    for c in WARMUP:
        f[c] = f[c] - mk.map(lambda m, c=c: offsets.get(m, offsets[""])[c])
    f["has_warmup"] = (rows["w_videos"] > 0).astype(float)
    f["sku_hist"] = rows["sku_hist"]
    f["has_sku_hist"] = (rows["sku_n"] > 0).astype(float)
    f["sku_hist_other_market"] = rows["sku_hist_other_market"]
    f["host_hist"] = rows["host_hist"]
    f["has_host_hist"] = (rows["host_n"] > 0).astype(float)
    f["l_ad_budget"] = np.log1p(rows["ad_budget_rc"])
    f["l_minutes"] = np.log(rows["minutes"])
    f["l_lineup"] = np.log(rows["n_lineup"])
    f["l_pinned"] = np.log1p(
        rows["pinned_minutes"].astype(float).fillna(rows["minutes"] / rows["n_lineup"])
    )
    f["l_price"] = np.log(rows["price_rc"].fillna(rows["price_rc"].median()).clip(lower=0.01))
    f["position_share"] = rows["position"].astype(float).fillna(1) / rows["n_lineup"]
    for m in markets[1:]:
        f[f"market_{m}"] = (rows["market"] == m).astype(float)
    for c in categories[1:]:
        f[f"cat_{c}"] = (rows["category"] == c).astype(float)
    for r in ROLES[1:]:
        f[f"role_{r}"] = (rows["role"] == r).astype(float)
    # signals that can be absent (no warm-up yet) stay NaN: the model fills in its training mean
    keep = ["lw_session_views"]
    f[f.columns.difference(keep)] = f[f.columns.difference(keep)].fillna(0.0)
    return f.to_numpy(float)


def _nll(theta: np.ndarray, x: np.ndarray, y: np.ndarray, cens: np.ndarray, ridge: float):
    """Tobit negative log-likelihood with right-censoring, its gradient, and a ridge on beta."""
    beta, log_s = theta[:-1], theta[-1]
    s = np.exp(log_s)
    z = (y - x @ beta) / s
    ll_obs = -0.5 * z[~cens] ** 2 - HALF_LOG_2PI - log_s
    ll_cen = special.log_ndtr(-z[cens])
    nll = -(ll_obs.sum() + ll_cen.sum()) + ridge * (beta[1:] @ beta[1:])
    # d nll / dz: z where observed, the normal hazard pdf/sf where censored
    a = np.where(cens, np.exp(-0.5 * z**2 - HALF_LOG_2PI - special.log_ndtr(-z)), z)
    g_beta = -(x.T @ a) / s
    g_beta[1:] += 2 * ridge * beta[1:]
    g_logs = -(a * z).sum() + (~cens).sum()
    return nll, np.append(g_beta, g_logs)


@dataclass
class Tobit:
    """Right-censored normal regression with a ridge penalty; features standardized inside."""

    ridge: float = 1.0
    coef_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sigma_: float = 1.0
    mean_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fill_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scale_: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def _x(self, x: np.ndarray) -> np.ndarray:
        x = np.where(np.isnan(x), self.fill_[None, :], x)
        return np.column_stack([np.ones(len(x)), (x - self.mean_) / self.scale_])

    def fit(
        self, x: np.ndarray, y: np.ndarray, censored: np.ndarray, start: np.ndarray | None = None
    ) -> Tobit:
        seen = ~np.isnan(x)
        self.fill_ = np.where(seen.any(0), np.nansum(x, 0) / np.maximum(seen.sum(0), 1), 0.0)
        x = np.where(seen, x, self.fill_[None, :])
        self.mean_ = x.mean(0)
        self.scale_ = np.where(x.std(0) > 1e-9, x.std(0), 1.0)
        xs = self._x(x)
        theta0 = (
            start
            if start is not None
            else np.append(np.append(y.mean(), np.zeros(xs.shape[1] - 1)), np.log(y.std() + 0.1))
        )
        res = optimize.minimize(
            _nll, theta0, args=(xs, y, censored.astype(bool), self.ridge), jac=True, method="BFGS"
        )
        self.coef_, self.sigma_ = res.x[:-1], float(np.exp(res.x[-1]))
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self._x(x) @ self.coef_


def local_scale(mu: np.ndarray, sigma: float) -> np.ndarray:
    """Residual scale on the log(1 + units) axis: model spread plus Poisson spread of a count
    (delta method: var log(1 + N) ~ 1 / (1 + E N))."""
    return np.sqrt(sigma**2 + 1.0 / (1.0 + np.expm1(np.maximum(mu, 0.0))))


def km_quantiles(r: np.ndarray, censored: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Quantiles of the Kaplan-Meier estimate of a right-censored sample; NaN where the
    estimate never reaches the level (censoring hides that tail)."""
    order = np.lexsort((censored, r))  # events before censorings at ties
    r, c = r[order], censored[order]
    at_risk = len(r) - np.arange(len(r))
    surv = np.cumprod(np.where(c, 1.0, 1.0 - 1.0 / at_risk))
    cdf = 1.0 - surv
    out = np.full(len(levels), np.nan)
    for k, q in enumerate(levels):
        hit = np.flatnonzero((cdf >= q - 1e-12) & ~c)
        if hit.size:
            out[k] = r[hit[0]]
    return out


GRID = (np.arange(200) + 0.5) / 200  # quantile levels every distribution is carried on


def residual_quantiles(r: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """Calibration residuals' quantiles on `GRID`: Kaplan-Meier where some are censored, and a
    tail that censoring hides continued with the normal shape beyond the last known level."""
    q = km_quantiles(r, censored, GRID)
    known = np.flatnonzero(~np.isnan(q))
    c = censored
    normal = stats.norm.ppf(GRID) * np.nanstd(r[~c]) if (~c).sum() > 2 else stats.norm.ppf(GRID)
    q = np.where(np.isnan(q), np.maximum(normal, q[known[-1]] if known.size else -np.inf), q)
    return np.maximum.accumulate(q)


@dataclass
class DemandForecaster:
    """Fit on past session x SKU rows (`history.add_history`), forecast demand quantiles for
    others. ``source_`` is ``"model"`` or ``"prior"`` (too little history to learn from).

    ``ridge`` (on standardized features) is strong on purpose: a brand has tens of past lives
    and warm-ups only for its top SKUs, so the signals are few and correlated. 250 was chosen
    on demo seeds 101-104 (pinball loss flat from 100 to 400), apart from the seeds
    `livecart stock evaluate` reports."""

    ridge: float = RIDGE
    folds: int = 10
    seed: int = 0
    markets_: list[str] = field(default_factory=list)
    offsets_: dict[str, dict[str, float]] = field(default_factory=dict)
    categories_: list[str] = field(default_factory=list)
    model_: Tobit | None = None
    resid_q_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    source_: str = "prior"
    n_sessions_: int = 0
    n_censored_: int = 0

    def fit(self, rows: pd.DataFrame) -> DemandForecaster:
        past = rows[rows["sold"].notna()]
        self.n_sessions_ = int(past["session_id"].nunique())
        self.n_censored_ = int(past["censored"].sum())
        if self.n_sessions_ < MIN_SESSIONS:
            self.source_, self.model_ = "prior", None
            return self
        self.markets_ = sorted(past["market"].dropna().unique())
        self.categories_ = sorted(past["category"].dropna().unique())
        self.offsets_ = warmup_offsets(past)
        x, y, c = self._xyc(past)
        self.model_ = Tobit(self.ridge).fit(x, y, c)
        self.resid_q_ = self._calibrate(past, x, y, c)
        self.source_ = "model"
        return self

    def _xyc(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = design(rows, self.markets_, self.categories_, self.offsets_)
        return x, np.log1p(rows["sold"].to_numpy(float)), rows["censored"].to_numpy(bool)

    def _calibrate(
        self, past: pd.DataFrame, x: np.ndarray, y: np.ndarray, c: np.ndarray
    ) -> np.ndarray:
        """Cross-conformal: each fold of sessions scored by the model fitted without it.

        Sold-out rows are scored on their projected demand (``demand_est``,
        `lostsales.add_lost_sales`): sales over the share of the SKU's exposure the stock-out
        left. Rows without one fall back to the Kaplan-Meier estimate of censored residuals."""
        sessions = past["session_id"].unique()
        fold_of = dict(
            zip(
                np.random.default_rng(self.seed).permutation(sessions),
                np.arange(len(sessions)) % self.folds,
                strict=True,
            )
        )
        fold = past["session_id"].map(fold_of).to_numpy()
        est = past["demand_est"] if "demand_est" in past else pd.Series(np.nan, past.index)
        projected = est.notna().to_numpy() & c
        y_cal = np.where(projected, np.log1p(est.to_numpy(float)), y)
        r = np.empty(len(y))
        warm = np.append(self.model_.coef_, np.log(self.model_.sigma_))
        for k in range(self.folds):
            test = fold == k
            m = Tobit(self.ridge).fit(x[~test], y[~test], c[~test], start=warm)
            mu = m.predict(x[test])
            r[test] = (y_cal[test] - mu) / local_scale(mu, m.sigma_)
        return residual_quantiles(r, c & ~projected)

    def quantiles(self, rows: pd.DataFrame, levels: np.ndarray = GRID) -> np.ndarray:
        """Demand quantiles (units), shape (rows, levels)."""
        levels = np.asarray(levels, float)
        if self.model_ is None:
            med, sd = prior_median(rows), PRIOR["default"]["log_sd"]
            return np.exp(np.log(med)[:, None] + sd * stats.norm.ppf(levels)[None, :])
        x = design(rows, self.markets_, self.categories_, self.offsets_)
        mu = self.model_.predict(x)
        scale = local_scale(mu, self.model_.sigma_)
        r = np.interp(levels, GRID, self.resid_q_)
        return np.maximum(np.expm1(mu[:, None] + scale[:, None] * r[None, :]), 0.0)


def prior_median(rows: pd.DataFrame) -> np.ndarray:
    """The no-history prior: a category rate per live hour, or the warm-up clicks at a fixed
    conversion when those say more."""
    rate = rows["category"].map(lambda c: PRIOR.get(c, PRIOR["default"])["units_per_hour"])
    base = rate.to_numpy(float) * rows["minutes"].to_numpy(float) / 60.0
    clicks = PRIOR_CLICK_CONVERSION * rows["w_clicks"].to_numpy(float)
    return np.maximum(np.maximum(base, clicks), 1.0)
