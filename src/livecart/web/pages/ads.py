"""Ads: the phase response curves with their bootstrap bands and the recommended split of a
budget against 2:6:2. Page and ``/api/ads`` come from ``livecart.ads.ads_overview``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from livecart.ads import ads_overview
from livecart.store.team import User
from livecart.web.deps import workspace
from livecart.web.jobs import Job, JobView, accepted
from livecart.web.page import Page
from livecart.web.render import render
from livecart.web.team import require

router = APIRouter()
BUDGET = Query(None, gt=0, allow_inf_nan=False, description="ad budget to split, USD")


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "charts"}


@router.get("/api/ads", tags=["ads"])
def api_ads(request: Request, budget: float | None = BUDGET) -> dict:
    """Fitted curves (parameters with 90% intervals) and the split of ``budget`` USD."""
    return _clean(ads_overview(workspace(request), budget))


class SplitRequest(BaseModel):
    """The options of `livecart ads split`."""

    budget: float = Field(gt=0, allow_inf_nan=False, description="session ad budget, USD")
    objective: Literal["gmv", "profit", "roas"] = "gmv"
    margin: float = Field(0.4, gt=0, le=1, description="gross margin, for objective profit")
    roas_floor: float = Field(2.0, ge=0, description="lowest GMV/spend, for objective roas")
    extrapolate: bool = Field(False, description="search outside past sessions' spend too")
    seed: int = 0


@router.post("/api/ads/split", status_code=202, response_model=JobView, tags=["ads"])
def api_split(
    request: Request, body: SplitRequest, user: User = Depends(require("viewer"))
) -> JSONResponse:
    """Fit the phase response curves and split ``budget`` USD (= `livecart ads split`), as a
    background job; its result is the split with the fitted parameters. Writes nothing."""
    ws = workspace(request)

    def work(job: Job) -> dict[str, Any]:
        from livecart.ads import fit_response, optimize_split, phase_history

        job.progress(0, 2, "fitting the response curves")
        model = fit_response(phase_history(ws), seed=body.seed)
        job.progress(1, 2, "optimizing the split")
        s = optimize_split(
            model,
            body.budget,
            objective=body.objective,
            margin=body.margin,
            roas_floor=body.roas_floor,
            extrapolate=body.extrapolate,
        )
        return s.as_dict() | {"parameters": model.summary().to_dict("records")}

    return accepted(request, f"ads split {body.budget:g} USD", user.name, work)


@router.get("/ads", response_class=HTMLResponse, include_in_schema=False)
def page_ads(request: Request, budget: float | None = BUDGET) -> Response:
    o = ads_overview(workspace(request), budget)
    return render(request, "ads.html", {"title": "Ads", "o": o})


PAGE = Page(
    "ads", "Ads", "/ads", "the 2:6:2 ad budget, its pacing and an optimized split", router=router
)
