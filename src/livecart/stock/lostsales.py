"""What a sold-out SKU would have sold: demand unconstrained by its stock-out, from the timing.

A live sells a SKU mostly while it is pinned (the host talks about it; the product card sits on
screen) and a little while it is not (buyers browse the basket). A SKU that sold out at minute
``m`` lost the sales of the rest of its exposure, not of the rest of the clock: running out just
after its pin block ends loses a few browse sales, running out at the start of it loses most.

This is projection detruncation (Talluri & van Ryzin 2004, section 9.4): demand = sales before
the stock-out / the share of the SKU's selling exposure that had passed by then. The exposure
weights are learnt from the workspace itself: over the line-up rows that did **not** sell out,
``PIN_RATIO`` = units per pinned minute / units per minute not pinned (orders' timestamps against
the pin window ``[first_pin_minute, first_pin_minute + pinned_minutes)``).

Used to calibrate the forecast's intervals: the Kaplan-Meier estimate of censored residuals
assumes a sold-out SKU's demand beyond its sales looks like that of every SKU still "at risk",
which fails when stock follows expected demand (as a brand stocks it): the SKUs that sell out
are the ones whose demand only just passed their stock, and Kaplan-Meier made their tail too long.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from livecart.store import Workspace

MIN_SHARE = 0.1  # a stock-out in the first tenth of the exposure: at most a tenfold projection


def in_window_units(rows: pd.DataFrame, om: pd.DataFrame) -> pd.Series:
    """Units each row sold inside its pin window (NaN where the window is unknown)."""
    w = rows[["session_id", "sku_id", "first_pin_minute", "pinned_minutes"]]
    m = om.merge(w, on=["session_id", "sku_id"], how="inner")
    lo = m["first_pin_minute"].astype(float)
    inside = (m["minute"] >= lo) & (m["minute"] < lo + m["pinned_minutes"].astype(float))
    got = m.assign(u=m["units"].where(inside, 0.0)).groupby(["session_id", "sku_id"])["u"].sum()
    key = pd.MultiIndex.from_frame(rows[["session_id", "sku_id"]])
    out = pd.Series(got.reindex(key).fillna(0.0).to_numpy(), index=rows.index)
    return out.where(rows["first_pin_minute"].notna())


def pin_ratio(rows: pd.DataFrame) -> float:
    """Units per pinned minute over units per minute not pinned, pooled over the rows that did
    not sell out (``sold_in_pin`` from `in_window_units`); 1 when the data cannot tell."""
    ok = (~rows["censored"]) & rows["sold_in_pin"].notna() & rows["sold"].notna()
    r = rows[ok]
    pinned = r["pinned_minutes"].astype(float).clip(upper=r["minutes"])
    inside, outside = r["sold_in_pin"].sum(), (r["sold"] - r["sold_in_pin"]).sum()
    t_in, t_out = pinned.sum(), (r["minutes"] - pinned).sum()
    if min(inside, outside, t_in, t_out) <= 0:
        return 1.0
    return float(max((inside / t_in) / (outside / t_out), 1.0))


def exposure_share(rows: pd.DataFrame, ratio: float) -> np.ndarray:
    """Share of each row's selling exposure (pinned minutes weigh ``ratio``) before its
    stock-out minute; 1 where it did not sell out or the timing is unknown."""
    m = rows["stockout_minute"].astype(float).to_numpy()
    total = rows["minutes"].to_numpy(float)
    lo = rows["first_pin_minute"].astype(float).to_numpy()
    pinned = rows["pinned_minutes"].astype(float).fillna(0.0).to_numpy()
    lo = np.where(np.isnan(lo), 0.0, lo)
    hi = np.minimum(lo + pinned, total)
    done = np.clip(m + 1, 0, total)  # the stock-out minute itself still sold
    pin_done = np.clip(done - lo, 0, np.maximum(hi - lo, 0))
    e_done = done + (ratio - 1) * pin_done
    e_all = total + (ratio - 1) * np.maximum(hi - lo, 0)
    share = np.where(np.isnan(m), 1.0, e_done / np.maximum(e_all, 1e-9))
    return np.clip(share, MIN_SHARE, 1.0)


def add_lost_sales(ws: Workspace, rows: pd.DataFrame) -> pd.DataFrame:
    """Add ``sold_in_pin`` and ``demand_est`` (sales projected over the exposure a stock-out cut
    short; equal to ``sold`` where nothing sold out) to rows from `history.load_rows`."""
    out = rows.copy()
    from livecart.store.query import frame, order_minutes  # imports ibis: only when reading

    out["sold_in_pin"] = in_window_units(out, frame(ws, order_minutes))
    ratio = pin_ratio(out[out["sold"].notna()])
    out["demand_est"] = out["sold"] / exposure_share(out, ratio)
    out.attrs["pin_ratio"] = ratio
    return out
