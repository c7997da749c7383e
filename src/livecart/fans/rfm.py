"""Per-buyer histories ``(x, t_x, T)``, mean repeat value and fan status from `Purchases`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livecart.fans.purchases import Purchases

COVARIATES = ("follower", "fan_club")


def buyer_histories(
    p: Purchases, cutoff_day: int | None = None, *, censor_at_join: bool = False
) -> pd.DataFrame:
    """One row per buyer first seen before ``cutoff_day`` (default: the end of the data):
    ``x`` repeat orders (repeat purchase days when only days are known), ``t_x`` and ``T`` in
    weeks (whole hours), ``m`` mean repeat order value,
    status at entry (``follower`` outside the fan club, ``fan_club``: 1 if joined on the first
    purchase day) and at the cutoff (``follower_now``, ``fan_club_now``); ``follow_w`` and
    ``club_w``: weeks from the first purchase to a later follow / fan-club join before the
    cutoff (NaN if none), ``x_before_join`` the repeat purchases before the one the latest of
    them was made at.

    ``censor_at_join`` ends the history of a buyer who joined later at the time she joined, so a
    model with time-invariant (entry) status sees each history under one status only."""
    cutoff = p.end_day if cutoff_day is None else cutoff_day
    b = p.buyers[p.buyers["first_day"] < cutoff].set_index("buyer_id")
    exact = p.orders is not None and "follow_t" in b
    if exact:  # one row per order at its exact time (days since origin)
        d = p.orders.rename(columns={"t": "time"})
        first_time = d.groupby("buyer_id")["time"].min().reindex(b.index).to_numpy()
        join_f, join_c = b["follow_t"].to_numpy(), b["fan_club_t"].to_numpy()
    else:  # whole days only
        d = p.days.assign(time=p.days["day"].astype(float))
        first_time = b["first_day"].to_numpy(float)
        join_f, join_c = b["follow_day"].to_numpy() + 1, b["fan_club_day"].to_numpy() + 1
    # each purchase's buyer as a row of b (-1: not one of them), once: pandas' isin and
    # reindex on Arrow strings cost a second each on 200,000 purchases
    row = b.index.get_indexer(d["buyer_id"])
    keep = (d["time"].to_numpy() < cutoff) & (row >= 0)
    d, row = d[keep], row[keep]
    first = first_time[row]
    stop = np.full(len(b), float(cutoff))
    entry_f = (b["follow_day"] <= b["first_day"]).to_numpy()
    entry_c = (b["fan_club_day"] <= b["first_day"]).to_numpy()
    if censor_at_join:
        # the purchase she joined at is the last one under the old status
        late = np.fmin(np.where(entry_f, np.nan, join_f), np.where(entry_c, np.nan, join_c))
        stop = np.where(late < cutoff, late, stop)
        keep = d["time"].to_numpy() <= stop[row]
        d, row = d[keep], row[keep]
        first = first[keep]
    g = d.assign(rel=d["time"].to_numpy() - first, rep=d["time"].to_numpy() > first)
    rows = np.arange(len(b))  # grouped by row number: faster than by the id strings
    rep = g["rep"].to_numpy()
    agg = g.groupby(row).agg(n=("time", "size"), last=("rel", "max")).reindex(rows)
    rep_value = g[rep].groupby(row[rep])["value"].mean().reindex(rows).to_numpy()
    out = pd.DataFrame(index=b.index)
    out["market"] = b["market"]
    out["x"] = agg["n"].fillna(1).to_numpy() - 1
    # whole hours, in weeks: identical histories group, nothing of substance is lost
    out["t_x"] = np.rint(agg["last"].fillna(0).to_numpy() * 24) / 168
    out["T"] = np.rint((stop - first_time) * 24) / 168
    out["t_x"] = np.minimum(out["t_x"], out["T"])
    out["m"] = rep_value
    out["first_value"] = g[~rep].groupby(row[~rep])["value"].sum().reindex(rows).to_numpy()
    # exclusive statuses: "follower" means a follower outside the fan club
    out["follower"] = (entry_f & ~entry_c).astype(float)
    out["fan_club"] = entry_c.astype(float)
    club_now = (b["fan_club_day"] < cutoff).to_numpy()
    out["follower_now"] = ((b["follow_day"] < cutoff).to_numpy() & ~club_now).astype(float)
    out["fan_club_now"] = club_now.astype(float)
    for col, when, entry in (("follow_w", join_f, entry_f), ("club_w", join_c, entry_c)):
        w = np.where(entry | ~(when < cutoff), np.nan, (when - first_time) / 7)
        out[col] = np.clip(w, 0, None)
    out["x_before_join"] = _repeats_before_late_join(
        g, row, len(b), join_f, join_c, entry_f, entry_c, cutoff
    )
    out["first_day"] = b["first_day"]
    return out[out["T"] > 0]


def _repeats_before_late_join(g, row, n_buyers, join_f, join_c, entry_f, entry_c, cutoff):
    """Repeat purchases before the one a buyer's latest late join was made at (NaN if none);
    ``row``: each purchase's buyer."""
    with np.errstate(invalid="ignore"):
        late_f = np.where(entry_f | ~(join_f < cutoff), np.nan, join_f)
        late_c = np.where(entry_c | ~(join_c < cutoff), np.nan, join_c)
    late_at = np.fmax(late_f, late_c)
    upto = g["rep"].to_numpy() & (g["time"].to_numpy() < late_at[row])
    n = np.bincount(row, upto, minlength=n_buyers)
    return np.where(np.isnan(late_at), np.nan, np.maximum(n - 1, 0))
