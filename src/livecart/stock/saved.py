"""Saved stock plans: a plan's lines stored with the time it was saved, read back, and handed to
the live monitor (``planned_stock``: the stock to hold per SKU).

Saved plans live in the workspace table ``stock_plan_lines`` (a numbered migration in
``livecart.store.migrations`` creates it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import pandas as pd

from livecart.store import Workspace

if TYPE_CHECKING:
    from livecart.stock.sizing import StockPlan

TABLE = "stock_plan_lines"


def save_plan(ws: Workspace, plan: StockPlan) -> str:
    """Store a plan's lines; returns its id."""
    pid = uuid.uuid4().hex[:12]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        (
            pid,
            plan.session_id,
            plan.as_of.replace(tzinfo=None),
            now,
            ln.sku_id,
            ln.p10,
            ln.p50,
            ln.p90,
            ln.target,
            ln.order_qty,
            plan.budget,
            plan.capacity,
        )
        for ln in plan.lines
    ]
    with ws.transaction() as con:
        con.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return pid


def saved_plans(ws: Workspace, session_id: str) -> pd.DataFrame:
    """Every saved plan line of a session, oldest plan first."""
    return ws.query(
        f"SELECT * FROM {TABLE} WHERE session_id = ? ORDER BY saved_at, sku_id", [session_id]
    )


def latest_saved(ws: Workspace, session_id: str) -> dict[str, int]:
    """The latest saved plan's stock per SKU, or {} when none was saved."""
    rows = (
        ws.cursor()
        .execute(
            f"SELECT sku_id, target FROM {TABLE} WHERE session_id = ? "
            f"QUALIFY saved_at = max(saved_at) OVER () ORDER BY sku_id",
            [session_id],
        )
        .fetchall()
    )  # the monitor asks for every room it starts: no DataFrame
    return {str(s): int(t) for s, t in rows}


def planned_stock(ws: Workspace, session_id: str, **kw) -> dict[str, int]:
    """Hand-off to the live monitor: the stock to hold per SKU (units) for ``session_id``,
    from its latest saved plan if there is one, else from a fresh `plan_stock`."""
    saved = latest_saved(ws, session_id)
    if saved:
        return saved
    from livecart.stock.sizing import plan_stock  # the forecaster (SciPy) only when needed

    return {ln.sku_id: ln.target for ln in plan_stock(ws, session_id, **kw).lines}
