"""The stock plan for one coming live: per SKU the demand forecast, the stock to hold (newsvendor
under a budget and a capacity), what to order now and by when, and the risks each way.

Stock already there counts: the latest inventory snapshot of the session's market (on or before
the plan day) gives on-hand units, plus inbound units whose arrival day is before the session's
day. Inbound arriving on the session day or later is not counted, and the plan says so.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from livecart.errors import LivecartError, NotFoundError
from livecart.model.clock import utc_naive, utc_now
from livecart.stock.costs import StockCosts, unit_costs
from livecart.stock.forecast import DemandForecaster
from livecart.stock.history import add_history, load_rows
from livecart.stock.newsvendor import Item, SampleDemand, allocate, critical_fractile
from livecart.store import Workspace

FAN_LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
CAP_Q = 0.995  # stock level used when leftovers cost nothing (fractile 1)


class StockPlanError(LivecartError):
    """A stock plan that cannot be made (unknown session, no line-up)."""


class UnknownSessionError(StockPlanError, NotFoundError):
    """No session of that id in the workspace."""


class PlanLine(BaseModel):
    sku_id: str
    name: str = ""
    role: str | None = None
    price: float = Field(description="live price, reporting currency")
    unit_cost: float | None = Field(description="landed unit cost, reporting currency")
    underage: float = Field(description="cost of a unit short: margin (+ stock-out penalty)")
    overage: float = Field(description="cost of a unit left over: holding, return, markdown")
    fractile: float = Field(description="newsvendor critical fractile cu / (cu + co)")
    p10: float
    p50: float
    p90: float
    mean: float
    fan: dict[str, float] = Field(description="demand quantiles for the fan chart")
    forecast_source: str = Field(description="'model' (learned) or 'prior' (no history)")
    on_hand: int
    inbound_in_time: int
    inbound_late: int = Field(description="inbound arriving on or after the session day")
    available: int
    target: int = Field(description="stock to hold for the live")
    order_qty: int = Field(description="units to order now")
    lead_time_days: int | None
    latest_order_date: dt.date | None
    order_late: bool = Field(description="the latest order date has passed")
    fill_rate: float = Field(description="expected share of demand served")
    expected_short: float
    expected_leftover: float
    money_at_risk_short: float = Field(description="expected margin lost to stock-outs")
    money_at_risk_leftover: float = Field(description="expected cost of leftover stock")
    flags: list[str] = Field(default_factory=list)


class StockPlan(BaseModel):
    session_id: str
    market: str
    planned_start: dt.datetime | None
    as_of: dt.datetime
    currency: str
    budget: float | None
    capacity: float | None
    budget_used: float
    budget_binds: bool
    capacity_binds: bool
    forecast_source: str
    sessions_learned: int
    lines: list[PlanLine]
    notes: list[str] = Field(default_factory=list)

    @property
    def totals(self) -> dict[str, float]:
        return {
            k: float(sum(getattr(x, k) for x in self.lines))
            for k in (
                "target",
                "order_qty",
                "expected_short",
                "expected_leftover",
                "money_at_risk_short",
                "money_at_risk_leftover",
            )
        }


def plan_inputs(ws: Workspace, session_id: str, as_of: dt.datetime | None):
    """What a plan of ``session_id`` as of ``as_of`` starts from: the session's line-up rows, the
    past sessions' rows with known sales, its start, and the time the plan is made (checks that
    the session exists, has a start and a line-up)."""
    from livecart.store.query import frame, session_rows

    exists = frame(ws, session_rows, session_id=session_id)
    if exists.empty:
        raise UnknownSessionError(
            f"no session {session_id!r} in the workspace: import it first "
            f"(`livecart import DIR sessions FILE`); `livecart status DIR` lists what it holds",
            dashboard=f"no session {session_id!r} in the workspace: import it first on the "
            "Import page (sessions); the Stock page's Live list shows the lives it can plan",
        )
    start = exists["planned_start"].fillna(exists["actual_start"]).iloc[0]
    if pd.isna(start):
        raise StockPlanError(f"session {session_id} has no planned start: set planned_start")
    when = utc_naive(as_of) if as_of else min(utc_now(), start)
    rows = add_history(load_rows(ws, as_of={session_id: when.to_pydatetime()}))
    target = rows[rows["session_id"] == session_id].reset_index(drop=True)
    if target.empty:
        raise StockPlanError(
            f"session {session_id} has no line-up: import its products "
            f"(`livecart import DIR session_products FILE`, one row per SKU) and plan again",
            dashboard=f"session {session_id} has no line-up: import its products on the Import "
            "page (session_products, one row per SKU) and plan again",
        )
    past = rows[(rows["start"] < start) & rows["sold"].notna()]
    return target, past, pd.Timestamp(start), when


def _inventory(
    ws: Workspace, skus: list[str], market: str, day: dt.date, session_day: dt.date
) -> pd.DataFrame:
    """Per SKU: on hand, inbound in time, inbound late, lead time (latest snapshot <= day)."""
    from livecart.store.query import frame, inventory_snapshots

    inv = frame(ws, inventory_snapshots, location=market)
    inv = inv[inv["as_of"] <= pd.Timestamp(day)]  # the latest snapshot by the day, per SKU
    inv = inv.sort_values(["sku_id", "as_of"], kind="stable").drop_duplicates("sku_id", keep="last")
    inv = inv.set_index("sku_id").reindex(skus)
    arrival_ts = pd.to_datetime(inv["inbound_arrival"]).dt.normalize()
    arrival = arrival_ts.dt.date
    inbound = inv["inbound"].fillna(0).astype(int)
    in_time = arrival_ts.notna() & (arrival_ts < pd.Timestamp(session_day))
    return pd.DataFrame(
        {
            "on_hand": inv["on_hand"].fillna(0).astype(int),
            "inbound_in_time": np.where(in_time, inbound, 0),
            "inbound_late": np.where(in_time, 0, inbound),
            "arrival": arrival,
            "lead_time_days": inv["lead_time_days"],
            "known": inv["as_of"].notna(),
        },
        index=skus,
    )


def plan_stock(
    ws: Workspace,
    session_id: str,
    *,
    budget: float | None = None,
    capacity: float | None = None,
    as_of: dt.datetime | None = None,
    costs: StockCosts | None = None,
    seed: int = 0,
    forecaster: DemandForecaster | None = None,
) -> StockPlan:
    """The stock plan of ``session_id`` as of ``as_of`` (default: now, or the session's start
    for a live already past). ``budget`` caps the money spent on new orders (reporting
    currency); ``capacity`` caps the units held for the live across its SKUs. A
    ``forecaster`` already fitted on the lives before this one can be passed to save refitting
    (re-planning does)."""
    costs = costs or StockCosts()
    if budget is not None and budget < 0 or capacity is not None and capacity < 0:
        raise StockPlanError("budget and capacity must be 0 or more; leave them out for no limit")
    target, past, start, when = plan_inputs(ws, session_id, as_of)
    f = forecaster or DemandForecaster(seed=seed).fit(past)
    grid = f.quantiles(target)
    fan = f.quantiles(target, np.array(FAN_LEVELS))
    inv = _inventory(
        ws, target["sku_id"].tolist(), str(target["market"].iloc[0]), when.date(), start.date()
    )
    cu, co = unit_costs(target, costs)
    buy = target["unit_cost_rc"].fillna(0.0).to_numpy(float)
    have = (inv["on_hand"] + inv["inbound_in_time"]).to_numpy(float)
    demands = [SampleDemand(np.sort(g)) for g in grid]
    items = [
        Item(d, u, o, b, 1.0, h) for d, u, o, b, h in zip(demands, cu, co, buy, have, strict=True)
    ]
    alloc = allocate(items, budget, capacity, CAP_Q, integer=True)
    levels = alloc.levels.astype(int)
    lines = [
        _line(
            target.iloc[i],
            demands[i],
            fan[i],
            levels[i],
            inv.iloc[i],
            cu[i],
            co[i],
            f.source_,
            when,
            start,
        )
        for i in range(len(target))
    ]
    spent = float(sum(b * ln.order_qty for b, ln in zip(buy, lines, strict=True)))
    plan = StockPlan(
        session_id=session_id,
        market=str(target["market"].iloc[0]),
        planned_start=start.to_pydatetime(),
        as_of=when.to_pydatetime(),
        currency=ws.settings.reporting_currency,
        budget=budget,
        capacity=capacity,
        budget_used=spent,
        budget_binds=alloc.budget_binds,
        capacity_binds=alloc.capacity_binds,
        forecast_source=f.source_,
        sessions_learned=f.n_sessions_,
        lines=lines,
    )
    plan.notes = _notes(plan, f, have, capacity)
    return plan


def _line(
    r: pd.Series,
    d: SampleDemand,
    fan: np.ndarray,
    level: int,
    inv: pd.Series,
    cu: float,
    co: float,
    source: str,
    when: pd.Timestamp,
    start: pd.Timestamp,
) -> PlanLine:
    short, left = d.expected_short(level), d.expected_leftover(level)
    lead = None if pd.isna(inv["lead_time_days"]) else int(inv["lead_time_days"])
    latest = (start - pd.Timedelta(days=lead)).date() if lead is not None else None
    have = int(inv["on_hand"] + inv["inbound_in_time"])
    order = max(level - have, 0)
    cost = None if pd.isna(r["unit_cost_rc"]) else float(r["unit_cost_rc"])
    line = PlanLine(
        sku_id=r["sku_id"],
        name=" ".join(str(x) for x in (r["product_name"], r["variation"]) if isinstance(x, str)),
        role=r["role"] if isinstance(r["role"], str) else None,
        price=float(r["price_rc"]) if pd.notna(r["price_rc"]) else 0.0,
        unit_cost=cost,
        underage=float(cu),
        overage=float(co),
        fractile=critical_fractile(cu, co),
        p10=float(d.ppf(0.1)),
        p50=float(d.ppf(0.5)),
        p90=float(d.ppf(0.9)),
        mean=d.mean,
        fan={f"p{round(q * 100):02d}": float(v) for q, v in zip(FAN_LEVELS, fan, strict=True)},
        forecast_source=source,
        on_hand=int(inv["on_hand"]),
        inbound_in_time=int(inv["inbound_in_time"]),
        inbound_late=int(inv["inbound_late"]),
        available=have,
        target=int(level),
        order_qty=order,
        lead_time_days=lead,
        latest_order_date=latest,
        order_late=bool(order > 0 and latest is not None and when.date() > latest),
        fill_rate=1.0 - short / d.mean if d.mean > 0 else 1.0,
        expected_short=short,
        expected_leftover=left,
        money_at_risk_short=max(cu, 0.0) * short,
        money_at_risk_leftover=co * left,
    )
    line.flags = _flags(r, line, inv)
    return line


def _flags(r: pd.Series, ln: PlanLine, inv: pd.Series) -> list[str]:
    out = []
    if ln.forecast_source == "prior":
        out.append("prior forecast: too few past lives to learn from (category benchmark)")
    elif r["sku_n"] == 0:
        out.append("no history for this SKU: forecast from line-up, warm-ups, host and market")
    if ln.unit_cost is None:
        out.append(
            "no unit cost on record: margin taken as the full price; import products with unit_cost"
        )
    elif ln.unit_cost == 0:
        out.append("zero unit cost: ordering it costs nothing against the budget")
    if ln.underage <= 0:
        out.append("no margin (price at or below cost): stocking more only adds leftover cost")
    elif ln.overage <= 0:
        out.append(f"leftovers cost nothing: stocked at the {CAP_Q:.1%} demand quantile")
    if ln.inbound_late:
        when = inv["arrival"]
        out.append(f"inbound {ln.inbound_late} arrives {when}, not before the live: not counted")
    if not bool(inv["known"]):
        out.append("no inventory snapshot for this market: on hand taken as 0")
    if ln.order_late:
        out.append(
            f"order by {ln.latest_order_date} (lead time {ln.lead_time_days} d) has "
            f"passed: expedite, or the shortfall stays"
        )
    return out


def _notes(
    plan: StockPlan, f: DemandForecaster, have: np.ndarray, capacity: float | None
) -> list[str]:
    out = []
    if f.source_ == "prior":
        out.append(
            f"forecast is a prior from category benchmarks: only {f.n_sessions_} past "
            f"lives with sales (a model needs 8)"
        )
    else:
        out.append(
            f"forecast learned from {f.n_sessions_} past lives "
            f"({f.n_censored_} sold-out SKU rows treated as lower bounds)"
        )
    nothing = all(ln.order_qty == 0 for ln in plan.lines)
    if plan.budget is not None and plan.budget_binds:
        if nothing:
            out.append(
                f"budget {plan.budget:,.2f} {plan.currency} is too small to order any "
                f"unit: the live runs on stock already there"
            )
        else:
            out.append("the budget binds: each SKU is stocked below its unconstrained level")
    if capacity is not None and float(have.sum()) > capacity:
        out.append(
            f"stock already there ({int(have.sum())} units) exceeds the capacity "
            f"{capacity:g}: nothing more is ordered"
        )
    elif plan.capacity_binds:
        out.append("warehouse capacity binds: SKUs with the least margin per unit give way")
    if nothing and not plan.budget_binds and not plan.capacity_binds:
        out.append("no order needed beyond stock already there")
    return out


class SessionChoice(BaseModel):
    session_id: str
    market: str | None
    planned_start: dt.datetime | None
    skus: int
    upcoming: bool


def sessions_to_plan(ws: Workspace) -> tuple[list[SessionChoice], str | None]:
    """Sessions with a line-up, newest first, and the one to show by default: the next coming
    live, else the latest."""
    from livecart.store.query import frame, lineup_sessions

    df = frame(ws, lineup_sessions)
    now = utc_now()
    out = [
        SessionChoice(
            session_id=r.session_id,
            market=r.market,
            planned_start=None if pd.isna(r.start) else r.start.to_pydatetime(),
            skus=int(r.skus),
            upcoming=bool(pd.notna(r.start) and r.start >= now),
        )
        for r in df.itertuples()
    ]
    coming = [c for c in out if c.upcoming]
    default = coming[-1].session_id if coming else (out[0].session_id if out else None)
    return out, default
