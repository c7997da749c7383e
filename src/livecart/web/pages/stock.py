"""Stock: the demand fan chart and the stock plan of a coming live, and its REST twins. Every
route calls `livecart.stock` and renders; nothing is decided here."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from functools import partial
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from livecart.stock import (
    Replan,
    StockPlan,
    plan_stock,
    planned_stock,
    replan,
    save_plan,
    sessions_to_plan,
)
from livecart.stock.fanchart import fan_chart
from livecart.stock.po import purchase_order, purchase_order_csv
from livecart.store.team import User, record
from livecart.web.cache import LIVES_TABLES, cached
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.render import render
from livecart.web.team import require

router = APIRouter()
# what a stock plan reads: the live and its line-up, past lives' sales and ad spend, the
# products' videos, stock on hand, exchange rates; a live's saved plans for the monitor's stock
PLAN_TABLES = (*LIVES_TABLES, "inventory", "markets", "fx_rates")
BUDGET = Query(
    None, ge=0, allow_inf_nan=False, description="money for new orders, reporting currency"
)
CAPACITY = Query(None, ge=0, allow_inf_nan=False, description="most units held across the SKUs")
AS_OF = Query(None, description="plan as of this UTC time (default: now, or the live's start)")


@dataclass(frozen=True)
class PlanInputs:
    """What a stock plan is made with, read once from the query (``Depends(PlanInputs)``)."""

    budget: float | None = BUDGET
    capacity: float | None = CAPACITY
    as_of: dt.datetime | None = AS_OF

    def query(self) -> str:
        """The inputs given, as the query string the page's links carry ('' without)."""
        given = {k: v for k, v in asdict(self).items() if v is not None}
        return f"?{urlencode(given)}" if given else ""


@router.get("/api/stock/{session_id}", response_model=StockPlan, tags=["stock"])
def api_plan(request: Request, session_id: str, inputs: PlanInputs = Depends()) -> StockPlan:
    """Demand forecast and stock plan per SKU of a live."""
    return _plan(request, session_id, inputs)


def _plan(request: Request, session_id: str, inputs: PlanInputs) -> StockPlan:
    """The stock plan, cached until the workspace's data, the inputs or the minute change (see
    livecart.web.cache)."""
    given = asdict(inputs)
    make = partial(plan_stock, workspace(request), session_id, **given)
    return cached(request, "stock", make, session_id=session_id, tables=PLAN_TABLES, **given)


@router.post("/api/stock/{session_id}/plans", tags=["stock"])
def api_save(
    request: Request,
    session_id: str,
    budget: float | None = BUDGET,
    capacity: float | None = CAPACITY,
    user: User = Depends(require("operator")),
) -> dict[str, str]:
    """Make and store a plan now (re-planning history; the live monitor reads the latest)."""
    ws = workspace(request)
    plan = plan_stock(ws, session_id, budget=budget, capacity=capacity)
    plan_id = save_plan(ws, plan)
    after = {"plan_id": plan_id, "order_units": plan.totals.get("order_qty")}
    record(ws.path, user.name, "stock plan save", session_id, None, after)
    return {"plan_id": plan_id, "session_id": session_id}


@router.get("/api/stock/{session_id}/replan", response_model=Replan, tags=["stock"])
def api_replan(request: Request, session_id: str, budget: float | None = BUDGET) -> Replan:
    """Plans 3, 2, 1 and 0 days before the live, and the SKUs whose order moved enough."""
    make = partial(replan, workspace(request), session_id, budget=budget)
    return cached(request, "replan", make, session_id=session_id, budget=budget, tables=PLAN_TABLES)


@router.get("/api/stock/{session_id}/planned", tags=["stock"])
def api_planned(request: Request, session_id: str) -> dict[str, int]:
    """The stock per SKU the live monitor starts from (latest saved plan, else a fresh one)."""
    make = partial(planned_stock, workspace(request), session_id)
    tables = (*PLAN_TABLES, "stock_plan_lines")
    return cached(request, "planned", make, session_id=session_id, tables=tables)


@router.get(
    "/api/stock/{session_id}/purchase-order.csv", response_class=PlainTextResponse, tags=["stock"]
)
def api_po(request: Request, session_id: str, inputs: PlanInputs = Depends()) -> Response:
    """The purchase order as CSV."""
    plan = _plan(request, session_id, inputs)
    return PlainTextResponse(
        purchase_order_csv(plan),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="po-{session_id}.csv"'},
    )


class PurchaseOrderLine(BaseModel):
    """One SKU to order, as a row of the purchase order's CSV."""

    session_id: str
    sku_id: str
    product: str
    order_qty: int
    unit_cost: float
    line_cost: float = Field(description="order_qty x unit_cost, in currency")
    currency: str
    latest_order_date: str = Field(description="ISO date to order by ('' when unknown)")
    target: int
    available: int
    note: str = Field(description="'LATE: expedite' when the order date has passed")


@router.get(
    "/api/stock/{session_id}/purchase-order",
    response_model=list[PurchaseOrderLine],
    tags=["stock"],
)
def api_po_json(
    request: Request, session_id: str, inputs: PlanInputs = Depends()
) -> list[dict[str, object]]:
    """The purchase order as JSON: the same lines as ``purchase-order.csv``, largest spend
    first (= `livecart stock plan --csv`)."""
    return purchase_order(_plan(request, session_id, inputs))


def _zones(ws) -> dict[str, str]:
    """Each market's time zone: the Live picker shows market wall times, not UTC."""
    t = ws.query("SELECT market, timezone FROM markets WHERE timezone IS NOT NULL")
    return dict(zip(t["market"], t["timezone"], strict=True))


@router.get("/stock", response_class=HTMLResponse, include_in_schema=False)
def page_stock(
    request: Request, session: str | None = None, inputs: PlanInputs = Depends()
) -> Response:
    ws = workspace(request)
    choices, default = sessions_to_plan(ws)
    sid = session or default
    if sid is None:
        return render(request, "stock.html", {"title": "Stock", "plan": None, "choices": []})
    plan = _plan(request, sid, inputs)
    return render(
        request,
        "stock.html",
        {
            "title": "Stock",
            "plan": plan,
            "choices": choices,
            "zones": _zones(ws),
            **asdict(inputs),
            "query": inputs.query(),
            "order": purchase_order(plan),
            "fan": fan_chart(plan),
            "totals": plan.totals,
        },
    )


PAGE = Page(
    "stock",
    "Stock",
    "/stock",
    "demand forecast from warm-up videos and stock sizing for a coming live",
    router=router,
)
