"""Hosts: skill per host and category with 80% intervals, the host x category heatmap, the
influencer-or-professional-host comparison for a coming live, and the store-live roster as a
week calendar. The page and ``/api/hosts`` come from the same core call
(``livecart.hosts.view.hosts_view``); ``/api/hosts/rank``, ``/api/hosts/compare`` and
``/api/hosts/roster`` (with ``roster.csv`` and a host's ``roster.ics``) mirror `livecart hosts
rank|compare|roster`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel

from livecart.web.cache import LIVES_TABLES, cached
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.render import render

router = APIRouter()


class HostSkill(BaseModel):
    host_id: str
    name: str
    kind: str
    category: str
    rank: int
    lives: int
    lives_in_category: int
    effect: float
    effect_lo: float
    effect_hi: float
    multiplier: float
    traffic_effect: float
    traffic_lo: float
    traffic_hi: float
    followers: int


class Candidate(BaseModel):
    host_id: str
    kind: str
    followers: int
    views: float
    gmv: float
    gmv_lo: float
    gmv_hi: float
    fee: float
    commission_rate: float
    cost: float
    contribution: float
    contribution_lo: float
    contribution_hi: float
    p_best: float
    roi: float | None
    currency: str


class ComparisonOut(BaseModel):
    winner: str | None
    reason: str
    notes: list[str]
    candidates: list[Candidate]


class Shift(BaseModel):
    host_id: str
    market: str
    weekday: str
    start_local: str
    end_local: str
    timezone: str
    start_utc: str
    end_utc: str
    expected_gmv: float
    currency: str


class EmptySlot(BaseModel):
    market: str
    start_local: str
    timezone: str
    reason: str


class EmptyDay(BaseModel):
    market: str
    day: str
    reason: str


class RosterOut(BaseModel):
    week: dt.date
    status: str
    gap: float
    expected_gmv: float
    greedy_gmv: float
    gain_over_greedy_pct: float | None
    notes: list[str]
    shifts: list[Shift]
    unfilled: list[EmptySlot]
    empty_days: list[EmptyDay]


def fit_hosts(ws):
    """The host model on the workspace's lives (seconds: the product fit and the host fit)."""
    from livecart.hosts import fit_workspace
    from livecart.selection import product_fit

    return fit_workspace(ws, product_fit(ws))


# the tables the host model reads (lives, their products and sales, the product fit's videos),
# and what its views and the roster add; a view is made from the model, so it names both
MODEL_TABLES = (*LIVES_TABLES, "creators", "markets")
VIEW_TABLES = (*MODEL_TABLES, "fx_rates", "host_availability")


def _model(request: Request):
    """The workspace and its host model, fitted once per data version (web/cache.py): every
    hosts route shares it; a write to the workspace fits it anew. A failed fit (no lives yet)
    is not cached."""
    ws = workspace(request)
    return ws, cached(
        request, "hosts-model", lambda: fit_hosts(ws), clock=False, tables=MODEL_TABLES
    )


def _view(request: Request, market: str | None, category: str | None) -> dict[str, Any]:
    """What the Hosts page shows (it solves the week's roster too), cached like the model."""
    from livecart.hosts.view import hosts_view

    ws, model = _model(request)
    make = lambda: hosts_view(ws, model, market=market, category=category)  # noqa: E731
    return cached(request, "hosts-view", make, market=market, category=category, tables=VIEW_TABLES)


@router.get("/api/hosts", tags=["hosts"])
def api_hosts(
    request: Request, market: str | None = None, category: str | None = None
) -> dict[str, Any]:
    """Everything the Hosts page shows for a market (charts as inline SVG)."""
    return _view(request, market, category)


@router.get("/api/hosts/rank", tags=["hosts"], response_model=list[HostSkill])
def api_rank(
    request: Request, market: str | None = None, category: str | None = None
) -> list[dict[str, Any]]:
    """Hosts by conversion effect per category, with 80% intervals and traffic effect."""
    from livecart.hosts import rank_hosts
    from livecart.hosts.view import _records

    _ws, model = _model(request)
    return _records(rank_hosts(model, market=market, category=category))


@router.get("/api/hosts/compare", tags=["hosts"], response_model=ComparisonOut)
def api_compare(
    request: Request,
    market: str,
    start: dt.datetime = Query(
        ..., description="start, the market's local time unless an offset is given"
    ),
    budget: float = Query(..., ge=0, allow_inf_nan=False),
    minutes: int = Query(120, ge=1),
    sku: list[str] | None = Query(None),
    host: list[str] | None = Query(None),
    fee_budget: float | None = Query(None, ge=0, allow_inf_nan=False),
) -> dict[str, Any]:
    """Candidates for a coming live: expected GMV (80%), cost, contribution, ROI, P(best)."""
    from livecart.hosts import compare_for_plan
    from livecart.hosts.view import _records

    ws, model = _model(request)
    out = compare_for_plan(
        ws,
        model,
        market,
        start,
        budget,
        minutes=minutes,
        skus=sku,
        hosts=host,
        fee_budget=fee_budget,
    )
    return {**out.as_dict(), "candidates": _records(out.rows)}


WEEK = Query(..., description="first day of the week")
REST = Query(1.0, ge=0, allow_inf_nan=False, description="hours between a host's shifts")


