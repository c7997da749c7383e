"""Reading the monitor's state: per-minute KPIs, running totals, the product table with stock
left and stock-out estimate, and the rows the workspace's ``live_minutes`` table stores.

Ratios follow docs/metrics.md, always from summed numerators and denominators:
CTR = product clicks / product impressions (or / entries, ``ctr_denominator="entries"``, the
variant TikTok's API text uses); CTOR = SKU orders / product clicks; GPM = GMV per 1,000 entries
(watch GPM); AOV = GMV / SKU orders.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from livecart.live.engine.state import METRICS, SKU_METRICS, SUMMED, M, SessionState
from livecart.model.events import MINUTE_METRIC, MINUTE_METRICS
from livecart.model.schema import LIVE_MINUTES

COUNTS = tuple(m.name for m in MINUTE_METRICS if m.source is None)  # the headline sums
TRAFFIC = tuple(m.name for m in MINUTE_METRICS if m.source is not None)  # entries by source
RUNNING = tuple(m.name for m in MINUTE_METRICS if m.running)  # shown with a cum_* total too


def ratio(num: Any, den: Any) -> Any:
    """num / den, NaN where den is 0 (a ratio of nothing is unknown, not 0)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return out if out.ndim else float(out)


def add_ratios(d: dict[str, Any] | pd.DataFrame, ctr_denominator: str = "product_impressions"):
    d["ctr"] = ratio(d["product_clicks"], d[ctr_denominator])
    d["ctor"] = ratio(d["orders"], d["product_clicks"])
    d["gpm"] = ratio(np.asarray(d["gmv"], float) * 1000.0, d["entries"])
    d["aov"] = ratio(d["gmv"], d["orders"])
    return d


def minute_frame(st: SessionState, ctr_denominator: str = "product_impressions") -> pd.DataFrame:
    """One row per minute from 0 to the newest: counts, viewers (last, peak, average), ratios,
    and running totals (``cum_*``)."""
    return pd.DataFrame(minute_arrays(st, ctr_denominator))


def minute_arrays(st: SessionState, ctr_denominator: str = "product_impressions") -> dict:
    """The columns of ``minute_frame`` as NumPy arrays (the alert rules read them every second
    for every room: no DataFrame needed)."""
    n = st.n_minutes
    a = st.minutes[:n]
    f: dict[str, Any] = {"minute": np.arange(n)}
    f.update({name: a[:, M[name]] for name in COUNTS + TRAFFIC})
    f["viewers_last"], f["viewers_peak"], has = viewers_by_minute(a)
    f["viewers_avg"] = np.where(
        has, ratio(a[:, M["viewers_sum"]], a[:, M["viewers_n"]]), f["viewers_last"]
    )
    add_ratios(f, ctr_denominator)
    for c in RUNNING:
        f[f"cum_{c}"] = np.cumsum(f[c])
    return f


def totals(st: SessionState, ctr_denominator: str = "product_impressions") -> dict[str, Any]:
    """Running totals of the whole session so far, with its ratios."""
    a = st.minutes[: st.n_minutes]
    t: dict[str, Any] = {k: float(a[:, M[k]].sum()) for k in COUNTS}
    n_snap = a[:, M["viewers_n"]].sum()
    t["viewers_peak"] = float(a[:, M["viewers_peak"]].max()) if st.n_minutes else 0.0
    t["viewers_avg"] = ratio(a[:, M["viewers_sum"]].sum(), n_snap) if n_snap else 0.0
    snaps = np.flatnonzero(a[:, M["viewers_n"]] > 0)
    t["viewers_last"] = float(a[snaps[-1], M["viewers_last"]]) if len(snaps) else 0.0
    return add_ratios(t, ctr_denominator)


def sku_table(st: SessionState, window: int = 10) -> pd.DataFrame:
    """Per SKU: totals, stock left and the minutes until it sells out at the sales rate of the
    last ``window`` minutes (inf when it is not selling)."""
    cols = [
        "sku_id",
        *SKU_METRICS,
        "stock_left",
        "stock_start",
        "units_per_minute",
        "stockout_eta_minutes",
        "pinned",
    ]
    f = pd.DataFrame(sku_rows(st, window), columns=cols)
    f["ctr"] = ratio(f["product_clicks"], f["product_impressions"])
    f["ctor"] = ratio(f["orders"], f["product_clicks"])
    return f


