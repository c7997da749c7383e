"""Finished lives read back from the workspace, for the dashboard: the same view the hub gives a
running session (totals, per-minute KPIs, products, the golden hour against the plan its market
had then), built from the stored ``live_minutes`` rows, its ``sessions`` row and its orders. No
replay and no recording needed: any live the workspace holds minutes of can be looked at."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from livecart.errors import NotFoundError
from livecart.live.engine.kpis import COUNTS, RUNNING, TRAFFIC, add_ratios
from livecart.live.history import from_frames
from livecart.live.hub import session_view
from livecart.live.targets import GOLDEN_HOUR, plan_from_history
from livecart.store import Workspace


def past_sessions(ws: Workspace, limit: int = 30) -> list[dict[str, Any]]:
    """The newest ``limit`` sessions with stored minutes: id, title, market, start (UTC), GMV
    with its currency, how many minutes, and whether it is still ``live`` (started, not ended:
    monitored on another machine, see ``sources.redis_results``)."""
    from livecart.store.query import frame, past_lives

    t = frame(ws, past_lives, limit=limit)
    t = t.astype(object).where(t.notna(), None)
    return t.to_dict("records")


def past_view(ws: Workspace, session_id: str) -> dict[str, Any]:
    """A finished live's view (see livecart.live.hub.session_view), from the workspace."""
    from livecart.store.query import frame, live_minute_rows, session_rows

    rows = frame(ws, live_minute_rows, session_id=session_id).drop(columns="market")
    if rows.empty:
        raise NotFoundError(
            f"no stored minutes of live {session_id!r}: the Live page lists the lives this "
            f"workspace holds (import its live_minutes, or replay its recording)"
        )
    s = frame(ws, session_rows, session_id=session_id)
    meta = s.iloc[0].to_dict() if len(s) else {}
    currency = meta.get("currency") or rows["currency"].dropna().iloc[0]
    minutes = _minutes(rows)
    start = meta.get("actual_start")
    planned = meta.get("planned_end") - meta.get("planned_start") if len(s) else None
    snap = {
        "session_id": session_id,
        "market": meta.get("market"),
        "currency": currency,
        "title": meta.get("title"),
        "start_ts": int(pd.Timestamp(start).value // 1_000_000) if pd.notna(start) else None,
        "planned_minutes": round(planned.total_seconds() / 60) if pd.notna(planned) else None,
        "minute": len(minutes),
        "ended": _over(meta),
        "past": True,
        "totals": _totals(rows),
        "minutes": minutes,
        "products": _products(ws, session_id),
        "pinned": None,
        "accepted": None,
        "dropped": {},
    }
    return session_view(snap, _plan_then(ws, meta, currency, len(minutes)))


def _over(meta: dict[str, Any]) -> bool:
    """Whether the live is over: a started session without an end is one still going on
    another machine (a worker sharing its results, ``sources.redis_results``)."""
    start, end = meta.get("actual_start"), meta.get("actual_end")
    return not (pd.notna(start) and pd.isna(end)) if meta else True


def name_products(ws: Workspace, view: dict[str, Any]) -> dict[str, Any]:
    """Give each product of a view its name from the workspace's products (a live room's
    events carry SKU ids only); unknown SKUs keep their id alone."""
    skus = [p["sku_id"] for p in view["products"] if not p.get("name")]
    if skus:
        from livecart.store.query import catalog, frame

        t = frame(ws, catalog)  # the first name of each SKU
        t = t[t["sku_id"].isin(skus)].drop_duplicates("sku_id")
        names = dict(zip(t["sku_id"], t["product_name"], strict=True))
        for p in view["products"]:
            p.setdefault("name", names.get(p["sku_id"]))
    return view


def _minutes(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Every minute from 0 to the last, as the hub's per-minute rows (a minute with no row is
    a quiet one: zeros, viewers carried on)."""
    n = int(rows["minute"].max()) + 1
    f = rows.set_index("minute").reindex(range(n))
    out: dict[str, Any] = {"minute": np.arange(n)}
    for c in COUNTS + TRAFFIC:
        out[c] = f[c].fillna(0).to_numpy(float)
    out["viewers_last"] = f["viewers_online"].ffill().fillna(0).to_numpy(float)
    peak = f["viewers_peak"].to_numpy(float)
    out["viewers_peak"] = np.where(np.isnan(peak), out["viewers_last"], peak)
    out["viewers_avg"] = out["viewers_last"]
    add_ratios(out)
    for c in RUNNING:
        out[f"cum_{c}"] = np.cumsum(out[c])
    return pd.DataFrame(out).to_dict("records")


def _totals(rows: pd.DataFrame) -> dict[str, Any]:
    t: dict[str, Any] = {c: float(rows[c].fillna(0).sum()) for c in COUNTS}
    viewers = rows["viewers_online"].dropna()
    t["viewers_peak"] = float(rows["viewers_peak"].max()) if len(rows) else 0.0
    t["viewers_avg"] = float(viewers.mean()) if len(viewers) else 0.0
    t["viewers_last"] = float(viewers.iloc[-1]) if len(viewers) else 0.0
    return add_ratios(t)


def _products(ws: Workspace, session_id: str) -> list[dict[str, Any]]:
    """Per SKU sold in the live (orders attributed to it, cancelled ones left out): name,
    orders, units, GMV. Clicks and stock are not stored per SKU after a live: None."""
    from livecart.store.query import frame, sku_sales

    t = frame(ws, sku_sales, session_id=session_id).drop(columns="session_id")
    t = t.astype(object).where(t.notna(), None)
    blank = {"product_clicks": None, "stock_left": None, "stock_start": None}
    return [
        {**r, **blank, "stockout_eta_minutes": None, "pinned": False} for r in t.to_dict("records")
    ]


def _plan_then(ws: Workspace, meta: dict[str, Any], currency: str, n: int):
    """The golden-hour plan the live had: quartiles of its market's earlier lives in its
    currency (None without a market or a start)."""
    market, start = meta.get("market"), meta.get("actual_start")
    if market is None or start is None or pd.isna(start):
        return None
    from livecart.store.query import frame, live_minute_rows, session_rows

    sessions = frame(ws, session_rows, market=market)
    sessions = sessions[
        (sessions["actual_start"] < pd.Timestamp(start))
        & (sessions["session_id"] != meta["session_id"])
    ].reset_index(drop=True)
    minutes = frame(ws, live_minute_rows, market=market).drop(columns="market")
    minutes = minutes[minutes["session_id"].isin(sessions["session_id"])].reset_index(drop=True)
    h = from_frames(minutes, sessions)
    earlier = (h.meta["currency"] == currency).to_numpy(bool)
    plan = plan_from_history(h.subset(earlier), minutes=max(GOLDEN_HOUR, n))
    plan.source += f" (market {market}, before this live)"
    return plan
