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
    m = ws.query("SELECT market, currency, timezone FROM markets WHERE market = ?", [market])
    if m.empty:
        known = ", ".join(ws.query("SELECT market FROM markets ORDER BY market")["market"])
        raise LivecartError(
            f"unknown market {market!r}: known markets are {known or 'none'} "
            "(import a markets file to add one)"
        )
    return m.iloc[0].to_dict()


def candidates(ws: Workspace, market: str) -> pd.DataFrame:
    """SKUs that can go on a live in ``market`` with their market-fit evidence: the selection
    model's posterior (CTR, GPM, verdict, P(beats benchmark)) where there is one; otherwise
    the catalogue with its list price and no evidence."""
    cat = ws.query(
        "SELECT sku_id, product_id, product_name, category, price, unit_cost, currency "
        "FROM products"
    )
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
    h = ws.query(
        """
        WITH lives AS (
            SELECT DISTINCT sp.session_id, sp.sku_id, date_diff('minute',
                   coalesce(s.actual_start, s.planned_start),
                   coalesce(s.actual_end, s.planned_end)) AS minutes
            FROM session_products sp JOIN sessions s USING (session_id) WHERE s.market = ?),
        sold AS (SELECT session_id, sku_id, sum(quantity) AS units, sum(subtotal) AS gmv
                 FROM orders GROUP BY 1, 2)
        SELECT l.sku_id, count(*) AS lives, sum(l.minutes) AS minutes,
               coalesce(sum(o.units), 0) AS units, coalesce(sum(o.gmv), 0) AS gmv
        FROM lives l LEFT JOIN sold o USING (session_id, sku_id) GROUP BY l.sku_id""",
        [market],
    )
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
    return ws.query("SELECT creator_id, kind, markets FROM creators")


def check_session(ws: Workspace, session_id: str, market: str) -> None:
    """Refuse, naming what to do, a session the workspace does not hold or one of another
    market than the plan's."""
    r = ws.query("SELECT market FROM sessions WHERE session_id = ?", [session_id])
    if r.empty:
        near = ws.query(
            "SELECT session_id FROM sessions WHERE market = ? "
            "ORDER BY coalesce(actual_start, planned_start) DESC NULLS LAST LIMIT 5",
            [market],
        )["session_id"]
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


def golden_history(ws: Workspace, market: str, minutes: int = 60) -> dict[str, float]:
    """Median over the market's past sessions of GMV, orders and entries by minute ``minutes``
    (local currency): the base of the golden-hour targets."""
    q = (
        "SELECT m.session_id, sum(m.gmv) AS gmv, sum(m.orders) AS orders, "
        "sum(m.entries) AS entries FROM live_minutes m JOIN sessions s USING (session_id) "
        "WHERE s.market = ? AND m.minute < ? GROUP BY m.session_id"
    )
    h = ws.query(q, [market, minutes])
    if h.empty:
        return {}
    s = ws.query("SELECT gmv, orders FROM sessions WHERE market = ?", [market])
    whole = {f"session_{k}": float(s[k].median()) for k in ("gmv", "orders") if s[k].notna().any()}
    return {k: float(h[k].median()) for k in ("gmv", "orders", "entries")} | whole | {"n": len(h)}
