"""Live tools' REST twins: `livecart live evaluate` (the nowcast against the naive baseline on
held-out sessions, as a background job) and `livecart reconcile` (the monitor's minutes against
TikTok Shop's). Each route calls the same core functions as its CLI command."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from livecart.store.team import User, record
from livecart.web.deps import workspace
from livecart.web.jobs import Job, JobView, accepted, latest
from livecart.web.page import Page
from livecart.web.team import require

router = APIRouter()


class NowcastScore(BaseModel):
    """One checkpoint minute of `livecart live evaluate --json`."""

    minute: int
    sessions: int = Field(description="held-out sessions that reached this minute")
    mdape: float = Field(description="median absolute % error of the final-GMV nowcast")
    baseline_mdape: float = Field(description="the same for the naive linear extrapolation")
    coverage_80: float = Field(description="share of held-out finals inside the 80% interval")
    covered: int = Field(description="held-out finals inside their 80% interval")
    coverage_80_low: float = Field(description="95% Wilson interval of coverage_80: low end")
    coverage_80_high: float = Field(description="95% Wilson interval of coverage_80: high end")
    folds: str = Field(description='CV+ folds of the history: "room" or "random"')


class NowcastEvaluation(BaseModel):
    training: int = Field(description="sessions the nowcast learnt from")
    held_out: int = Field(description="newest sessions it was scored on")
    rows: list[NowcastScore]


class NowcastJob(JobView):
    """The job of `POST /api/live/nowcast/evaluate`; ``result`` once it is done."""

    result: NowcastEvaluation | None = None  # type: ignore[assignment]


class EvaluateRequest(BaseModel):
    """The options of `livecart live evaluate`."""

    test_fraction: float = Field(
        0.3, gt=0, lt=1, allow_inf_nan=False, description="share of newest sessions held out"
    )


@router.post(
    "/api/live/nowcast/evaluate", status_code=202, response_model=NowcastJob, tags=["live"]
)
def api_evaluate(
    request: Request,
    body: EvaluateRequest | None = None,
    user: User = Depends(require("viewer")),
) -> JSONResponse:
    """Score the final-GMV nowcast at minutes 15, 30 and 60 on the newest ``test_fraction`` of
    the workspace's sessions (= `livecart live evaluate`), as a background job whose result is
    the scores per minute (``GET /api/jobs/{id}`` follows it; asked again while it runs, the
    same job answers). Writes nothing."""
    ws = workspace(request)
    fraction = (body or EvaluateRequest()).test_fraction

    def work(job: Job) -> dict[str, Any]:
        from livecart.live import evaluate_nowcast, load_history
        from livecart.live.history import split_newest

        job.progress(0, 2, "reading past sessions")
        train, test = split_newest(load_history(ws), fraction)
        job.progress(1, 2, "scoring the nowcast on held-out sessions")
        rows = [NowcastScore(**r).model_dump() for r in evaluate_nowcast(train, test)]
        return {"training": len(train), "held_out": len(test), "rows": rows}

    key = f"live evaluate {fraction!r}"
    return accepted(request, "live evaluate", user.name, work, key)


@router.get("/api/live/nowcast/evaluate", response_model=NowcastJob, tags=["live"])
def api_evaluated(request: Request) -> JSONResponse:
    """The newest nowcast evaluation this server ran (its job: running, or done with the
    scores); 404 until one was started with ``POST``. Starts nothing."""
    return latest(request, "live evaluate", "POST /api/live/nowcast/evaluate starts one")


class ReconcileRequest(BaseModel):
    """The options of `livecart reconcile` (the Shop API's keys and address come from the
    server's LIVECART_SHOP_* environment, never from a request)."""

    live_id: str = Field(min_length=1, max_length=64, pattern=r"^[\w.-]+$")
    currency: Literal["LOCAL", "USD"] = "LOCAL"


class SideBySide(BaseModel):
    monitor: float
    platform: float
    gap: float | None = Field(description="(monitor - platform) / platform; None at 0")


class Reconciliation(BaseModel):
    """What `livecart reconcile --json` prints, and where both sides were stored."""

    gmv: SideBySide
    orders: SideBySide
    units: SideBySide
    minutes_off: int = Field(description="minutes whose GMV differs by more than half a cent")
    stored: str = Field(description="the summary's file under <workspace>/platform/")


class ReconcileJob(JobView):
    """The job of `POST /api/live/{session_id}/reconcile`; ``result`` once it is done."""

    result: Reconciliation | None = None  # type: ignore[assignment]


@router.post(
    "/api/live/{session_id}/reconcile",
    status_code=202,
    response_model=ReconcileJob,
    tags=["live"],
    responses={503: {"description": "the server has no TikTok Shop API keys: which to set"}},
)
def api_reconcile(
    request: Request,
    session_id: str,
    body: ReconcileRequest,
    user: User = Depends(require("operator")),
) -> JSONResponse:
    """After a LIVE: fetch TikTok Shop's per-minute and per-product figures and compare them
    with the monitor's (= `livecart reconcile`; an operator's write: both sides are stored
    under the workspace's platform/ folder), as a background job. A server without the Shop
    API's keys: 503 naming the environment variables to set on it; a session the monitor never
    ran: 404."""
    from livecart.live.sources.shop_api import monitored_minutes, reconcile_session, shop_client

    ws = workspace(request)
    monitored_minutes(ws, session_id)  # 404 now rather than in the job
    client = shop_client()

    def work(job: Job) -> dict[str, Any]:
        job.progress(0, 1, "fetching TikTok Shop's figures")
        s, path = reconcile_session(ws, session_id, body.live_id, client, body.currency)
        record(ws.path, user.name, "reconcile", session_id, None, s)
        return s | {"stored": str(path.relative_to(ws.path))}

    return accepted(request, f"reconcile {session_id}", user.name, work)


PAGE = Page(
    "live-tools", "Live tools", "/api/live/nowcast/evaluate", "live tools", router=router, nav=False
)
