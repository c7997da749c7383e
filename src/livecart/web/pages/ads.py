"""Ads: the phase response curves with their bootstrap bands and the recommended split of a
budget against 2:6:2. Page and ``/api/ads`` come from ``livecart.ads.ads_overview``."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from livecart.ads import ads_overview
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.render import render

router = APIRouter()
BUDGET = Query(None, gt=0, allow_inf_nan=False, description="ad budget to split, USD")


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "charts"}


@router.get("/api/ads", tags=["ads"])
def api_ads(request: Request, budget: float | None = BUDGET) -> dict:
    """Fitted curves (parameters with 90% intervals) and the split of ``budget`` USD."""
    return _clean(ads_overview(workspace(request), budget))


@router.get("/ads", response_class=HTMLResponse, include_in_schema=False)
def page_ads(request: Request, budget: float | None = BUDGET) -> Response:
    o = ads_overview(workspace(request), budget)
    return render(request, "ads.html", {"title": "Ads", "o": o})


PAGE = Page(
    "ads", "Ads", "/ads", "the 2:6:2 ad budget, its pacing and an optimized split", router=router
)
