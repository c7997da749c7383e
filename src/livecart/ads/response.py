"""Phase response curves: adstock carry-over and Hill saturation, fitted with a bootstrap.

The model is the one marketing-mix models use (Jin et al. 2017, "Bayesian Methods for Media Mix
Modeling with Carryover and Shape Effects", Google): each phase's attributed GMV is a Hill curve of
its *effective* spend, and effective spend carries a share ``theta`` of the previous phase's spend
over (a geometric adstock with one lag across the phases of one session)::

    x_pre   = S_pre
    x_live  = S_live  + theta * S_pre
    x_close = S_close + theta * S_live
    GMV_k   = beta_k * x_k^s_k / (x_k^s_k + K_k^s_k) * exp(eps),   eps ~ N(0, sigma^2)

Parameters (10) are fitted jointly by nonlinear least squares on log GMV (scipy's trust-region
``least_squares``), which is the maximum-likelihood fit under multiplicative log-normal noise.
Uncertainty is a nonparametric bootstrap over sessions (Efron & Tibshirani 1993): each draw
refits on sessions resampled with replacement, warm-started from the full fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from livecart.ads.history import PHASES

N_PAR = 10  # log beta x3, log K x3, log s x3, logit theta


@dataclass(frozen=True)
class Curves:
    """Parameters of the three phase curves (USD): arrays in PHASES order."""

    beta: np.ndarray
    half_sat: np.ndarray
    shape: np.ndarray
    carryover: float

    @classmethod
    def from_vector(cls, v: np.ndarray) -> Curves:
        return cls(np.exp(v[0:3]), np.exp(v[3:6]), np.exp(v[6:9]), float(1 / (1 + np.exp(-v[9]))))

    def effective(self, spend: np.ndarray) -> np.ndarray:
        """(..., 3) spend per phase to effective spend per phase."""
        s = np.asarray(spend, float)
        x = s.copy()
        x[..., 1] += self.carryover * s[..., 0]
        x[..., 2] += self.carryover * s[..., 1]
        return x

    def response(self, spend: np.ndarray) -> np.ndarray:
        """(..., 3) expected (median) GMV per phase for spend per phase."""
        x = np.maximum(self.effective(spend), 0.0)
        xs = x**self.shape
        return self.beta * xs / (xs + self.half_sat**self.shape)

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {
            p: {
                "beta_usd": float(self.beta[i]),
                "half_sat_usd": float(self.half_sat[i]),
                "shape": float(self.shape[i]),
            }
            for i, p in enumerate(PHASES)
        } | {"carryover": {"value": self.carryover}}


def _arrays(hist: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    s = hist[[f"spend_{p}" for p in PHASES]].to_numpy(float)
    g = hist[[f"gmv_{p}" for p in PHASES]].to_numpy(float)
    return s, g


def _residuals(
    v: np.ndarray, s: np.ndarray, logg: np.ndarray, ok: np.ndarray, prior: np.ndarray
) -> np.ndarray:
    pred = Curves.from_vector(v).response(s)
    r = np.log(np.maximum(pred, 1e-9)) - logg
    # Weak priors as extra residuals keep the fit finite on thin data (shape near 1, carry-over
    # near 0.5, half-saturation near typical spend): a ridge towards neutral values that a
    # hundred sessions outweigh (a MAP fit rather than pure least squares).
    return np.concatenate([r[ok], PRIOR_W * (v - prior)])


PRIOR_W = 0.15


def _jacobian(
    v: np.ndarray, s: np.ndarray, logg: np.ndarray, ok: np.ndarray, prior: np.ndarray
) -> np.ndarray:
    """The residuals' exact derivatives in ``v``: one evaluation where a finite-difference
    Jacobian takes eleven (the fit's cost was ~8,000 curve evaluations per plan). With
    u = x^s, w = K^s, log GMV = log beta + log u - log(u + w), so d/d log K = -s w / (u + w),
    d/d log s = s w (log x - log K) / (u + w), and d/dx = s w / (x (u + w)) carries the
    carry-over through x_live = S_live + theta S_pre, x_close = S_close + theta S_live."""
    c = Curves.from_vector(v)
    x = np.maximum(c.effective(s), 0.0)
    safe = np.where(x > 0, x, 1.0)
    u, w = safe**c.shape, c.half_sat**c.shape
    q = w / (u + w)
    live = (c.beta * u / (u + w) >= 1e-9) & (x > 0)  # below the residuals' floor: flat
    n = len(s)
    jac = np.zeros((n, 3, N_PAR))
    k = np.arange(3)
    jac[:, k, k] = 1.0
    jac[:, k, 3 + k] = -c.shape * q
    jac[:, k, 6 + k] = c.shape * q * (np.log(safe) - np.log(c.half_sat))
    dx = np.zeros_like(x)
    dx[:, 1], dx[:, 2] = s[:, 0], s[:, 1]
    jac[:, :, 9] = c.shape * q / safe * dx * c.carryover * (1 - c.carryover)
    jac[~live] = 0.0
    return np.concatenate([jac[ok], PRIOR_W * np.eye(N_PAR)])


JACOBIAN = _jacobian  # "2-point" gives scipy's finite differences (the fit before issue #18)


def _start(s: np.ndarray, g: np.ndarray) -> np.ndarray:
    med_s = np.array([np.median(c[c > 0]) if (c > 0).any() else 100.0 for c in s.T])
    med_g = np.array([np.median(c[c > 0]) if (c > 0).any() else 100.0 for c in g.T])
    return np.concatenate([np.log(2 * med_g), np.log(med_s), np.zeros(3), [0.0]])


def _fit_vector(s: np.ndarray, g: np.ndarray, x0: np.ndarray, prior: np.ndarray) -> np.ndarray:
    ok = (s > 0) & (g > 0)
    logg = np.log(np.where(ok, g, 1.0))
    lo = np.concatenate([np.full(6, -5.0), np.log([0.3] * 3), [-6.0]])
    hi = np.concatenate([np.full(6, 16.0), np.log([5.0] * 3), [6.0]])
    res = least_squares(
        _residuals,
        np.clip(x0, lo + 1e-6, hi - 1e-6),
        jac=JACOBIAN,
        bounds=(lo, hi),
        args=(s, logg, ok, prior),
    )
    return res.x


@dataclass
class ResponseModel:
    """Settings in the constructor, ``fit(history)`` returns self; fitted state ends in ``_``.
    ``history`` is `livecart.ads.phase_history`'s frame (USD per session and phase)."""

    n_boot: int = 200
    seed: int = 0
    min_sessions: int = 20
    curves_: Curves | None = None
    draws_: list[Curves] = field(default_factory=list)
    sigma_: float = float("nan")
    n_sessions_: int = 0
    spend_range_: np.ndarray | None = None
    share_range_: np.ndarray | None = None
    total_range_: np.ndarray | None = None

    def fit(self, history: pd.DataFrame) -> ResponseModel:
        s, g = _arrays(history)
        self.n_sessions_ = len(s)
        if len(s) < 3:
            self.curves_, self.draws_ = None, []
            return self
        self.spend_range_ = np.quantile(s, [0.05, 0.95], axis=0)
        shares = s / np.maximum(s.sum(axis=1, keepdims=True), 1e-9)
        self.share_range_ = np.quantile(shares, [0.05, 0.95], axis=0)
        self.total_range_ = np.quantile(s.sum(axis=1), [0.05, 0.95])
        x0 = _start(s, g)
        v = _fit_vector(s, g, x0, x0)
        self.curves_ = Curves.from_vector(v)
        ok = (s > 0) & (g > 0)
        r = np.log(np.maximum(self.curves_.response(s), 1e-9)) - np.log(np.where(ok, g, 1.0))
        self.sigma_ = float(np.sqrt(np.mean(r[ok] ** 2)))
        rng = np.random.default_rng(self.seed)
        self.draws_ = []
        for _ in range(self.n_boot):
            i = rng.integers(0, len(s), len(s))
            self.draws_.append(Curves.from_vector(_fit_vector(s[i], g[i], v, x0)))
        return self

    @property
    def thin(self) -> bool:
        return self.curves_ is None or self.n_sessions_ < self.min_sessions

    def band(self, spend: np.ndarray, level: float = 0.9) -> tuple[np.ndarray, ...]:
        """Point curve and the bootstrap band at ``level`` for spend per phase (..., 3)."""
        d = np.stack([c.response(spend) for c in self.draws_]) if self.draws_ else None
        mid = self.curves_.response(spend)
        if d is None:
            return mid, mid, mid
        a = (1 - level) / 2
        return mid, np.quantile(d, a, axis=0), np.quantile(d, 1 - a, axis=0)

    def summary(self, level: float = 0.9) -> pd.DataFrame:
        """Each parameter's estimate and bootstrap interval."""
        rows = []
        a = (1 - level) / 2
        for name, get in _PARAMS:
            est = get(self.curves_)
            d = np.array([get(c) for c in self.draws_]) if self.draws_ else np.array([est])
            lo, hi = np.quantile(d, [a, 1 - a])
            rows.append({"parameter": name, "estimate": est, "low": lo, "high": hi})
        return pd.DataFrame(rows)


_PARAMS = [
    *[(f"beta_usd.{p}", lambda c, i=i: float(c.beta[i])) for i, p in enumerate(PHASES)],
    *[(f"half_sat_usd.{p}", lambda c, i=i: float(c.half_sat[i])) for i, p in enumerate(PHASES)],
    *[(f"shape.{p}", lambda c, i=i: float(c.shape[i])) for i, p in enumerate(PHASES)],
    ("carryover", lambda c: c.carryover),
]


def fit_response(history: pd.DataFrame, n_boot: int = 200, seed: int = 0) -> ResponseModel:
    """Fit the phase response curves with a bootstrap of ``n_boot`` draws."""
    return ResponseModel(n_boot=n_boot, seed=seed).fit(history)
