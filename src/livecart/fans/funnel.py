"""The private-domain funnel per live, host, product, market or week (the trend): viewers ->
new followers -> fan-club joins -> first purchases -> repeat within 30 and 90 days, with Wilson
80% intervals on rates.

Viewers are the live's views (room entries); followers and fan-club joins are summed from its
minutes; first purchases are buyers whose first purchase day was in that live; a repeat is
another purchase day within 30 (90) days, counted only for buyers whose window has ended.
By product, a live's viewers, followers and fan-club joins are shared among the products on its
shelf by their pinned minutes (equally where none were pinned): an attribution, since a viewer
who follows is not tied to a product; first purchases are the buyers whose first order in a
live was that product.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from livecart.fans.purchases import Purchases
from livecart.model.proportions import wilson
from livecart.store import Workspace

BY = {
    "live": "session_id",
    "host": "host",
    "product": "sku_id",
    "market": "market",
    "week": "week",
}


def funnel(ws: Workspace, p: Purchases, by: str = "live") -> pd.DataFrame:
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    from livecart.store.query import first_purchases, frame, funnel_sessions

    s = frame(ws, funnel_sessions)
    first = frame(ws, first_purchases)
    rep = _repeats(p)
    first = first.merge(rep, left_on="buyer_id", right_index=True, how="left")
    if by == "product":
        s = _by_product(ws, s, first)
        g = s.groupby("sku_id")[_COUNTS].sum()
        return _rates(g).sort_values("fans_per_1000_viewers", ascending=False)
    per = first.groupby("session_id").agg(
        first_purchases=("buyer_id", "size"),
        eligible_30=("eligible_30", "sum"),
        repeat_30=("repeat_30", "sum"),
        eligible_90=("eligible_90", "sum"),
        repeat_90=("repeat_90", "sum"),
    )
    s = s.merge(per, left_on="session_id", right_index=True, how="left").fillna(
        {c: 0 for c in per.columns}
    )
    s["week"] = pd.to_datetime(s["day"]).dt.to_period("W-SUN").dt.start_time.dt.date.astype(str)
    g = s.groupby(BY[by])[_COUNTS].sum() if by != "live" else s.set_index("session_id")[_COUNTS]
    out = _rates(g)
    if by == "week":  # the trend: in time order
        return out.sort_index()
    return out.sort_values("fans_per_1000_viewers", ascending=False)


_COUNTS = ["viewers", "new_followers", "fan_club_joins", "first_purchases"]
_COUNTS += ["eligible_30", "repeat_30", "eligible_90", "repeat_90"]


def _by_product(ws: Workspace, s: pd.DataFrame, first: pd.DataFrame) -> pd.DataFrame:
    """One row per live and product: the live's audience counts times the product's share, and
    the first purchases in that live of that product."""
    from livecart.store.query import frame, product_shares

    shares = frame(ws, product_shares)
    audience = ["viewers", "new_followers", "fan_club_joins"]
    rows = shares.merge(s[["session_id", *audience]], on="session_id")
    rows[audience] = rows[audience].mul(rows["share"], axis=0)
    buys = (
        first[first["session_id"].notna()]
        .groupby(["session_id", "sku_id"])
        .agg(
            first_purchases=("buyer_id", "size"),
            **{c: (c, "sum") for c in _COUNTS[4:]},
        )
    )
    # object keys: pandas cannot join two empty Arrow-backed string columns (ArrowInvalid), as
    # in a shop whose first purchases were none of them in a live
    keys = {"session_id": object, "sku_id": object}
    rows = rows.astype(keys).merge(buys.reset_index().astype(keys), on=list(keys), how="outer")
    return rows.fillna({c: 0 for c in _COUNTS})


def _rates(g: pd.DataFrame) -> pd.DataFrame:
    out = g.copy()
    for k, n, name in (
        ("new_followers", "viewers", "follow_rate"),
        ("fan_club_joins", "viewers", "fan_club_rate"),
        ("first_purchases", "viewers", "purchase_rate"),
        ("repeat_30", "eligible_30", "repeat_30_rate"),
        ("repeat_90", "eligible_90", "repeat_90_rate"),
    ):
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = g[k] / g[n]
        out[f"{name}_lo"], out[f"{name}_hi"] = wilson(g[k], g[n])
    out["fans_per_1000_viewers"] = 1000 * g["new_followers"] / g["viewers"].where(g["viewers"] > 0)
    return out


def _repeats(p: Purchases) -> pd.DataFrame:
    d = p.days.merge(p.buyers[["buyer_id", "first_day"]], on="buyer_id")
    gap = d["day"] - d["first_day"]
    out = pd.DataFrame(index=p.buyers.set_index("buyer_id").index)
    first = p.buyers.set_index("buyer_id")["first_day"]
    for w in (30, 90):
        hit = d[(gap > 0) & (gap <= w)].groupby("buyer_id").size() > 0
        out[f"eligible_{w}"] = (first + w < p.end_day).astype(int)
        out[f"repeat_{w}"] = (
            hit.reindex(out.index, fill_value=False).astype(int) * out[f"eligible_{w}"]
        )
    return out
