"""Buyers and their repeat purchases.

Every buyer enters with a first order (in a live or from a video). Repeat purchases then follow
the BG/NBD process of Fader, Hardie and Lee (2005): while alive a buyer purchases at rate
``lambda ~ Gamma(r, alpha)`` per week, and after each repeat purchase drops out with probability
``p ~ Beta(a, b)``. Following the brand multiplies lambda by the follower factor, joining the fan
club by the fan-club factor (`FANS`); their dropout probability is ``Beta(a, b_s)`` with
``b_s = (a + b) / dropout_mult - a`` (the same quantile of the buyer's latent draw), so the mean
dropout is ``dropout_mult`` times a non-fan's: the BG/NBD covariate form of Fader and Hardie (2007).

Selection (`LATE_JOIN`): at each repeat purchase a non-follower may follow, and a follower (from the
first purchase) may join the fan club, with a fixed chance; at most one late join a buyer. Heavier
buyers buy more often, so they join more often: a plain fan-vs-non-fan comparison mixes this
selection with the causal multipliers. Given the purchases so far the join is a coin flip, so buyers
with the same history before the join are a fair comparison (what `livecart.fans` uplift assumes).
Joins come from their own random stream. The true effect on the joiners (expected purchases in the
13 weeks after joining, with and without the new status, given each joiner's latent rate and
dropout) goes into ``truth.json``.

The value of each repeat
order is Gamma-Gamma (Fader and Hardie 2013; Colombo and Jiang 1999): ``z ~ Gamma(p, nu)`` with
``nu ~ Gamma(q, gamma)``, in USD, converted at the week's rate. Repeat orders go through the shop
tab (channel ``shop``), one line each.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from scipy import stats

from livecart.demo.world import DAYS, MARKET_CODES, MARKETS, PRICE_DECIMALS, START, World

BGNBD = {"r": 0.5, "alpha": 3.0, "a": 0.9, "b": 2.7, "time_unit": "week"}
GAMMA_GAMMA = {
    "p": 6.0,
    "q": 4.0,
    "gamma": 10.0,
    "currency": "USD at US prices (times the market's price level, then FX)",
}
FANS = {
    "follower": {"rate_mult": 1.5, "dropout_mult": 0.7},
    "fan_club": {"rate_mult": 2.2, "dropout_mult": 0.5},
}
LATE_JOIN = {
    "follow_per_repeat": 0.10,
    "fan_club_per_repeat": 0.10,
    "uplift_window_weeks": 13,
    "note": "at each repeat purchase a non-follower follows, a follower joins the fan club, "
    "with these chances (at most one late join a buyer); the new status applies from that "
    "purchase on (dropout after it too)",
}
END = START + dt.timedelta(days=DAYS)
_STATUS = ("none", "follower", "fan_club")


class JoinTruth:
    """True effect of late joins on the joiners, summed over the chunks of a build."""

    def __init__(self) -> None:
        self.sums = {k: {"with": 0.0, "without": 0.0, "joins": 0} for k in _STATUS[1:]}

    def add(self, kind: str, with_status: np.ndarray, without: np.ndarray) -> None:
        self.sums[kind]["with"] += float(with_status.sum())
        self.sums[kind]["without"] += float(without.sum())
        self.sums[kind]["joins"] += len(with_status)

    def truth(self) -> dict:
        out: dict = {"window_weeks": LATE_JOIN["uplift_window_weeks"]}
        for kind, s in self.sums.items():
            ratio = s["with"] / s["without"] if s["without"] else float("nan")
            out[kind] = {
                "uplift": ratio - 1,
                "joins": s["joins"],
                "definition": "sum over joins with a full window of E[purchases in the window "
                "| joined] / E[... | not joined] - 1, given each joiner's latent rate and dropout",
            }
        return out


def buyers_table(first: pd.DataFrame) -> pd.DataFrame:
    """``first``: buyer_id, market, first_at, followed_at, fan_club_joined_at (naive UTC)."""
    return pd.DataFrame(
        {
            "buyer_id": first["buyer_id"],
            "market": first["market"],
            "first_seen_at": first["first_at"],
            "followed_at": first["followed_at"],
            "fan_club_joined_at": first["fan_club_joined_at"],
        }
    )


def repeat_orders(
    w: World, first: pd.DataFrame, salt: int, joins: JoinTruth | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Repeat order lines for one chunk of buyers (``salt`` keeps chunks' draws apart), and
    ``first`` with the follow and fan-club times of buyers who joined at a repeat purchase."""
    rng = np.random.default_rng([w.seed, 7, salt])
    late = np.random.default_rng([w.seed, 7, salt, 13])  # the joins' own stream
    n = len(first)
    status = first["followed_at"].notna().to_numpy().astype(np.int64)
    status[first["fan_club_joined_at"].notna().to_numpy()] = 2
    lam = rng.gamma(BGNBD["r"], 1 / BGNBD["alpha"], n)
    u_p = rng.random(n)
    nu = rng.gamma(GAMMA_GAMMA["q"], 1 / GAMMA_GAMMA["gamma"], n)
    end = pd.Timestamp(END).tz_localize(None)
    t0 = first["first_at"].to_numpy()
    horizon = (end - first["first_at"]).dt.total_seconds().to_numpy() / (7 * 86400)
    buyers = _Latent(lam, _dropout_table(u_p), status)
    who, when, joined = _bgnbd_times(rng, late, buyers, horizon, joins)
    z_usd = rng.gamma(GAMMA_GAMMA["p"], 1 / nu[who])
    created = pd.Series(t0[who]) + pd.to_timedelta(when * 7 * 86400, unit="s")
    created = created.dt.round("ms")
    first = _with_joins(first, who, joined, created)
    return _lines(w, rng, first.iloc[who], created, z_usd, salt), first


