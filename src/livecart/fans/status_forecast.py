"""Expected repeat purchases when buyers can still follow or join the fan club.

The BG/NBD's covariates are time-invariant (Fader and Hardie 2007): a forecast with each buyer's
status at the cutoff assumes nobody joins afterwards. When joins happen at purchases (a buyer
follows or joins the fan club when she buys), the buyers who buy in the forecast window join,
buy faster and drop out less, and the status-at-cutoff forecast falls short: on the demo's
39-week holdout by about 6% of all repeat purchases (`livecart.evaluation.fans_holdout`).

Here the joins are a chance at each purchase, estimated from the calibration data by status
(none, follower, fan club) and whether the buyer has joined late already (`join_chances`). The
forecast draws each buyer's purchase rate and dropout from her BG/NBD posterior given her history
and status (alive with P(alive); ``lambda ~ Gamma(r + x, alpha_i + T)``, ``p ~ Beta(a, b_i + x)``)
and simulates her purchases over the horizon; a join moves the rate by the fitted rate
multipliers' ratio and the dropout to the same Beta quantile under the new status's ``b_i``.
A buyer who joined before the cutoff bought at a lower rate before: her ``t_x`` and ``T`` are
replaced by the exposure at her rate now (`_exposure`), which is exact for the rate (a history
read wholly under the status now understates it: -8% on such buyers' holdout purchases).
Her dropout coins before the join fell under the old status: `DropoutGrid` holds her posterior
on a grid of her latent Beta quantile (the same quantile under each status, as in the demo's
simulator). Assumptions: joins happen only at purchases and depend on nothing but status and
whether she joined late already (the demo's simulator joins this way).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logsumexp

from livecart.fans.bgnbd import BetaGeoModel
from livecart.fans.purchases import Purchases

STATUSES = ("none", "follower", "fan_club")
_JOIN_TOLERANCE_DAYS = 1 / 24  # a join within the hour after an order was made at it


@dataclass(frozen=True)
class JoinChances:
    """``chance[s, late, s2]``: chance that a purchase by a buyer of status ``s`` (``late``: has
    joined after her first purchase already) moves her to status ``s2 > s``; ``purchases``
    counts the purchases each row was estimated on."""

    chance: np.ndarray  # (3, 2, 3)
    purchases: np.ndarray  # (3, 2)


def join_chances(p: Purchases, cutoff_day: int | None = None) -> JoinChances:
    """Joins per repeat purchase before ``cutoff_day``, by status before the purchase."""
    cutoff = p.end_day if cutoff_day is None else cutoff_day
    b = p.buyers.set_index("buyer_id")
    exact = p.orders is not None and "follow_t" in b
    if exact:
        d, unit, tol = p.orders.rename(columns={"t": "time"}), "t", _JOIN_TOLERANCE_DAYS
    else:
        d, unit, tol = p.days.assign(time=p.days["day"].astype(float)), "day", 0.0
    d = d[d["time"] < cutoff].sort_values(["buyer_id", "time"])
    first = d.groupby("buyer_id")["time"].transform("min")
    d = d[d["time"] > first]
    rows = b.reindex(d["buyer_id"])
    t = d["time"].to_numpy()
    entry_f = (rows["follow_day"] <= rows["first_day"]).to_numpy()
    entry_c = (rows["fan_club_day"] <= rows["first_day"]).to_numpy()
    jf, jc = rows[f"follow_{unit}"].to_numpy(), rows[f"fan_club_{unit}"].to_numpy()
    with np.errstate(invalid="ignore"):
        club = entry_c | (jc < t)
        follow = entry_f | (jf < t)
        late = (~entry_f & (jf < t)) | (~entry_c & (jc < t))
        hit_c = ~entry_c & (jc >= t) & (jc - t <= tol)
        hit_f = ~entry_f & (jf >= t) & (jf - t <= tol)
    status = np.where(club, 2, np.where(follow, 1, 0))
    new = np.where(hit_c & (status < 2), 2, np.where(hit_f & (status < 1), 1, status))
    counts = np.zeros((3, 2, 3))
    np.add.at(counts, (status, late.astype(int), new), 1.0)
    n = counts.sum(axis=2)
    chance = counts / np.maximum(n, 1)[..., None]
    for s in range(3):
        chance[s, :, s] = 0.0  # staying is the remainder
    return JoinChances(chance, n)


def expected_purchases_with_joins(
    model: BetaGeoModel,
    t: float | np.ndarray,
    h: pd.DataFrame,
    chances: JoinChances,
    *,
    draws: int = 40,
    seed: int = 0,
) -> np.ndarray:
    """E[purchases in (T, T + t]] of each buyer in ``h`` (`buyer_histories` columns ``x``,
    ``t_x``, ``T``, ``follower_now``, ``fan_club_now`` and, for the late flag, ``follower`` and
    ``fan_club`` at entry), averaged over ``draws`` simulated futures a buyer. With an
    increasing array of horizons ``t``, one row a horizon from the same simulated futures."""
    steps = np.atleast_1d(np.asarray(t, float))
    rng = np.random.default_rng(seed)
    status = _status(h, "_now")
    late = (status != _status(h, "")).astype(int)
    rate, b_s = _by_status(model)
    x = h["x"].to_numpy(float)
    t_x, T = (_exposure(h, h[c].to_numpy(float), rate, status) for c in ("t_x", "T"))
    z = _z(model, status)
    n = len(x)
    r, alpha, a, b = model._individual(None, z, n)
    alpha = np.broadcast_to(alpha, n)
    alive_p = model.p_alive(x, t_x, T, z)
    grid = DropoutGrid(a, b_s)
    moved = np.flatnonzero(late.astype(bool) & h["x_before_join"].notna().to_numpy())
    dead_odds = ((alpha + T) / (alpha + t_x))[moved] ** (r + x[moved])
    old = _status_before_join(h.iloc[moved])
    n_old = h["x_before_join"].to_numpy()[moved]
    alive_p[moved], post = grid.posterior(old, status[moved], x[moved], n_old, dead_odds)
    idx = np.repeat(np.arange(n), draws)
    alive = rng.random(len(idx)) < alive_p[idx]
    path = idx[alive]
    lam = rng.gamma(r + x[path], 1 / (alpha[path] + T[path]))
    drop = rng.beta(a, np.broadcast_to(b, n)[path] + x[path])
    row = np.full(n, -1)
    row[moved] = np.arange(len(moved))
    on_grid = row[path] >= 0
    drop[on_grid] = grid.draw(rng, post[row[path][on_grid]], status[path][on_grid])
    st, lt = status[path].copy(), late[path].copy()
    lam = lam / rate[st]  # the rate a non-follower would have
    clock = np.zeros(len(path))
    bought = []  # each purchase as its first horizon * n + buyer, counted once at the end
    live = np.arange(len(path))
    while len(live):
        clock[live] += rng.exponential(1 / np.maximum(lam[live] * rate[st[live]], 1e-12))
        live = live[clock[live] < steps[-1]]
        # a purchase counts in every horizon past it: added at the first, summed below
        bought.append(np.searchsorted(steps, clock[live], "right") * n + path[live])
        moved = _join(rng, chances, st, lt, live)
        if len(moved):
            old = st[moved]
            st[moved] = _new_status(rng, chances, old, lt[moved])
            lt[moved] = 1
            q = stats.beta.cdf(drop[moved], a, b_s[old])
            drop[moved] = stats.beta.ppf(q, a, b_s[st[moved]])
        live = live[rng.random(len(live)) >= drop[live]]
    counts = np.bincount(np.concatenate([np.zeros(0, np.int64), *bought]), minlength=len(steps) * n)
    out = np.cumsum(counts.reshape(len(steps), n).astype(float), axis=0) / draws
    return out if np.ndim(t) else out[0]


class DropoutGrid:
    """The dropout posterior of a buyer whose status changed at a repeat purchase, on a grid of
    her latent Beta quantile ``u`` (her dropout is ``F^-1(u; a, b_s)`` under status ``s``): the
    coins after the ``n_old`` purchases before the join fell under the old status, the rest
    under the new one. Exact up to the grid (256 quantiles); with no change it equals the
    closed form (A.10) to 1e-3 (tested)."""

    def __init__(self, a: float, b_s: np.ndarray, size: int = 256) -> None:
        u = (np.arange(size) + 0.5) / size
        self.p = np.array([stats.beta.ppf(u, a, bs) for bs in b_s])  # (status, size)

    def posterior(self, old, now, x, n_old, dead_odds) -> tuple[np.ndarray, np.ndarray]:
        """P(alive) and the grid weights of ``u`` given alive, one row per buyer. ``dead_odds``
        is the rate part of the dead-after-the-last-purchase branch over the alive one."""
        po, pn = self.p[old], self.p[now]
        n_new = np.maximum(x - n_old - 1, 0)[:, None]
        common = n_old[:, None] * np.log1p(-po) + n_new * np.log1p(-pn)
        log_alive = common + np.log1p(-pn)
        log_dead = common + np.log(pn) + np.log(dead_odds)[:, None]
        alive = logsumexp(log_alive, axis=1)
        p_alive = np.exp(alive - np.logaddexp(alive, logsumexp(log_dead, axis=1)))
        return p_alive, np.exp(log_alive - alive[:, None])

    def draw(self, rng, weights: np.ndarray, status: np.ndarray) -> np.ndarray:
        """One dropout probability a row, drawn from its grid weights under ``status``."""
        k = (rng.random(len(weights))[:, None] > np.cumsum(weights, axis=1)).sum(axis=1)
        return self.p[status, np.minimum(k, self.p.shape[1] - 1)]


def _status_before_join(h: pd.DataFrame) -> np.ndarray:
    """Status just before the latest late join."""
    f, c = (np.nan_to_num(h[k].to_numpy(float), nan=-np.inf) for k in ("follow_w", "club_w"))
    last = np.maximum(f, c)
    before_f, before_c = np.isfinite(f) & (f < last), np.isfinite(c) & (c < last)
    return np.maximum.reduce([_status(h, ""), before_f.astype(int), 2 * before_c.astype(int)])


def _exposure(h: pd.DataFrame, u: np.ndarray, rate: np.ndarray, now: np.ndarray) -> np.ndarray:
    """Weeks from the first purchase to ``u`` at the status-now rate that hold as many expected
    purchases as the buyer's actual statuses over them (exact for the rate; the dropout is read
    under the status now). Equals ``u`` for a buyer whose status has not changed."""
    s0 = _status(h, "")
    f, c = (np.nan_to_num(h[k].to_numpy(float), nan=np.inf) for k in ("follow_w", "club_w"))
    a1 = np.minimum(np.minimum(f, c), u)
    a2 = np.minimum(c, u)
    held = a1 * rate[s0] + np.maximum(a2 - a1, 0) * rate[np.maximum(s0, 1)]
    held += np.maximum(u - c, 0) * rate[2]
    return held / rate[now]


def _join(rng, chances: JoinChances, st, lt, live) -> np.ndarray:
    stay = 1 - chances.chance.sum(axis=2)
    return live[rng.random(len(live)) >= stay[st[live], lt[live]]]


def _new_status(rng, chances: JoinChances, old, lt) -> np.ndarray:
    c = chances.chance[old, lt]  # (m, 3)
    cum = np.cumsum(c, axis=1) / c.sum(axis=1, keepdims=True)
    return (rng.random(len(old))[:, None] > cum).sum(axis=1)


def _status(h: pd.DataFrame, suffix: str) -> np.ndarray:
    club = h[f"fan_club{suffix}"].to_numpy() > 0
    return np.where(club, 2, np.where(h[f"follower{suffix}"].to_numpy() > 0, 1, 0))


def _z(model: BetaGeoModel, status: np.ndarray) -> np.ndarray | None:
    if not model.covariates:
        return None
    names = np.array(STATUSES)[status]
    return np.column_stack([names == c for c in model.covariates]).astype(float)


def _by_status(model: BetaGeoModel) -> tuple[np.ndarray, np.ndarray]:
    """Purchase-rate multiplier and Beta ``b`` of each status under the fitted model."""
    z = _z(model, np.arange(3))
    _, alpha, _, b = model._individual(None, z, 3)
    alpha0 = model.params_["alpha"]
    return alpha0 / np.broadcast_to(alpha, 3), np.broadcast_to(b, 3).astype(float)
