"""The private-domain funnel per live, host, market or week (the trend): viewers -> new
followers -> fan-club joins -> first purchases -> repeat within 30 and 90 days, with Wilson 80%
intervals on rates.

Viewers are the live's views (room entries); followers and fan-club joins are summed from its
minutes; first purchases are buyers whose first purchase day was in that live; a repeat is
another purchase day within 30 (90) days, counted only for buyers whose window has ended.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from livecart.fans.purchases import Purchases
from livecart.store import Workspace

BY = {"live": "session_id", "host": "host", "market": "market", "week": "week"}


def wilson(k, n, level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of k successes in n trials (NaN where n = 0)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def funnel(ws: Workspace, p: Purchases, by: str = "live") -> pd.DataFrame:
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    s = ws.query(
        "SELECT s.session_id, s.market, coalesce(s.host_ids, '') AS host, "
        "CAST(coalesce(s.actual_start, s.planned_start) AS DATE) AS day, "
        "coalesce(s.views, 0) AS viewers, coalesce(m.nf, s.new_followers, 0) AS new_followers, "
        "coalesce(m.fc, 0) AS fan_club_joins FROM sessions s LEFT JOIN ("
        "  SELECT session_id, sum(new_followers) nf, sum(fan_club_joins) fc FROM live_minutes"
        "  GROUP BY 1) m USING (session_id)"
    )
    first = ws.query(
        "SELECT buyer_id, arg_min(session_id, created_at) AS session_id FROM orders "
        "WHERE buyer_id IS NOT NULL GROUP BY 1"
    )
    rep = _repeats(p)
    first = first.merge(rep, left_on="buyer_id", right_index=True, how="left")
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
    cols = ["viewers", "new_followers", "fan_club_joins", "first_purchases"]
    cols += ["eligible_30", "repeat_30", "eligible_90", "repeat_90"]
    g = s.groupby(BY[by])[cols].sum() if by != "live" else s.set_index("session_id")[cols]
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
    if by == "week":  # the trend: in time order
        return out.sort_index()
    return out.sort_values("fans_per_1000_viewers", ascending=False)


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
