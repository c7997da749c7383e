"""Buyers and their repeat purchases.

Every buyer enters with a first order (in a live or from a video). Repeat purchases then follow
the BG/NBD process of Fader, Hardie and Lee (2005): while alive a buyer purchases at rate
``lambda ~ Gamma(r, alpha)`` per week, and after each repeat purchase drops out with probability
``p ~ Beta(a, b)``. Following the brand multiplies lambda and the dropout probability by the
follower factors, joining the fan club by the fan-club factors (`FANS`). The value of each repeat
order is Gamma-Gamma (Fader and Hardie 2013; Colombo and Jiang 1999): ``z ~ Gamma(p, nu)`` with
``nu ~ Gamma(q, gamma)``, in USD, converted at the week's rate. Repeat orders go through the shop
tab (channel ``shop``), one line each.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

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
END = START + dt.timedelta(days=DAYS)


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


def repeat_orders(w: World, first: pd.DataFrame, salt: int) -> pd.DataFrame:
    """Repeat order lines for one chunk of buyers (``salt`` keeps chunks' draws apart)."""
    rng = np.random.default_rng([w.seed, 7, salt])
    n = len(first)
    fan = first["fan_club_joined_at"].notna().to_numpy()
    fol = first["followed_at"].notna().to_numpy() & ~fan
    lam = rng.gamma(BGNBD["r"], 1 / BGNBD["alpha"], n)
    p = rng.beta(BGNBD["a"], BGNBD["b"], n)
    for mask, key in ((fol, "follower"), (fan, "fan_club")):
        lam[mask] *= FANS[key]["rate_mult"]
        p[mask] *= FANS[key]["dropout_mult"]
    nu = rng.gamma(GAMMA_GAMMA["q"], 1 / GAMMA_GAMMA["gamma"], n)
    end = pd.Timestamp(END).tz_localize(None)
    t0 = first["first_at"].to_numpy()
    horizon = (end - first["first_at"]).dt.total_seconds().to_numpy() / (7 * 86400)
    who, when = _bgnbd_times(rng, lam, p, horizon)
    z_usd = rng.gamma(GAMMA_GAMMA["p"], 1 / nu[who])
    created = pd.Series(t0[who]) + pd.to_timedelta(when * 7 * 86400, unit="s")
    return _lines(w, rng, first.iloc[who], created.dt.round("ms"), z_usd, salt)


def _bgnbd_times(rng, lam, p, horizon) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchase times (weeks after the first order) of every buyer, vectorised by round."""
    who, when = [], []
    alive = np.arange(len(lam))
    t = np.zeros(len(lam))
    while len(alive):
        t[alive] += rng.exponential(1 / np.maximum(lam[alive], 1e-12))
        alive = alive[t[alive] < horizon[alive]]
        who.append(alive)
        when.append(t[alive])
        alive = alive[rng.random(len(alive)) >= p[alive]]
    return np.concatenate(who), np.concatenate(when)


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