def _roster(request: Request, week: dt.date, rest: float, require_all: bool) -> Any:
    """The week's roster (CP-SAT, 5 s at most) and the greedy rule's, cached like the model."""
    from livecart.hosts.workspace import roster_for_workspace

    ws, model = _model(request)

    def make() -> Any:
        _req, opt, greedy = roster_for_workspace(
            ws, model, week, rest_hours=rest, require_all=require_all, time_limit=5.0
        )
        return opt, greedy

    return cached(
        request,
        "hosts-roster",
        make,
        week=week,
        rest=rest,
        require_all=require_all,
        tables=VIEW_TABLES,
    )


@router.get("/api/hosts/roster", tags=["hosts"], response_model=RosterOut)
def api_roster(
    request: Request, week: dt.date = WEEK, rest: float = REST, require_all: bool = False
) -> dict[str, Any]:
    """The week's store-live roster (CP-SAT) with its status and the greedy rule's GMV."""
    from livecart.hosts.view import _records

    opt, greedy = _roster(request, week, rest, require_all)
    gain = 100 * (opt.objective / greedy.objective - 1) if greedy.objective > 0 else None
    return {
        "week": week,
        "status": opt.status,
        "gap": opt.gap,
        "expected_gmv": opt.objective,
        "greedy_gmv": greedy.objective,
        "gain_over_greedy_pct": gain,
        "notes": opt.notes,
        "shifts": _records(opt.assignments),
        "unfilled": _records(opt.unfilled),
        "empty_days": opt.empty_days,
    }


@router.get("/api/hosts/roster.csv", tags=["hosts"], response_class=PlainTextResponse)
def api_roster_csv(request: Request, week: dt.date = WEEK, rest: float = REST) -> Response:
    """The week's shifts as CSV (= `livecart hosts roster --csv`)."""
    opt, _greedy = _roster(request, week, rest, False)
    return PlainTextResponse(
        opt.assignments.to_csv(index=False),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="roster-{week}.csv"'},
    )


@router.get("/api/hosts/roster.ics", tags=["hosts"], response_class=PlainTextResponse)
def api_roster_ics(
    request: Request, host: str, week: dt.date = WEEK, rest: float = REST
) -> Response:
    """One host's shifts of the week as an iCalendar file (= `livecart hosts roster --ics`).
    A professional host without a shift that week gets an empty calendar (a calendar app
    subscribed to the link keeps the subscription), except in a browser, which gets a page
    saying why; an unknown host or another kind is a 404 naming the hosts who have shifts
    (a page in a browser, ``ErrorBody`` JSON otherwise)."""
    from livecart.hosts.calendar import ics_text

    opt, _greedy = _roster(request, week, rest, False)
    rows = opt.assignments[opt.assignments["host_id"] == host]
    if rows.empty and (_browser(request) or not _is_pro_host(request, host)):
        return _no_calendar(request, host, week, sorted(set(opt.assignments["host_id"])))
    return PlainTextResponse(
        ics_text(rows, f"livecart roster: {host}"),
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{host}-{week}.ics"'},
    )


def _browser(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _is_pro_host(request: Request, host: str) -> bool:
    c = _model(request)[1].creators_
    return host in c.index and str(c.at[host, "kind"]) == "pro_host"


def _no_calendar(request: Request, host: str, week: dt.date, rostered: list[str]) -> Response:
    """The 404 of a calendar download: why this host has none, and whose calendars there are.
    A browser (the Hosts page's download form) gets a page with their links."""
    _ws, model = _model(request)
    c = model.creators_
    if host not in c.index:
        why = f"unknown host {host!r}: no creator has that id"
    elif str(c.at[host, "kind"]) != "pro_host":
        why = (
            f"{host} is of kind {c.at[host, 'kind']}: the roster has store-live shifts for "
            "professional hosts (kind pro_host) only"
        )
    else:
        why = f"{host} has no shift in the roster of the week of {week} (off, or not needed)"
    fix = (
        f"hosts with shifts that week: {', '.join(rostered)}"
        if rostered
        else "no host has a shift that week: see the roster on the Hosts page"
    )
    if _browser(request):
        links = [(h, f"/api/hosts/roster.ics?host={h}&week={week}") for h in rostered]
        ctx = {"title": "No calendar", "why": why, "week": week, "links": links}
        return render(request, "hosts_calendar.html", ctx, status_code=404)
    body = {"error": "NotFoundError", "detail": why, "fix": fix}
    return JSONResponse(body, status_code=404)


@router.get("/hosts", response_class=HTMLResponse, include_in_schema=False)
def page_hosts(
    request: Request, market: str | None = None, category: str | None = None
) -> Response:
    from livecart.hosts import NoLivesError

    try:
        v = _view(request, market, category)
    except NoLivesError as e:  # nothing to learn hosts from yet: say how to get there
        return render(request, "hosts.html", {"title": "Hosts", "v": None, "empty": str(e)})
    return render(request, "hosts.html", {"title": "Hosts", "v": v})


PAGE = Page(
    "hosts",
    "Hosts",
    "/hosts",
    "creator roster, host x product fit, influencer or professional host, host schedule",
    router=router,
)