def sku_rows(st: SessionState, window: int = 10) -> list[dict[str, Any]]:
    """The rows of ``sku_table`` (without its ratios) as plain dicts, SKUs in id order."""
    v = st.sku_view(window)
    eta = stockout_eta(v["stock_left"], v["units_per_minute"])
    rows = []
    for i in sorted(range(len(v["sku_id"])), key=v["sku_id"].__getitem__):
        sku_id = v["sku_id"][i]
        r: dict[str, Any] = {"sku_id": sku_id}
        r.update(zip(SKU_METRICS, v["totals"][i], strict=True))
        r["stock_left"] = float(v["stock_left"][i])
        r["stock_start"] = float(v["stock_start"][i])
        r["units_per_minute"] = float(v["units_per_minute"][i])
        r["stockout_eta_minutes"] = float(eta[i])
        r["pinned"] = sku_id == st.pinned
        rows.append(r)
    return rows


def stockout_eta(stock_left: np.ndarray, units_per_minute: np.ndarray) -> np.ndarray:
    """Minutes until each SKU sells out at its rate: 0 when none is left, inf when it is not
    selling, NaN when its stock was never counted."""
    left, rate = np.asarray(stock_left, float), np.asarray(units_per_minute, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where(rate != 0, left / np.where(rate != 0, rate, 1.0), np.inf)
    return np.where(np.isnan(left), np.nan, np.where(left <= 0, 0.0, eta))


def viewers_by_minute(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Viewers online at each minute's end and the minute's peak, from the minute rows ``a``;
    the viewer count holds until the next snapshot, so minutes without one carry it (0 before
    the first). Also which minutes had a snapshot."""
    has = a[:, M["viewers_n"]] > 0
    at = np.maximum.accumulate(np.where(has, np.arange(len(a)), -1))  # the latest snapshot
    last = np.where(at >= 0, a[np.maximum(at, 0), M["viewers_last"]], 0.0)
    return last, np.where(has, a[:, M["viewers_peak"]], last), has


def live_minutes_columns(st: SessionState, first: int = 0) -> dict[str, np.ndarray]:
    """The columns of the session's ``live_minutes`` rows from minute ``first`` to the newest,
    as arrays (a save writes only the minutes that changed since the last one, of every touched
    session, framed once)."""
    a = st.minutes[: st.n_minutes]
    viewers_online, viewers_peak, _ = viewers_by_minute(a)
    a, minute = a[first:], np.arange(first, st.n_minutes, dtype="int64")
    cols: dict[str, np.ndarray] = {}
    for c in LIVE_MINUTES.column_names:
        if c == "session_id":
            cols[c] = np.full(len(minute), st.session_id, dtype=object)
        elif c == "minute":
            cols[c] = minute
        elif c == "ts":
            ms = (st.start_ts + 60000 * minute).astype("datetime64[ms]")
            cols[c] = ms.astype("datetime64[ns]")
        elif c in ("viewers_online", "viewers_peak"):
            v = viewers_online if c == "viewers_online" else viewers_peak
            cols[c] = np.round(v[first:]).astype("int64")
        elif c == "currency":
            cols[c] = np.full(len(minute), st.currency, dtype=object)
        elif c in MINUTE_METRIC and MINUTE_METRIC[c].money:
            cols[c] = np.round(a[:, M[c]], 6)
        else:
            cols[c] = np.round(a[:, M[c]]).astype("int64")
    return cols


def live_minutes_rows(st: SessionState) -> pd.DataFrame:
    """The session's minutes as rows of the workspace's ``live_minutes`` kind."""
    return pd.DataFrame(live_minutes_columns(st))


def _clean(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if not np.isfinite(v) else round(float(v), 6)
    if isinstance(v, np.integer | np.bool_):
        return v.item()
    return v


def snapshot(st: SessionState) -> dict[str, Any]:
    """Everything a view shows about one session, as plain JSON-ready data."""
    f = minute_frame(st)
    skus = sku_table(st)
    return {
        "session_id": st.session_id,
        "market": st.market,
        "currency": st.currency,
        "start_ts": st.start_ts,
        "planned_minutes": st.planned_minutes,
        "minute": st.current_minute(),
        "ended": st.end_ts is not None,
        "totals": {k: _clean(v) for k, v in totals(st).items()},
        "minutes": [{k: _clean(v) for k, v in r.items()} for r in f.to_dict("records")],
        "products": [{k: _clean(v) for k, v in r.items()} for r in skus.to_dict("records")],
        "pinned": st.pinned,
        "accepted": st.accepted,
        "dropped": dict(st.dropped),
    }


__all__ = [
    "METRICS",
    "SUMMED",
    "live_minutes_columns",
    "live_minutes_rows",
    "minute_frame",
    "ratio",
    "sku_table",
    "snapshot",
    "stockout_eta",
    "viewers_by_minute",
    "totals",
]
