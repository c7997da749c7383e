"""Plans: stored session plans, one plan's document (run of show, budget and pacing, curves,
targets), and the retro of a recorded session against its plan."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from livecart.plan import list_plans, load_plan
from livecart.plan.view import plan_view, retro_view
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.render import render

router = APIRouter()


@router.get("/api/plans", tags=["plans"])
def api_plans(request: Request) -> list[dict]:
    return list_plans(workspace(request)).astype(object).to_dict("records")


@router.get("/api/plans/{plan_id}", tags=["plans"])
def api_plan(request: Request, plan_id: str) -> dict:
    return load_plan(workspace(request), plan_id).model_dump(mode="json")


def _not_found(request: Request, detail: str) -> Response:
    """404 with the body livecart's errors have (``error``, ``detail``): JSON for the API,
    the error page for a page."""
    body = {"error": "NotFound", "detail": detail}
    if request.url.path.startswith("/api/"):
        return JSONResponse(body, status_code=404)
    ctx = {"title": "Not found", "status": 404, "body": body}
    return render(request, "error.html", ctx, status_code=404)


@router.get("/api/retros/{session_id}", tags=["plans"], response_model=None)
def api_retro(request: Request, session_id: str) -> dict | Response:
    """The retro of a session against its linked plan; 404 (saying what to do) for an unknown
    session or one with no linked plan."""
    v = retro_view(workspace(request), session_id)
    return _not_found(request, v["missing"]) if v["retro"] is None else v["retro"].as_dict()


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def page_plans(request: Request) -> Response:
    ws = workspace(request)
    plans = list_plans(ws).to_dict("records")
    return render(request, "plans.html", {"title": "Plans", "plans": plans})


@router.get("/plans/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def page_plan(request: Request, plan_id: str) -> Response:
    v = plan_view(workspace(request), plan_id)
    return render(request, "plan.html", {"title": v["plan"].title, **v})


@router.get("/retros/{session_id}", response_class=HTMLResponse, include_in_schema=False)
def page_retro(request: Request, session_id: str) -> Response:
    v = retro_view(workspace(request), session_id)
    if not v["known"]:
        return _not_found(request, v["missing"])
    return render(request, "retro.html", {"title": f"Retro {session_id}", "sid": session_id, **v})


PAGE = Page(
    "plans", "Plans", "/plans", "session plans (line-up, run of show) and retros", router=router
)
