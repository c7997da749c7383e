"""Re-planning as warm-up days pass: how each SKU's forecast and order moved between plans (made
now for earlier days, or saved earlier: ``livecart.stock.saved``), and which moves are big enough
to act on.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel, Field

from livecart.stock.forecast import DemandForecaster
from livecart.stock.saved import saved_plans
from livecart.stock.sizing import StockPlan, plan_inputs, plan_stock
from livecart.store import Workspace

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
    _target, past, start, _when = plan_inputs(ws, session_id, None)  # checks the session
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
