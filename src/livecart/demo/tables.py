"""From one simulated session's event arrays to the workspace's records: per-minute metrics (the
aggregation of exactly those events), the session row, its line-up, its order lines, its first
buyers, and its ad spend with the attributed GMV of the phase response curves (`ADS`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from livecart.demo.plans import ADS, SOURCES
from livecart.demo.room import MIN_MS, RoomLog, T
from livecart.model.schema import TRAFFIC_SOURCES

COUNTED = {
    "entries": "join",
    "exits": "leave",
    "new_followers": "follow",
    "fan_club_joins": "fan_club_join",
    "comments": "comment",
    "shares": "share",
    "product_clicks": "product_click",
    "add_to_carts": "add_to_cart",
    "orders": "order",
}
SUMMED = {
    "likes": "like",
    "gifts": "gift",
    "product_impressions": "product_impression",
    "units": "order",
}  # sums of the events' count (quantity for orders)


def _naive(ms: np.ndarray | int) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(ms, np.int64), unit="ms")


def live_minutes(log: RoomLog) -> pd.DataFrame:
    """Per-minute metrics: counts and sums of the minute's events; viewers_online is the
    minute's last `viewers` snapshot, viewers_peak the highest snapshot within the minute."""
    c, p = log.cols, log.plan
    n = p.minutes
    inside = c["ts"] < n * MIN_MS
    minute = np.where(inside, c["ts"] // MIN_MS, n)
    typ = c["type"]

    def count(name: str, weights: np.ndarray | None = None) -> np.ndarray:
        sel = typ == T[name]
        return np.bincount(
            minute[sel], weights=None if weights is None else weights[sel], minlength=n + 1
        )[:n]

    out = {
        "session_id": p.session_id,
        "minute": np.arange(n),
        "ts": _naive(p.start_ms + np.arange(n) * MIN_MS),
    }
    snap = typ == T["viewers"]
    last = snap & (c["ts"] % MIN_MS == MIN_MS - 1)
    online = np.zeros(n + 1, np.int64)
    online[minute[last]] = c["cnt"][last]
    peak = np.zeros(n + 1, np.int64)
    np.maximum.at(peak, minute[snap], c["cnt"][snap])
    out["viewers_online"] = online[:n]
    out["viewers_peak"] = peak[:n]
    for col, name in COUNTED.items():
        out[col] = count(name).astype(np.int64)
    for col, name in SUMMED.items():
        out[col] = count(name, c["cnt"].astype(float)).astype(np.int64)
    is_order = typ == T["order"]
    out["gmv"] = count("order", np.where(is_order, c["cnt"] * c["amt"], 0.0))
    for s, name in enumerate(SOURCES):
        sel = (typ == T["join"]) & (c["src"] == s)
        out[f"traffic_{name}"] = np.bincount(minute[sel], minlength=n + 1)[:n]
    out["ad_spend"] = count("ad_spend", np.nan_to_num(c["amt"]))
    out["currency"] = p.currency
    assert tuple(SOURCES) == TRAFFIC_SOURCES
    return pd.DataFrame(out)


def session_row(log: RoomLog, lm: pd.DataFrame, rng: np.random.Generator) -> dict:
    p, c = log.plan, log.cols
    end = p.minutes * MIN_MS
    joins = c["ts"][c["type"] == T["join"]]
    leaves = c["ts"][c["type"] == T["leave"]]
    watch = leaves.sum() + (len(joins) - len(leaves)) * end - joins.sum()
    tap = 0.12 * np.exp(rng.normal(0, 0.2))  # feed impressions per For You entry: assumption
    start = p.start.replace(tzinfo=None)
    planned = p.planned_start.replace(tzinfo=None)
    return {
        "session_id": p.session_id,
        "room": p.room,
        "title": f"{p.market_code} live {p.index + 1}",
        "host_ids": p.host_id,
        "market": p.market_code,
        "planned_start": planned,
        "planned_end": planned + dt.timedelta(minutes=p.minutes),
        "actual_start": start,
        "actual_end": start + dt.timedelta(minutes=p.minutes),
        "gmv": float(lm["gmv"].sum()),
        "orders": int(lm["orders"].sum()),
        "items_sold": int(lm["units"].sum()),
        "customers": int(lm["orders"].sum()),
        "views": int(len(joins)),
        "impressions": int(round(lm["traffic_foryou"].sum() / tap)) + int(len(joins)),
        "product_impressions": int(lm["product_impressions"].sum()),
        "product_clicks": int(lm["product_clicks"].sum()),
        "new_followers": int(lm["new_followers"].sum()),
        "comments": int(lm["comments"].sum()),
        "shares": int(lm["shares"].sum()),
        "likes": int(lm["likes"].sum()),
        "avg_view_seconds": float(watch / 1000 / max(len(joins), 1)),
        "currency": p.currency,
    }


def session_products(log: RoomLog) -> pd.DataFrame:
    p, c = log.plan, log.cols
    o = c["type"] == T["order"]
    sold = np.bincount(c["sku"][o], weights=c["cnt"][o], minlength=len(p.skus)).astype(int)
    first = np.array(
        [
            int(np.flatnonzero(p.pin == j)[0]) if (p.pin == j).any() else -1
            for j in range(len(p.skus))
        ]
    )
    return pd.DataFrame(
        {
            "session_id": p.session_id,
            "sku_id": p.sku_names,
            "position": np.arange(1, len(p.skus) + 1),
            "role": p.roles,
            "price": p.price,
            "stock_start": p.stock,
            "stock_end": p.stock - sold,
            "first_pin_minute": pd.array(np.where(first >= 0, first, None), dtype="Int64"),
            "pinned_minutes": np.bincount(p.pin, minlength=len(p.skus)),
            "stockout_minute": pd.array(
                np.where(log.stockout_minute >= 0, log.stockout_minute, None), dtype="Int64"
            ),
            "currency": p.currency,
        }
    )


def live_orders(log: RoomLog, list_price: np.ndarray) -> pd.DataFrame:
    """Order lines of the session's `order` events; ``list_price`` is the local list price per
    line-up SKU (the live price is a seller discount off it)."""
    p, c = log.plan, log.cols
    o = c["type"] == T["order"]
    num, j, qty, price = c["num"][o], c["sku"][o], c["cnt"][o], c["amt"][o]
    created = _naive(p.start_ms + c["ts"][o])
    return pd.DataFrame(
        {
            "order_id": [f"{p.session_id}-o{k}" for k in num],
            "sku_id": np.array(p.sku_names)[j],
            "buyer_id": [f"{p.session_id}-b{k}" for k in num],
            "market": p.market_code,
            "quantity": qty,
            "unit_price": list_price[j],
            "seller_discount": np.round((list_price[j] - price) * qty, 2),
            "subtotal": qty * price,
            "created_at": created,
            "channel": "live",
            "session_id": p.session_id,
            "video_id": None,
            "currency": p.currency,
        }
    )


def first_buyers(log: RoomLog) -> pd.DataFrame:
    """The session's buyers with the times they followed and joined the fan club, if they did."""
    p, c = log.plan, log.cols
    o = c["type"] == T["order"]
    out = pd.DataFrame(
        {
            "buyer_id": [f"{p.session_id}-b{k}" for k in c["num"][o]],
            "market": p.market_code,
            "first_at": _naive(p.start_ms + c["ts"][o]),
        }
    )
    for typ, col in (("follow", "followed_at"), ("fan_club_join", "fan_club_joined_at")):
        sel = (c["type"] == T[typ]) & (c["num"] >= 0)
        when = pd.Series(_naive(p.start_ms + c["ts"][sel]), index=c["num"][sel])
        out[col] = when.reindex(c["num"][o]).to_numpy()
    return out


def hill(x: np.ndarray | float, phase: str) -> np.ndarray:
    """The true response of a phase to its effective spend x (USD): beta x^s / (x^s + K^s)."""
    b, k, s = ADS["beta_usd"][phase], ADS["half_sat_usd"][phase], ADS["shape"][phase]
    x = np.asarray(x, float)
    return b * x**s / (x**s + k**s)


def ad_rows(log: RoomLog, lm: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Hourly pre-live rows and per-minute live and closing rows. Effective spend carries over:
    x_pre = S_pre, x_live = S_live + theta S_pre, x_close = S_close + theta S_live (USD)."""
    p = log.plan
    start = p.start.replace(tzinfo=None)
    pre_ts = [start - dt.timedelta(hours=len(p.pre_spend) - h) for h in range(len(p.pre_spend))]
    t = np.arange(p.minutes)
    paid = p.spend > 0
    closing = t >= p.closing_from
    s = {
        "pre_live": p.pre_spend.sum() * p.usd,
        "live": p.spend[paid & ~closing].sum() * p.usd,
        "closing": p.spend[paid & closing].sum() * p.usd,
    }
    th = ADS["carryover"]
    x = {
        "pre_live": s["pre_live"],
        "live": s["live"] + th * s["pre_live"],
        "closing": s["closing"] + th * s["live"],
    }
    g = {k: float(hill(x[k], k) * np.exp(rng.normal(0, ADS["noise_sd"]))) for k in x}
    parts = []
    for phase, ts, spend, clicks in (
        ("pre_live", pre_ts, p.pre_spend, rng.poisson(p.pre_spend * p.usd * 8)),
        (
            "live",
            _naive(p.start_ms + t[paid & ~closing] * MIN_MS),
            p.spend[paid & ~closing],
            lm["traffic_ads"].to_numpy()[paid & ~closing],
        ),
        (
            "closing",
            _naive(p.start_ms + t[paid & closing] * MIN_MS),
            p.spend[paid & closing],
            lm["traffic_ads"].to_numpy()[paid & closing],
        ),
    ):
        total = spend.sum()
        share = spend / total if total > 0 else spend
        parts.append(
            pd.DataFrame(
                {
                    "campaign_id": f"{p.session_id}-{phase}",
                    "session_id": p.session_id,
                    "market": p.market_code,
                    "phase": phase,
                    "ts": pd.DatetimeIndex(ts).as_unit("us"),
                    "spend": spend,
                    "impressions": np.round(np.asarray(clicks) / 0.08).astype(np.int64),
                    "clicks": np.asarray(clicks, np.int64),
                    "attributed_gmv": np.round(g[phase] / p.usd * share, 2),
                    "currency": p.currency,
                }
            )
        )
    truth = {"spend_usd": s, "effective_usd": x, "attributed_usd": g}
    return pd.concat(parts, ignore_index=True), truth
