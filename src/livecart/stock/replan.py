"""Re-planning as warm-up days pass: plans saved with their time, how each SKU's forecast and
order moved between plans, and which moves are big enough to act on.

Saved plans live in the workspace table ``stock_plan_lines`` (a numbered migration in
``livecart.store.migrations`` creates it).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd
from pydantic import BaseModel, Field

from livecart.stock.forecast import DemandForecaster
from livecart.stock.plan import StockPlan, _session_rows, plan_stock
from livecart.store import Workspace

TABLE = "stock_plan_lines"
ACT_UNITS = 5  # an order move smaller than this many units is not worth a phone call
ACT_SHARE = 0.2  # nor one smaller than this share of the earlier order


class PlanMove(BaseModel):
    sku_id: str
    p50_before: float
    p50_now: float
    order_before: int
    order_now: int
    target_before: int
    target_now: int
    act: bool = Field(description="moved enough to act on")
    reason: str = ""


class PlanStep(BaseModel):
    as_of: dt.datetime
    p50: dict[str, float]
    order_qty: dict[str, int]
    target: dict[str, int]


class Replan(BaseModel):
    session_id: str
    steps: list[PlanStep]
    moves: list[PlanMove] = Field(description="from the first step to the last")


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
    df = saved_plans(ws, session_id)
    if df.empty:
        return {}
    last = df[df["saved_at"] == df["saved_at"].max()]
    return {str(s): int(t) for s, t in zip(last["sku_id"], last["target"], strict=True)}


def _step(plan: StockPlan) -> PlanStep:
    return PlanStep(
        as_of=plan.as_of,
        p50={ln.sku_id: ln.p50 for ln in plan.lines},
        order_qty={ln.sku_id: ln.order_qty for ln in plan.lines},
        target={ln.sku_id: ln.target for ln in plan.lines},
    )


def compare(before: PlanStep, now: PlanStep) -> list[PlanMove]:
    """Per SKU, how the forecast and the order moved; ``act`` when the order moved by at least
    `ACT_UNITS` units and `ACT_SHARE` of the earlier order, or started or stopped by at least
    `ACT_UNITS` units (a 1-unit order appearing is noise, not news)."""
    out = []
    for sku in now.order_qty:
        ob, on = before.order_qty.get(sku, 0), now.order_qty[sku]
        d = on - ob
        started = (ob == 0) != (on == 0) and abs(d) >= ACT_UNITS
        big = abs(d) >= ACT_UNITS and abs(d) >= ACT_SHARE * max(ob, 1)
        reason = ""
        if started:
            reason = "order now needed" if on else "order no longer needed"
        elif big:
            reason = f"order {'up' if d > 0 else 'down'} {abs(d)} units"
        out.append(
            PlanMove(
                sku_id=sku,
                p50_before=before.p50.get(sku, 0.0),
                p50_now=now.p50[sku],
                order_before=ob,
                order_now=on,
                target_before=before.target.get(sku, 0),
                target_now=now.target[sku],
                act=bool(reason),
                reason=reason,
            )
        )
    return out


def replan(
    ws: Workspace, session_id: str, days_before: tuple[float, ...] = (3, 2, 1, 0), **kw
) -> Replan:
    """Plans made ``days_before`` the live's planned start (each seeing only the warm-ups
    posted by then), and how the last moved from the first."""
    _target, past, start, _when = _session_rows(ws, session_id, None)  # checks the session
    f = DemandForecaster(seed=kw.pop("seed", 0)).fit(past)  # the past does not move: fit once
    steps = []
    for d in sorted(days_before, reverse=True):
        when = start - pd.Timedelta(days=d)
        steps.append(
            _step(plan_stock(ws, session_id, as_of=when.to_pydatetime(), forecaster=f, **kw))
        )
    return Replan(session_id=session_id, steps=steps, moves=compare(steps[0], steps[-1]))


def saved_moves(ws: Workspace, session_id: str) -> list[PlanMove]:
    """Moves between the two latest saved plans of a session ([] with fewer than two)."""
    df = saved_plans(ws, session_id)
    if df.empty or df["plan_id"].nunique() < 2:
        return []
    ids = df.drop_duplicates("plan_id")["plan_id"].tolist()[-2:]
    steps = []
    for pid in ids:
        p = df[df["plan_id"] == pid]
        steps.append(
            PlanStep(
                as_of=p["as_of"].iloc[0],
                p50=dict(zip(p["sku_id"], p["p50"], strict=True)),
                order_qty={k: int(v) for k, v in zip(p["sku_id"], p["order_qty"], strict=True)},
                target={k: int(v) for k, v in zip(p["sku_id"], p["target"], strict=True)},
            )
        )
    return compare(steps[0], steps[1])
