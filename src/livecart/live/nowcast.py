"""Nowcast of a session's final GMV and orders, each minute, with an 80% interval.

Method: for each minute m, a ridge-regularised linear regression on the log scale,
log1p(final) ~ log1p(GMV, orders, entries so far) + log1p(viewers online) + log(planned / m),
fitted on the workspace's past sessions; the interval is CV+ (Barber, Candes, Ramdas & Tibshirani,
"Predictive inference with the jackknife+", Annals of Statistics 2021) with signed residuals:
K models, each fitted without one fold, give out-of-fold residuals r_i, and for a new session the
10% and 90% quantiles of {f_-k(i)(x) + r_i} bound the 80% interval (the median is the point).
Scores are normalised (Lei, G'Sell, Rinaldo, Tibshirani & Wasserman, "Distribution-free
predictive inference for regression", JASA 2018): residuals are divided by a spread fitted as
log |residual| ~ the same features, so sessions with more of the live still ahead get wider
intervals. The lower end never goes below what is already sold.

Currencies are never mixed: GMV is only comparable within a currency, so each currency has its
own intercept (a fixed effect: with log GMV on both sides, rescaling one currency's money moves
only its own intercept, so the fit does not depend on exchange rates), and a session is nowcast
only when its currency has at least ``min_per_currency`` past sessions. The slopes (how the
final depends on the GMV, orders, audience so far and the time left) are shared by all.

The naive baseline extrapolates the GMV so far linearly to the planned length: gmv_m * T / m.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from livecart.errors import LivecartError
from livecart.live.history import History

TARGETS = ("gmv", "orders")


def features(
    cum: dict[str, np.ndarray],
    viewers: np.ndarray,
    planned: np.ndarray,
    m: int,
    onehot: np.ndarray | None = None,
) -> np.ndarray:
    """Design matrix at minute m from cumulative values after m minutes; ``onehot`` (n x
    currencies) adds each currency's own intercept."""
    cols = [
        np.ones(len(planned)),
        np.log1p(cum["gmv"]),
        np.log1p(cum["orders"]),
        np.log1p(cum["entries"]),
        np.log1p(np.nan_to_num(viewers)),
        np.log(np.maximum(planned, m) / m),
    ]
    if onehot is not None:
        cols += list(onehot.T)
    return np.column_stack(cols)


def one_hot(currency: np.ndarray, currencies: tuple[str, ...]) -> np.ndarray:
    return (np.asarray(currency, dtype=object)[:, None] == np.array(currencies)[None, :]).astype(
        float
    )


