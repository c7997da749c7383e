"""Everything the plan reads from its neighbours, in one small module so the coupling is easy to
see: the market-fit evidence of `livecart.selection` (issue 5), the stock plan of
`livecart.stock` (issue 6) when one exists, and the workspace's own history for golden-hour
targets in the format `livecart.live.targets.plan_from_targets` accepts (issue 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livecart.errors import LivecartError
from livecart.store import Workspace

TARGET_KEYS = ("gmv", "orders", "entries", "ad_spend")  # live.targets.CUM_METRICS


def market_info(ws: Workspace, market: str) -> dict:
    from livecart.store.query import frame, market_zones

    m = frame(ws, market_zones, market=market)
    if m.empty:
        known = ", ".join(frame(ws, market_zones)["market"])
        raise LivecartError(
            f"unknown market {market!r}: known markets are {known or 'none'} "
            "(import a markets file to add one)"
        )
    return m.iloc[0].to_dict()


def candidates(ws: Workspace, market: str) -> pd.DataFrame:
    """SKUs that can go on a live in ``market`` with their market-fit evidence: the selection
    model's posterior (CTR, GPM, verdict, P(beats benchmark)) where there is one; otherwise
    the catalogue with its list price and no evidence."""
    from livecart.store.query import catalog, frame

    cols = ["sku_id", "product_id", "product_name", "category", "price", "unit_cost", "currency"]
    cat = frame(ws, catalog)[cols]
    try:
        from livecart.selection import rank_products, score_workspace

        model = score_workspace(ws)
        # The plan reads no views-to-settle: skipping that preposterior simulation saves
        # most of the ranking's time and changes none of the columns the plan keeps.
        fit = rank_products(model, market=market, k=5, summary=model.summary(settle=False))
    except LivecartError:
        fit = pd.DataFrame(columns=["sku_id"])
    keep = [
        "sku_id",
        "ctr_mean",
        "gpm_mean",
        "benchmark_gpm",
        "p_beat",
        "verdict",
        "n_videos",
        "price",
    ]
    fit = fit[[c for c in keep if c in fit.columns]].rename(columns={"price": "market_price"})
    out = cat.merge(fit, on="sku_id", how="inner" if len(fit) else "left")
    if "market_price" in out:
        out["price"] = out["market_price"].fillna(out["price"])
    for c, v in (
        ("ctr_mean", np.nan),
        ("gpm_mean", np.nan),
        ("p_beat", np.nan),
        ("verdict", "no evidence"),
        ("n_videos", 0),
        ("benchmark_gpm", np.nan),
    ):
        if c not in out:
            out[c] = v
    out = out.merge(live_history(ws, market), on="sku_id", how="left")
    out["lives"] = out["lives"].fillna(0)
    out["live_strong"] = out["live_strong"].astype("boolean").fillna(False).astype(bool)
    return out.reset_index(drop=True)


STRONG_LIVES = 3  # lives before a live record counts as evidence on its own


LIVE_HISTORY = ["sku_id", "lives", "live_units_per_life", "live_gmv_per_minute"]


def live_history(ws: Workspace, market: str) -> pd.DataFrame:
    """Per SKU, its past lives in ``market``, units sold a live and GMV a live minute (the
    market's currency: its orders in those lives over their minutes). ``live_strong``: at least
    ``STRONG_LIVES`` lives and units a live at or above the market's median SKU
    (``live_units_median``), which proves a product as well as a winning test verdict does."""
    from livecart.store.query import frame, sku_live_history

    h = frame(ws, sku_live_history, market=market)
    if h.empty:
        return pd.DataFrame(columns=[*LIVE_HISTORY, "live_units_median", "live_strong"])
    h["live_units_per_life"] = h["units"] / h["lives"]
    h["live_gmv_per_minute"] = h["gmv"] / h["minutes"].where(h["minutes"] > 0)
    h["live_units_median"] = h["live_units_per_life"].median()
    h["live_strong"] = (h["lives"] >= STRONG_LIVES) & (
        h["live_units_per_life"] >= h["live_units_median"]
    )
    return h[[*LIVE_HISTORY, "live_units_median", "live_strong"]]


def known_hosts(ws: Workspace) -> pd.DataFrame:
    from livecart.store.query import creator_list, frame

    return frame(ws, creator_list)[["creator_id", "kind", "markets"]]


def check_session(ws: Workspace, session_id: str, market: str) -> None:
    """Refuse, naming what to do, a session the workspace does not hold or one of another
    market than the plan's."""
    from livecart.store.query import frame, host_sessions

    r = frame(ws, host_sessions, session_id=session_id)
    if r.empty:
        near = frame(ws, host_sessions, market=market).sort_values(
            ["start", "session_id"], ascending=False, na_position="last", kind="stable"
        )["session_id"][:5]
        hint = ", ".join(near) or "none yet"
        raise LivecartError(
            f"no session {session_id!r} in this workspace: link a recorded or imported session "
            f"(latest in {market}: {hint})"
        )
    if r["market"].iloc[0] != market:
        raise LivecartError(
            f"session {session_id} is a {r['market'].iloc[0]} live and the plan is for {market}: "
            f"link a {market} session"
        )


def stock_for(ws: Workspace, session_id: str | None, skus: list[str]) -> tuple[dict, str]:
    """Units per SKU from the stock plan (issue 6) when the plan is linked to a recorded
    session and a stock plan can be made; otherwise an empty dict and the reason."""
    if not session_id:
        return {}, "no stock plan yet: link the plan to a session to size stock with livecart stock"
    try:
        from livecart.stock import planned_stock
    except ImportError:
        return {}, "no stock plan yet: the stock module is not available"
    try:
        got = planned_stock(ws, session_id)
    except LivecartError as e:
        return {}, f"no stock plan yet: {e}"
    return {s: int(got[s]) for s in skus if s in got}, "stock plan (livecart stock)"


def golden_history(ws: Workspace, market: str) -> dict[str, float]:
    """Median over the market's past sessions of GMV, orders and entries in the golden hour
    (minutes 0-59, local currency): the base of the golden-hour targets."""
    from livecart.store.query import frame, session_kpis

    k = frame(ws, session_kpis, market=market)
    h = k[k["golden_minutes"] > 0]  # the lives with minutes in the golden hour
    if h.empty:
        return {}
    whole = {
        c: float(k[c].median()) for c in ("session_gmv", "session_orders") if k[c].notna().any()
    }
    return {k: float(h[k].median()) for k in ("gmv", "orders", "entries")} | whole | {"n": len(h)}