def repeat_times(
    seed: int, first_weeks: np.ndarray, status: np.ndarray, end_weeks: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The buyers' process alone, for holdouts longer than the demo: repeat purchase times
    (weeks since the demo's start) of buyers first seen at ``first_weeks`` with entry
    ``status`` (0 none, 1 follower, 2 fan club), up to ``end_weeks``, with the same BG/NBD,
    multipliers and late joins as `repeat_orders` (own streams, so the demo's draws are
    untouched). Returns who, when, and per late join (event index, new status)."""
    rng = np.random.default_rng([seed, 7, 7800])
    late = np.random.default_rng([seed, 7, 7800, 13])
    n = len(first_weeks)
    lam = rng.gamma(BGNBD["r"], 1 / BGNBD["alpha"], n)
    buyers = _Latent(lam, _dropout_table(rng.random(n)), np.asarray(status, np.int64).copy())
    first = np.asarray(first_weeks, float)
    who, when, joined = _bgnbd_times(rng, late, buyers, end_weeks - first, None)
    return who, first[who] + when, joined


class _Latent:
    """Each buyer's latent rate, dropout by status, and current status."""

    def __init__(self, lam0: np.ndarray, dropout: np.ndarray, status: np.ndarray) -> None:
        self.rate_mult = np.array([1.0] + [FANS[k]["rate_mult"] for k in _STATUS[1:]])
        self.lam0, self.dropout, self.status = lam0, dropout, status
        self.can_join = np.ones(len(lam0), bool)  # one late join a buyer at most

    def lam(self, idx: np.ndarray) -> np.ndarray:
        return self.lam0[idx] * self.rate_mult[self.status[idx]]

    def p(self, idx: np.ndarray) -> np.ndarray:
        return self.dropout[idx, self.status[idx]]


def _dropout_table(u: np.ndarray) -> np.ndarray:
    """Dropout probability of each buyer (one latent quantile) under each status."""
    a, b = BGNBD["a"], BGNBD["b"]
    cols = [stats.beta.ppf(u, a, b)]
    for k in _STATUS[1:]:
        cols.append(stats.beta.ppf(u, a, (a + b) / FANS[k]["dropout_mult"] - a))
    return np.column_stack(cols)


def _bgnbd_times(rng, late, buyers: _Latent, horizon, joins: JoinTruth | None):
    """Repeat purchase times (weeks after the first order) of every buyer, vectorised by round;
    joins at a purchase change the rate and dropout from then on. Returns who, when, and for
    each join the index of the purchase it happened at."""
    who, when, joined = [], [], []
    alive = np.arange(len(buyers.lam0))
    t = np.zeros(len(alive))
    chance = np.array([LATE_JOIN["follow_per_repeat"], LATE_JOIN["fan_club_per_repeat"], 0.0])
    window = LATE_JOIN["uplift_window_weeks"]
    count = 0
    while len(alive):
        t[alive] += rng.exponential(1 / np.maximum(buyers.lam(alive), 1e-12))
        alive = alive[t[alive] < horizon[alive]]
        who.append(alive)
        when.append(t[alive])
        up = alive[late.random(len(alive)) < chance[buyers.status[alive]]]
        up = up[buyers.can_join[up]]
        buyers.can_join[up] = False
        if len(up):
            full = up[t[up] + window <= horizon[up]]
            before = buyers.lam(full), buyers.p(full)
            buyers.status[up] += 1
            joined.append(np.column_stack([count + np.searchsorted(alive, up), buyers.status[up]]))
            if joins is not None:
                for k in (1, 2):
                    sel = buyers.status[full] == k
                    after = buyers.lam(full[sel]), buyers.p(full[sel])
                    joins.add(
                        _STATUS[k],
                        _expected_after(*after, window),
                        _expected_after(before[0][sel], before[1][sel], window),
                    )
        count += len(alive)
        alive = alive[rng.random(len(alive)) >= buyers.p(alive)]
    empty = np.zeros((0, 2), np.int64)
    return np.concatenate(who), np.concatenate(when), np.concatenate(joined or [empty])


def _expected_after(lam: np.ndarray, p: np.ndarray, weeks: float) -> np.ndarray:
    """E[purchases in the next ``weeks`` | a purchase now]: drop out now with p, else purchases
    until the dropout clock (rate lam p) runs out: (1 - p)(1 - exp(-lam p weeks)) / p."""
    return (1 - p) * (1 - np.exp(-lam * p * weeks)) / p


def _with_joins(
    first: pd.DataFrame, who: np.ndarray, joined: np.ndarray, created: pd.Series
) -> pd.DataFrame:
    """Set followed_at / fan_club_joined_at of buyers who joined at a repeat purchase (two
    minutes after it)."""
    if not len(joined):
        return first
    first = first.copy()
    at = created.to_numpy()[joined[:, 0]] + np.timedelta64(2, "m")
    for k, col in ((1, "followed_at"), (2, "fan_club_joined_at")):
        sel = joined[:, 1] == k
        pos = who[joined[sel, 0]]
        values = first[col].to_numpy().copy()
        values[pos] = at[sel]
        first[col] = values
    return first


def _lines(w: World, rng, buyers: pd.DataFrame, created: pd.Series, z_usd, salt: int):
    n = len(buyers)
    mk = pd.Series(buyers["market"].to_numpy()).map({c: i for i, c in enumerate(MARKET_CODES)})
    mk = mk.to_numpy()
    sku = np.empty(n, np.int64)
    for m in range(len(MARKETS)):
        sel = np.flatnonzero(mk == m)
        wts = np.exp(w.fit[:, m]) * w.carried[:, m]
        sku[sel] = rng.choice(len(wts), len(sel), p=wts / wts.sum())
    usd = _usd_rates(w, mk, created)
    cur = np.array([MARKETS[m][2] for m in mk])
    dec = np.array([PRICE_DECIMALS[c] for c in cur])
    level = np.array([MARKETS[m][5] for m in mk])
    z = _round(z_usd * level / usd, dec)
    price = w.price[sku, mk]
    qty = np.maximum(1, np.ceil(z / price)).astype(np.int64)
    sub = np.maximum(np.minimum(z, price * qty), 0.01)
    ids = [f"R{salt:03d}-{i:07d}" for i in range(n)]
    return pd.DataFrame(
        {
            "order_id": ids,
            "sku_id": np.array(w.sku_ids)[sku],
            "buyer_id": buyers["buyer_id"].values,
            "market": buyers["market"].values,
            "quantity": qty,
            "unit_price": price,
            "seller_discount": np.round(price * qty - sub, 2),
            "subtotal": sub,
            "created_at": created.values,
            "channel": "shop",
            "video_id": None,
            "session_id": None,
            "currency": cur,
        }
    )


def _round(x: np.ndarray, dec: np.ndarray) -> np.ndarray:
    out = x.copy()
    for d in np.unique(dec):
        out[dec == d] = np.round(x[dec == d], int(d))
    return out


def _usd_rates(w: World, mk: np.ndarray, when: pd.Series) -> np.ndarray:
    """USD per local unit on each order's day (the latest weekly rate on or before it)."""
    out = np.ones(len(mk))
    days = when.dt.normalize().dt.date.to_numpy()
    for m in range(len(MARKETS)):
        cur = MARKETS[m][2]
        sel = np.flatnonzero(mk == m)
        if cur == "USD" or not len(sel):
            continue
        fx = w.fx[w.fx["currency"] == cur]
        idx = np.searchsorted(fx["date"].to_numpy(), days[sel], "right") - 1
        out[sel] = fx["rate"].to_numpy()[np.maximum(idx, 0)]
    return out