def history_at(
    h: History, m: int, currencies: tuple[str, ...] = ()
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Features of past sessions after m minutes, and their finals."""
    cum = {k: h.per_minute[k][:, :m].sum(axis=1) for k in ("gmv", "orders", "entries")}
    v = h.viewers[:, m - 1] if h.viewers.shape[1] >= m else np.zeros(len(h))
    planned = h.meta["planned_minutes"].to_numpy(dtype=float)
    finals = {t: h.final(t) for t in TARGETS}
    onehot = one_hot(h.meta["currency"].to_numpy(), currencies) if currencies else None
    return features(cum, v, planned, m, onehot), finals


def _ridge(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    pen = lam * np.eye(x.shape[1])
    pen[0, 0] = 0.0  # the intercept is not shrunk
    return np.linalg.solve(x.T @ x + pen, x.T @ y)


@dataclass
class MinuteModel:
    """CV+ fold models for one minute and one target."""

    coefs: np.ndarray  # folds x features
    fold_of: np.ndarray  # fold of each training session
    resid: np.ndarray  # out-of-fold residuals, log scale, divided by the spread at x_i
    spread: np.ndarray  # coefficients of log |residual| ~ features

    def scale(self, x: np.ndarray) -> np.ndarray:
        return np.exp(x @ self.spread)

    def predict(self, x: np.ndarray, level: float = 0.8) -> np.ndarray:
        """(n, 3): lower, point, upper on the original scale."""
        preds = x @ self.coefs.T  # n x folds
        cloud = preds[:, self.fold_of] + self.scale(x)[:, None] * self.resid[None, :]
        a = (1 - level) / 2
        q = np.quantile(cloud, [a, 0.5, 1 - a], axis=1).T
        return np.expm1(q)


@dataclass
class Nowcaster:
    """``fit(history)`` then ``predict(m, so_far, ..., currency=)``. ``folds`` for CV+, ``lam``
    the ridge; ``currencies_``: the currencies with enough history to be nowcast."""

    folds: int = 10
    lam: float = 1.0
    min_sessions: int = 20
    min_per_currency: int = 5
    normalise: bool = False
    seed: int = 0
    history_: History | None = None
    currencies_: tuple[str, ...] = ()
    models_: dict[tuple[int, str], MinuteModel | None] = field(default_factory=dict)

    def fit(self, history: History) -> Nowcaster:
        """Keep the sessions whose currency has ``min_per_currency`` past sessions or more."""
        cur = history.meta["currency"]
        counts = cur.dropna().value_counts()
        self.currencies_ = tuple(sorted(counts.index[counts >= self.min_per_currency]))
        self.history_ = history.subset(cur.isin(self.currencies_).to_numpy())
        self.models_ = {}
        return self

    def why_not(self, currency: str | None) -> str | None:
        """Why a session in ``currency`` gets no nowcast, or None when it can get one."""
        if currency is None:
            return "the session's currency is unknown"
        if currency not in self.currencies_:
            return (
                f"fewer than {self.min_per_currency} past sessions in {currency} "
                f"(GMV in other currencies is not comparable)"
            )
        return None

    def model(self, m: int, target: str) -> MinuteModel | None:
        """The model for minute m (fitted on first use; None when too few sessions)."""
        key = (m, target)
        if key not in self.models_:
            self.models_[key] = self._fit_minute(m, target)
        return self.models_[key]

    def _fit_minute(self, m: int, target: str) -> MinuteModel | None:
        h = self.history_
        if h is None or m < 1:
            return None
        # only sessions that were still running at minute m teach the minute-m model
        alive = h.meta["minutes"].to_numpy() >= m
        if alive.sum() < self.min_sessions:
            return None
        x, finals = history_at(h.subset(alive), m, self.currencies_)
        y = np.log1p(finals[target])
        k = min(self.folds, len(y))
        fold_of = np.random.default_rng(self.seed).permutation(len(y)) % k
        coefs = np.empty((k, x.shape[1]))
        resid = np.empty(len(y))
        for f in range(k):
            tr = fold_of != f
            coefs[f] = _ridge(x[tr], y[tr], self.lam)
            resid[~tr] = y[~tr] - x[~tr] @ coefs[f]
        # normalised conformal scores (Lei et al. 2018): a session with more of its live still
        # ahead is less certain, so residuals are divided by a fitted spread
        spread = (
            np.zeros(x.shape[1])
            if not self.normalise
            else _ridge(x, np.log(np.abs(resid) + 1e-3), self.lam)
        )
        return MinuteModel(coefs, fold_of, resid / np.exp(x @ spread), spread)

    def predict(
        self,
        m: int,
        so_far: dict[str, float],
        viewers: float,
        planned: float,
        *,
        currency: str | None,
    ) -> dict[str, tuple[float, float, float]] | None:
        """Final GMV and orders after m minutes: {target: (lower, point, upper)}; None when
        there is too little history (in the session's currency: see ``why_not``)."""
        if self.why_not(currency) is not None:
            return None
        out = {}
        cum = {k: np.array([float(so_far.get(k, 0.0))]) for k in ("gmv", "orders", "entries")}
        onehot = one_hot(np.array([currency], dtype=object), self.currencies_)
        x = features(cum, np.array([viewers]), np.array([float(planned)]), m, onehot)
        for t in TARGETS:
            mod = self.model(m, t)
            if mod is None:
                return None
            lo, mid, hi = mod.predict(x)[0]
            floor = float(so_far.get(t, 0.0))
            out[t] = (max(lo, floor), max(mid, floor), max(hi, floor))
        return out


def baseline(gmv_so_far: np.ndarray, m: int, planned: np.ndarray) -> np.ndarray:
    """Naive nowcast: the GMV so far extrapolated linearly to the planned length."""
    return gmv_so_far * np.maximum(planned, m) / m


def evaluate(
    train: History,
    test: History,
    minutes: tuple[int, ...] = (15, 30, 60),
    nowcaster: Nowcaster | None = None,
) -> list[dict[str, float]]:
    """MdAPE of the nowcast and of the baseline, and the 80% interval's coverage, for final GMV
    on held-out sessions at each minute (sessions still running at that minute, in a currency
    the training history has enough sessions of). Raises LivecartError when no minute can be
    evaluated, saying how many sessions it needs and has."""
    nc = (nowcaster or Nowcaster()).fit(train)
    out = []
    known = test.meta["currency"].isin(nc.currencies_).to_numpy()
    for m in minutes:
        alive = (test.meta["minutes"].to_numpy() >= m) & known
        t = test.subset(alive)
        mod = nc.model(m, "gmv")
        if mod is None or not len(t):
            continue
        x, finals = history_at(t, m, nc.currencies_)
        final = finals["gmv"]
        so_far = t.per_minute["gmv"][:, :m].sum(axis=1)
        band = mod.predict(x)
        lo, mid, hi = (np.maximum(band[:, i], so_far) for i in range(3))
        base = baseline(so_far, m, t.meta["planned_minutes"].to_numpy(dtype=float))
        ok = final > 0
        out.append(
            {
                "minute": m,
                "sessions": int(ok.sum()),
                "mdape": float(np.median(np.abs(mid - final)[ok] / final[ok])),
                "baseline_mdape": float(np.median(np.abs(base - final)[ok] / final[ok])),
                "coverage_80": float(np.mean((final >= lo) & (final <= hi))),
            }
        )
    if not out:
        raise LivecartError(_too_little(nc, train, test, min(minutes), known))
    return out


def _too_little(nc: Nowcaster, train: History, test: History, m: int, known: np.ndarray) -> str:
    h = nc.history_
    usable = 0 if h is None else int((h.meta["minutes"].to_numpy() >= m).sum())
    held = int(((test.meta["minutes"].to_numpy() >= m) & known).sum())
    return (
        f"too little history to evaluate the nowcast: it needs {nc.min_sessions} past sessions "
        f"running to minute {m} (in a currency with {nc.min_per_currency} or more) and at least "
        f"1 held-out session; it has {usable} of {len(train)} training sessions and {held} of "
        f"{len(test)} held-out ones"
    )
