"""Overview: the workspace's headline numbers and GMV by day. The page and ``/api/overview``
come from the same core call, ``livecart.report.overview``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from livecart.report import Overview, overview
from livecart.report.overview_chart import gmv_by_day_charts
from livecart.web.cache import cached
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.render import render

router = APIRouter()


@router.get("/api/overview", response_model=Overview, tags=["overview"])
def api_overview(request: Request) -> Overview:
    """Headline numbers and GMV by day (net paid GMV: see ``gmv_definition``)."""
    return _overview(request)


def _overview(request: Request) -> Overview:
    """Computed once per workspace write (livecart.web.cache): the dashboard polls it."""
    ws = workspace(request)
    tables = ("orders", "sessions", "products", "creators", "markets", "fx_rates")
    return cached(request, "overview", lambda: overview(ws), tables=tables)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page_overview(request: Request) -> Response:
    ws = workspace(request)
    o = _overview(request)
    if o.empty:
        return render(request, "empty.html", {"title": "Overview", "ws": ws, "status": ws.status()})
    return render(
        request,
        "overview.html",
        {"title": "Overview", "o": o, "ws": ws, "charts": gmv_by_day_charts(o)},
    )


PAGE = Page("overview", "Overview", "/", "headline numbers and GMV by day", router=router)
