"""Plans: stored session plans, one plan's document (run of show, budget and pacing, curves,
targets), and the retro of a recorded session against its plan."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from livecart.plan import list_plans, load_plan
from livecart.plan.view import plan_view, retro_view
from livecart.store.team import User, record
from livecart.web.deps import workspace
from livecart.web.jobs import Job, JobView, accepted
from livecart.web.page import Page
from livecart.web.render import render
from livecart.web.team import require

router = APIRouter()
Phases = tuple[float, float, float]


class PlanCreate(BaseModel):
    """The options of `livecart plan create`; the same core call (``create_plan``)."""

    market: str = Field(description="market code, e.g. US")
    start: str = Field(description="start in the market's local time, 'YYYY-MM-DD HH:MM'")
    budget: float = Field(gt=0, allow_inf_nan=False, description="ad budget, market currency")
    hosts: list[str] = Field(default_factory=list, description="host creator ids")
    minutes: int = Field(120, ge=10, le=24 * 60)
    skus: list[str] = Field(default_factory=list, description="line-up; default: picked")
    products: int = Field(10, ge=1, le=100, description="line-up size when SKUs are picked")
    objective: Literal["gmv", "profit", "roas"] = "gmv"
    extrapolate: bool = False
    rule: bool = Field(False, description="keep 2:6:2, do not optimize")
    min_spend: Phases | None = None
    max_spend: Phases | None = None
    session: str | None = Field(None, description="link to a recorded session")
    title: str = ""


class PlanEdit(BaseModel):
    """The options of `livecart plan edit`; every edit is saved as a new version."""

    hosts: list[str] | None = None
    budget: float | None = Field(None, gt=0, allow_inf_nan=False)
    min_spend: Phases | None = None
    max_spend: Phases | None = None
    title: str | None = None
    session: str | None = None
    move: str | None = Field(None, description="SKU:POSITION")
    role: str | None = Field(None, description="SKU:ROLE")
    note: str | None = Field(None, description="SKU:TEXT")
    min_pin: int | None = Field(None, ge=1)


def _pair(v: str | None, name: str) -> tuple[str, str] | None:
    from livecart.errors import LivecartError

    if v is None:
        return None
    if ":" not in v:
        raise LivecartError(f"{name} takes SKU:VALUE")
    a, b = v.split(":", 1)
    return a, b


@router.post("/api/plans", status_code=202, response_model=JobView, tags=["plans"])
def api_create_plan(
    request: Request, body: PlanCreate, user: User = Depends(require("operator"))
) -> JSONResponse:
    """Make and store a session plan (= `livecart plan create`), as a background job; its
    result is the stored plan."""
    ws = workspace(request)

    def work(job: Job) -> dict[str, Any]:
        from livecart.ads import Windows
        from livecart.plan import create_plan, save_plan

        job.progress(0, 2, "fitting the curves and picking the line-up")
        p = create_plan(
            ws,
            body.market,
            body.start,
            body.budget,
            body.hosts,
            minutes=body.minutes,
            skus=body.skus or None,
            n_products=body.products,
            windows=Windows(live_minutes=body.minutes),
            min_spend=body.min_spend,
            max_spend=body.max_spend,
            objective=body.objective,
            extrapolate=body.extrapolate,
            use_rule=body.rule,
            session_id=body.session,
            title=body.title,
        )
        job.progress(1, 2, "saving")  # a cancel before this point saves nothing
        p = save_plan(ws, p)
        record(ws.path, user.name, "plan create", p.plan_id, None, _brief(p))
        return json.loads(p.model_dump_json())

    return accepted(request, f"plan {body.market} {body.start}", user.name, work)


@router.patch("/api/plans/{plan_id}", tags=["plans"])
def api_edit_plan(
    request: Request, plan_id: str, body: PlanEdit, user: User = Depends(require("operator"))
) -> dict:
    """Change a plan (= `livecart plan edit`); saved as a new version, which is returned."""
    from livecart.plan import edit_plan

    ws = workspace(request)
    before = _brief(load_plan(ws, plan_id))
    p = edit_plan(
        ws,
        plan_id,
        hosts=body.hosts or None,
        min_spend=body.min_spend,
        max_spend=body.max_spend,
        budget=body.budget,
        title=body.title,
        session_id=body.session,
        move=_pair(body.move, "move"),
        role=_pair(body.role, "role"),
        note=_pair(body.note, "note"),
        pin_minutes=body.min_pin,
    )
    record(ws.path, user.name, "plan edit", plan_id, before, _brief(p))
    return p.model_dump(mode="json")


def _brief(p: Any) -> dict[str, Any]:
    """What an audit entry keeps of a plan."""
    return {
        "version": p.version,
        "title": p.title,
        "hosts": p.hosts,
        "budget": p.budget.get("budget"),
        "shares": p.budget.get("shares"),
        "lineup": [f"{s.sku_id}:{s.role}" for s in p.lineup],
        "session_id": p.session_id,
    }


EXPORTS = {
    "md": "text/markdown",
    "json": "application/json",
    "html": "text/html",
    "targets": "application/json",
}


@router.get("/api/plans/{plan_id}/export", response_class=PlainTextResponse, tags=["plans"])
def api_export_plan(
    request: Request,
    plan_id: str,
    format: Literal["md", "json", "html", "targets"] = Query("md"),  # noqa: A002
) -> Response:
    """A plan's run of show as a download (= `livecart plan show --format`)."""
    from livecart.plan import plan_html, to_json, to_markdown

    ws = workspace(request)
    p = load_plan(ws, plan_id)
    text = {
        "md": lambda: to_markdown(p),
        "json": lambda: to_json(p),
        "html": lambda: plan_html(ws, p),
        "targets": lambda: json.dumps(p.monitor_targets(), indent=2),
    }[format]()
    name = f"{plan_id}.{'json' if format == 'targets' else format}"
    return PlainTextResponse(
        text,
        media_type=EXPORTS[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/api/plans", tags=["plans"])
def api_plans(request: Request) -> list[dict]:
    return list_plans(workspace(request)).astype(object).to_dict("records")


@router.get("/api/plans/{plan_id}", tags=["plans"])
def api_plan(request: Request, plan_id: str) -> dict:
    return load_plan(workspace(request), plan_id).model_dump(mode="json")


def _not_found(request: Request, detail: str, fix: str | None = None) -> Response:
    """404 with the body livecart's errors have (``error``, ``detail``, ``fix``): JSON for the
    API, the error page for a page."""
    body = {"error": "NotFound", "detail": detail, **({"fix": fix} if fix else {})}
    if request.url.path.startswith("/api/"):
        return JSONResponse(body, status_code=404)
    ctx = {"title": "Not found", "status": 404, "body": body}
    return render(request, "error.html", ctx, status_code=404)


class RetroRow(BaseModel):
    metric: str
    label: str = Field(description="the metric in words")
    planned: float | None
    actual: float | None
    gap: float | None = Field(description="actual - planned")
    gap_pct: float | None = Field(description="gap as % of planned; None: not planned")


class RetroSku(BaseModel):
    sku_id: str
    role: str = Field(description="its role in the plan, or 'not in plan'")
    planned_stock: float | None
    in_session: bool
    stock_start: int | None
    left: int | None = Field(description="units left at the end")
    stockout_minute: int | None
    left_value: float | None = Field(description="what the units left are worth, at live price")


class RetroOut(BaseModel):
    """A recorded live against its plan (= `livecart plan retro --json`)."""

    session_id: str
    plan_id: str
    currency: str = Field(description="the currency of every money figure")
    rows: list[RetroRow]
    skus: list[RetroSku]
    largest: list[str] = Field(description="the largest gaps, in words")


UNLINKED = (
    "choose the plan to compare with (?plan=PLAN_ID; the Plans page's retro form has a Plan "
    "field), or link a plan to this live on its page (Edit this plan, Link session)"
)


@router.get("/api/retros/{session_id}", tags=["plans"], response_model=RetroOut)
def api_retro(
    request: Request,
    session_id: str,
    plan: str | None = Query(None, description="plan to compare (default: the linked one)"),
) -> Any:
    """The retro of a session against its linked plan (or ``plan``); 404 (saying what to do)
    for an unknown session or one with no linked plan."""
    ws = workspace(request)
    if plan is None:
        v = retro_view(ws, session_id)
        if v["retro"] is None:
            return _not_found(request, v["missing"], UNLINKED if v["known"] else None)
        return v["retro"].as_dict()
    from livecart.plan import retro

    return retro(ws, session_id, load_plan(ws, plan)).as_dict()


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def page_plans(request: Request) -> Response:
    ws = workspace(request)
    plans = list_plans(ws).to_dict("records")
    return render(request, "plans.html", {"title": "Plans", "plans": plans})


@router.get("/plans/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def page_plan(request: Request, plan_id: str) -> Response:
    from livecart.plan.documents import MONEY_TARGETS

    v = plan_view(workspace(request), plan_id)
    context = {"title": v["plan"].title, "money_targets": MONEY_TARGETS, **v}
    return render(request, "plan.html", context)


@router.get("/retros/{session_id}", response_class=HTMLResponse, include_in_schema=False)
def page_retro(
    request: Request,
    session_id: str,
    plan: str | None = Query(None, description="plan to compare (default: the linked one)"),
) -> Response:
    ws = workspace(request)
    v = retro_view(ws, session_id)
    if not v["known"]:
        return _not_found(request, v["missing"])
    if plan is not None and plan != getattr(v["plan"], "plan_id", None):
        from livecart.plan import retro

        p = load_plan(ws, plan)
        v = {**v, "plan": p, "retro": retro(ws, session_id, p), "missing": None}
    return render(request, "retro.html", {"title": f"Retro {session_id}", "sid": session_id, **v})


PAGE = Page(
    "plans", "Plans", "/plans", "session plans (line-up, run of show) and retros", router=router
)
