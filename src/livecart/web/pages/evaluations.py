"""How far to trust a model: `livecart products|stock|fans evaluate` from the dashboard. Each
scores its model against the demo simulator's hidden truth on held-out seeds, as a background job
with progress and cancel (a seed at a time); each writes nothing and opens no workspace. The
forms are on the Products, Stock and Fans pages; the nowcast's twin is in ``live_tools``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from livecart.store.team import User
from livecart.web.jobs import Job, JobView, accepted, latest
from livecart.web.page import Page
from livecart.web.team import require

router = APIRouter(prefix="/api/evaluations", tags=["evaluations"])
SEEDS = (
    "held-out demo seeds, each a simulated brand scored on its own (a seed takes seconds to a "
    "minute)"
)


def _steps(job: Job, what: str):
    """The core's ``progress(done, total)`` as the job's progress bar (and its cancel point)."""

    def progress(done: int, total: int) -> None:
        job.progress(done, total, f"{what}: {min(done + 1, total)} of {total}")

    return progress


class ProductsRequest(BaseModel):
    """The options of `livecart products evaluate`."""

    seeds: int = Field(3, ge=1, le=20, description=SEEDS)
    k: int = Field(5, ge=1, le=10, description="top k products per market")


class ProductsEvaluation(BaseModel):
    """What `livecart products evaluate --json` prints, and a summary."""

    summary: str
    seeds: int
    k: int
    precision_at_k: float = Field(description="share of the model's top k that are true top k")
    baseline_precision_at_k: float = Field(description="the same, ranking by raw rates")
    regret: float
    baseline_regret: float
    calibration_error: float = Field(description="mean gap of P(beat benchmark) from the truth")
    test_videos_saved_pct: float | None
    calibration: list[dict[str, Any]]


class ProductsJob(JobView):
    result: ProductsEvaluation | None = None  # type: ignore[assignment]


@router.post("/products", status_code=202, response_model=ProductsJob)
def api_products(
    request: Request, body: ProductsRequest | None = None, user: User = Depends(require("viewer"))
) -> JSONResponse:
    """Score the product ranking on ``seeds`` held-out demo seeds (= `livecart products
    evaluate`): precision at k and regret against ranking by raw rates, calibration of
    P(beat benchmark), test videos the allocation rule saves. A background job; asked again
    while it runs, the running one answers."""
    b = body or ProductsRequest()

    def work(job: Job) -> dict[str, Any]:
        from livecart.evaluation.selection import evaluate_selection

        def progress(done: int, total: int) -> None:
            if done < b.seeds:
                what = f"scoring seed {done + 1} of {b.seeds}"
            else:  # then the test-video plans, simulated on each seed
                what = f"simulating test-video plans: seed {done - b.seeds + 1} of {b.seeds}"
            job.progress(done, total, what)

        e = evaluate_selection(seeds=b.seeds, k=b.k, progress=progress)
        summary = (
            f"On {b.seeds} held-out seeds, {e.precision_at_k:.0%} of the model's top {b.k} "
            f"products per market are truly top {b.k} (raw rates: "
            f"{e.baseline_precision_at_k:.0%}); its test-video plan needs "
            f"{e.test_videos_saved_pct:.0f}% fewer videos than an even split."
        )
        return e.as_dict() | {"summary": summary}

    return accepted(request, "products evaluate", user.name, work, "products evaluate")


class StockRequest(BaseModel):
    """The options of `livecart stock evaluate`."""

    seeds: int = Field(2, ge=1, le=20, description=SEEDS)
    scale: float = Field(
        0.4, ge=0.1, le=0.4, allow_inf_nan=False, description="demo size (the CLI goes higher)"
    )


class StockEvaluation(BaseModel):
    """What `livecart stock evaluate --json` prints (without each seed's), a summary and the
    forecasts' pinball losses as rows."""

    summary: str
    seeds: list[int]
    pinball_loss: float = Field(description="mean pinball loss of the 10/50/90% forecasts, units")
    coverage_80: float = Field(description="share of held-out demand inside the 80% interval")
    cost_saving_pct: float = Field(description="cost saved against stocking the past average")
    forecasts: list[dict[str, Any]] = Field(description="forecast, pinball_loss (units)")


class StockJob(JobView):
    result: StockEvaluation | None = None  # type: ignore[assignment]


@router.post("/stock", status_code=202, response_model=StockJob)
def api_stock(
    request: Request, body: StockRequest | None = None, user: User = Depends(require("viewer"))
) -> JSONResponse:
    """Score the demand forecast and the stock plan on held-out simulated lives against two
    baselines (= `livecart stock evaluate`). A background job; asked again while it runs, the
    running one answers."""
    b = body or StockRequest()

    def work(job: Job) -> dict[str, Any]:
        from livecart.evaluation.stock import evaluate_stock

        ev = evaluate_stock(seeds=b.seeds, scale=b.scale, progress=_steps(job, "simulating"))
        rows = [{"forecast": "livecart model", "pinball_loss": ev.pinball_loss}] + [
            {"forecast": f"baseline: {k.replace('_', ' ')}", "pinball_loss": v}
            for k, v in ev.baseline_pinball_loss.items()
        ]
        summary = (
            f"On {b.seeds} simulated brands, {ev.coverage_80:.0%} of held-out demand fell inside "
            f"the 80% interval (aim: 75-85%); stocking to the plan cost {ev.cost_saving_pct:.0f}% "
            "less than stocking each SKU at its past average."
        )
        d = ev.to_dict()
        d.pop("per_seed")
        return d | {"summary": summary, "forecasts": rows}

    return accepted(request, "stock evaluate", user.name, work, "stock evaluate")


class FansRequest(BaseModel):
    """The options of `livecart fans evaluate`."""

    seeds: int = Field(1, ge=1, le=10, description=SEEDS)
    scale: float = Field(
        0.3, ge=0.1, le=0.3, allow_inf_nan=False, description="demo size (the CLI goes higher)"
    )


class FansEvaluation(BaseModel):
    """What `livecart fans evaluate --json` prints (its main figures), a summary and the
    parameters' errors as rows."""

    summary: str
    seeds: list[int]
    holdout_error: float = Field(description="repeat purchases predicted / actual - 1")
    uplift: dict[str, Any] = Field(description="naive, adjusted and true uplift of following")
    parameters: list[dict[str, Any]] = Field(description="parameter, relative_error")


class FansJob(JobView):
    result: FansEvaluation | None = None  # type: ignore[assignment]


@router.post("/fans", status_code=202, response_model=FansJob)
def api_fans(
    request: Request, body: FansRequest | None = None, user: User = Depends(require("viewer"))
) -> JSONResponse:
    """Score the fans models against the simulator's truth (= `livecart fans evaluate`):
    parameter errors, naive and adjusted uplift against the true effect, the holdout error of
    repeat purchases. A background job; asked again while it runs, the running one answers."""
    b = body or FansRequest()

    def work(job: Job) -> dict[str, Any]:
        from livecart.evaluation.fans import evaluate

        r = evaluate(seeds=b.seeds, scale=b.scale, progress=_steps(job, "building and scoring"))
        u = r["uplift"]
        summary = (
            f"Following lifts repeat purchases by {u['adjusted']:+.0%} as measured (before/after "
            f"matching) against a true {u['true']:+.0%} (fans against the rest: "
            f"{u['naive']:+.0%}); repeat purchases over 39 weeks predicted within "
            f"{r['holdout_error']:+.0%}."
        )
        rows = [{"parameter": k, "relative_error": v} for k, v in r["param_error"].items()]
        return {
            "summary": summary,
            "seeds": r["seeds"],
            "holdout_error": r["holdout_error"],
            "uplift": {k: u[k] for k in ("naive", "adjusted", "true", "coverage_80")},
            "parameters": rows,
        }

    return accepted(request, "fans evaluate", user.name, work, "fans evaluate")


def _latest(model: str, job: type[JobView]) -> None:
    """``GET /api/evaluations/{model}``: the newest evaluation of ``model`` this server ran."""

    def api_latest(request: Request) -> JSONResponse:
        return latest(request, f"{model} evaluate", f"POST /api/evaluations/{model} starts one")

    api_latest.__doc__ = (
        f"The newest {model} evaluation this server ran: running, or done with its figures; "
        "404 until one was started with ``POST``. Starts nothing."
    )
    router.add_api_route(
        f"/{model}", api_latest, methods=["GET"], response_model=job, name=f"api_{model}_latest"
    )


for _model, _job in (("products", ProductsJob), ("stock", StockJob), ("fans", FansJob)):
    _latest(_model, _job)


PAGE = Page(
    "evaluations",
    "Evaluations",
    "/api/evaluations/products",
    "models scored against the simulator",
    router=router,
    nav=False,
)
