"""Past lives as the host model reads them: one row per live (who hosted, in which room, market,
local weekday and hour, length, views, ad spend) and one row per live x line-up SKU (units sold
live, pinned minutes, price, the product's own fit from the product-testing model).

``load_history(ws)`` reads a workspace; the evaluation builds the same frames straight from the
simulator (``livecart.evaluation.hosts``), so the model never knows where its data came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from livecart.store import Workspace
from livecart.store.local_time import local_times

HOST_KINDS = ("koc", "influencer", "pro_host", "store_account")
NO_FIT = pd.DataFrame(
    {
        "sku_id": pd.Series([], dtype=str),
        "market": pd.Series([], dtype=str),
        "fit": pd.Series([], dtype=float),
    }
)
BROWSE_SHARE = 0.25  # unpinned products still sell a little while another is pinned


@dataclass
class HostHistory:
    sessions: pd.DataFrame
    lines: pd.DataFrame
    creators: pd.DataFrame
    markets: pd.DataFrame  # market, currency, timezone

    @property
    def empty(self) -> bool:
        return self.sessions.empty


def load_history(ws: Workspace, product_fit: pd.DataFrame | None = None) -> HostHistory:
    """The workspace's lives, line-ups and creators. ``product_fit`` (sku_id, market, fit) is the
    product-testing model's estimate of each product's own pull against its category's
    benchmark (``livecart.selection.product_fit``); without it every product counts as
    typical (fit 1)."""
    creators = load_creators(ws)
    from livecart.store.query import frame, host_lines, host_sessions, market_zones

    markets = frame(ws, market_zones)

    # rows in a fixed order: an engine returns them in any order, and the fit follows the order
    # it meets lives and lines in (two runs' host advice once differed by 0.004%)
    s = frame(ws, host_sessions).sort_values("session_id", kind="stable", ignore_index=True)
    lines = frame(ws, host_lines).sort_values(["session_id", "sku_id"], ignore_index=True)
    fit = product_fit if product_fit is not None else NO_FIT
    return history_from_frames(s, lines, creators, markets, fit)


def load_creators(ws: Workspace) -> pd.DataFrame:
    from livecart.store.query import creator_list, frame

    c = frame(ws, creator_list)
    c["followers"] = pd.to_numeric(c["followers"]).fillna(0).astype(float)
    c["fee"] = pd.to_numeric(c["fee"]).fillna(0).astype(float)
    c["commission_rate"] = pd.to_numeric(c["commission_rate"]).fillna(0).astype(float)
    return c


def history_from_frames(
    sessions: pd.DataFrame,
    lines: pd.DataFrame,
    creators: pd.DataFrame,
    markets: pd.DataFrame,
    product_fit: pd.DataFrame,
) -> HostHistory:
    """Normalise raw frames: first host of ``host_ids`` (else the room), host kind and the room's
    followers, market-local weekday and hour, line-up size, product fit per line."""
    s = sessions.copy()
    kind = dict(zip(creators["creator_id"], creators["kind"], strict=True))
    followers = dict(zip(creators["creator_id"], creators["followers"], strict=True))
    hosts = s.get("host_ids", pd.Series([None] * len(s), index=s.index))
    first = hosts.fillna("").astype(str).str.split(",").str[0].str.strip()
    room = s["room"].fillna("").astype(str)
    s["host_id"] = np.where(first != "", first, room)
    s["room"] = np.where(room != "", room, s["host_id"])
    s["host_kind"] = s["host_id"].map(kind).fillna("pro_host")
    s["room_followers"] = s["room"].map(followers).fillna(0).astype(float)
    for c in ("views", "avg_view_seconds", "gmv", "ad_spend", "minutes"):
        s[c] = pd.to_numeric(s.get(c), errors="coerce").astype(float)
    s["minutes"] = s["minutes"].fillna(s["minutes"].median()).clip(lower=1)
    s = s[s["views"].notna() & (s["views"] > 0)].copy()
    tz = dict(zip(markets["market"], markets["timezone"], strict=True))
    s["weekday"], s["hour"] = _local_slot(s, tz)
    ln = lines[lines["session_id"].isin(s["session_id"])].copy()
    ln["units"] = pd.to_numeric(ln["units"]).fillna(0).astype(float)
    ln["pinned_minutes"] = pd.to_numeric(ln["pinned_minutes"]).fillna(0).astype(float)
    ln["price"] = pd.to_numeric(ln["price"]).astype(float)
    ln = ln.merge(s[["session_id", "market", "minutes"]], on="session_id", how="left")
    fit = product_fit.astype({"sku_id": object, "market": object})
    ln = ln.astype({"sku_id": object, "market": object}).merge(
        fit, on=["sku_id", "market"], how="left"
    )
    ln["fit"] = ln["fit"].fillna(1.0).clip(lower=1e-3)
    n = ln.groupby("session_id")["sku_id"].transform("count")
    ln["exposure"] = ln["fit"] * (
        ln["pinned_minutes"] + BROWSE_SHARE * (ln["minutes"] - ln["pinned_minutes"]) / n.clip(2)
    ).clip(lower=0.5)
    s["n_products"] = s["session_id"].map(ln.groupby("session_id").size()).fillna(0)
    return HostHistory(s.reset_index(drop=True), ln.reset_index(drop=True), creators, markets)


def _local_slot(s: pd.DataFrame, tz: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Market-local weekday and hour of each live's start (no start: Monday 20:00)."""
    local = local_times(s["start"], s["market"].map(tz))
    return (
        local.dt.day_of_week.fillna(0).to_numpy(dtype=int),
        local.dt.hour.fillna(20).to_numpy(dtype=int),
    )


def category_cells(h: HostHistory) -> pd.DataFrame:
    """One row per live x category in its line-up: units sold, exposure (pinned-minute-weighted
    product fit) and the exposure-weighted price."""
    ln = h.lines.assign(pe=h.lines["price"] * h.lines["exposure"])
    g = ln.groupby(["session_id", "category"], as_index=False).agg(
        units=("units", "sum"), exposure=("exposure", "sum"), pe=("pe", "sum")
    )
    g["price"] = g["pe"] / g["exposure"]
    return g.drop(columns="pe").merge(h.sessions, on="session_id", how="inner")
