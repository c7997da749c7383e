"""Products: ranking per market with 80% intervals drawn, the stage board, one product's
evidence over time. The page and ``/api/products`` come from the same core call,
``livecart.selection.view.products_view``; ``/api/products/rank`` and ``/api/products/next``
mirror `livecart products rank` and `livecart products next`."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from livecart.selection import allocate_tests, check_market, score_workspace
from livecart.selection.rank import GOALS
from livecart.selection.stages import confirm_transition, stage_board
from livecart.selection.view import products_view, ranking_records
from livecart.store.team import User, record
from livecart.web.cache import cached
from livecart.web.deps import workspace
from livecart.web.jobs import Job, JobView, accepted
from livecart.web.page import Page
from livecart.web.render import render
from livecart.web.team import require

router = APIRouter()
# the tables the product model reads (test videos per product and market), and what the
# products view adds (the stage board and a product's evidence read the lives and sales); the
# model, its ranking and the test allocation depend on the data alone (clock=False), the stage
# board on the time too
SCORE_TABLES = ("videos", "products", "markets")
VIEW_TABLES = (
    *SCORE_TABLES,
    "sessions",
    "session_products",
    "orders",
    "creators",
    "selection_stage_log",
)
Goal = Literal[tuple(GOALS)]  # type: ignore[valid-type] # the goals the ranking knows
K = Query(5, ge=1, le=1000, description="how many top products count as the top k")


@router.get("/api/products", tags=["products"])
def api_products(
    request: Request,
    market: str | None = None,
    k: int = K,
    goal: Goal = "gpm",
    sku: str | None = None,
) -> dict[str, Any]:
    """Ranking, stage board and one product's evidence history for a market."""
    ws = workspace(request)
    view = partial(products_view, ws, market=market, k=k, goal=goal, sku=sku)
    return cached(
        request, "products", view, market=market, k=k, goal=goal, sku=sku, tables=VIEW_TABLES
    )


@router.get("/api/products/rank", tags=["products"])
def api_rank(
    request: Request, market: str | None = None, k: int = K, goal: Goal = "gpm"
) -> list[dict[str, Any]]:
    """Products ranked per market by posterior goal, with intervals, P(beat), P(top k)."""
    rank = partial(ranking_records, workspace(request), market=market, k=k, goal=goal)
    return cached(
        request, "rank", rank, market=market, k=k, goal=goal, clock=False, tables=SCORE_TABLES
    )


@router.get("/api/products/next", tags=["products"])
def api_next(
    request: Request,
    videos: int = Query(50, ge=1, le=10_000),
    k: int = K,
    market: list[str] | None = Query(None),
    seed: int = Query(0, ge=0, le=2**32 - 1),
) -> list[dict[str, Any]]:
    """How to split ``videos`` new test videos across products and markets, with reasons."""

    def compute() -> list[dict[str, Any]]:
        score = partial(score_workspace, workspace(request))
        model = cached(request, "score", score, clock=False, tables=SCORE_TABLES)
        for m in market or []:
            check_market(model.cells_, m)
        plan = allocate_tests(model, videos, k=k, markets=market, seed=seed)
        return plan.to_dict("records")

    return cached(
        request,
        "next",
        compute,
        videos=videos,
        k=k,
        market=market,
        seed=seed,
        clock=False,
        tables=SCORE_TABLES,
    )


@router.get("/api/products/stages", tags=["products"])
def api_stages(request: Request, market: str | None = None) -> dict[str, Any]:
    """The stage board of a market (default: the one with most test videos)."""
    view = partial(products_view, workspace(request), market=market)
    got = cached(
        request, "products", view, market=market, k=5, goal="gpm", sku=None, tables=VIEW_TABLES
    )
    return got["board"]


class StageMove(BaseModel):
    """A confirmed stage move (= `livecart products stages --confirm SKU@MARKET`)."""

    sku_id: str
    market: str
    from_stage: str
    to_stage: str | None = Field(description="the stage it moved to")
    reason: str = Field(description="why the evidence moves it")


@router.post(
    "/api/products/stages/{market}/{sku_id}/confirm", response_model=StageMove, tags=["products"]
)
def api_confirm(
    request: Request, market: str, sku_id: str, user: User = Depends(require("operator"))
) -> dict[str, Any]:
    """Confirm the proposed stage move of one product in one market (an operator's write);
    the move is logged with its reason and evidence, and in the audit log."""
    ws = workspace(request)
    cell = confirm_transition(ws, sku_id, market, by=user.name)
    record(ws.path, user.name, "stage confirm", f"{sku_id}@{market}", cell.stage, cell.proposed)
    return {
        "sku_id": cell.sku_id,
        "market": cell.market,
        "from_stage": cell.stage,
        "to_stage": cell.proposed,
        "reason": cell.reason,
    }


class AppliedBoard(BaseModel):
    """What `livecart products stages --apply --json` prints: the board after every proposed
    move was confirmed."""

    stages: list[str]
    n_proposed: int = Field(description="moves still proposed after applying (0)")
    applied: int = Field(description="moves confirmed now, logged as by 'auto'")
    cells: list[dict[str, Any]] = Field(description="every product x market with its stage")


class ApplyJob(JobView):
    """The job of `POST /api/products/stages/apply`; ``result`` once it is done."""

    result: AppliedBoard | None = None  # type: ignore[assignment]


@router.post(
    "/api/products/stages/apply", status_code=202, response_model=ApplyJob, tags=["products"]
)
def api_apply(
    request: Request, market: str | None = None, user: User = Depends(require("operator"))
) -> JSONResponse:
    """Confirm every proposed stage move of a market, or of all markets (= `livecart products
    stages --apply`; an operator's write), as a background job; each move is logged with its
    reason and evidence, and the count is in the audit log."""
    ws = workspace(request)

    def work(job: Job) -> dict[str, Any]:
        job.progress(0, 1, "scoring products and confirming the proposed moves")
        board = stage_board(ws, market=market, apply=True)
        record(ws.path, user.name, "stage apply", market or "all markets", None, board.applied)
        return board.as_dict()

    return accepted(request, f"stages apply {market or 'all'}", user.name, work)


@router.get("/products", response_class=HTMLResponse, include_in_schema=False)
def page_products(
    request: Request, market: str | None = None, sku: str | None = None, k: int = K
) -> Response:
    v = products_view(workspace(request), market=market, k=k, sku=sku)
    return render(request, "products.html", {"title": "Products", "v": v})


PAGE = Page(
    "products",
    "Products",
    "/products",
    "product x market fit from test videos, stages from candidate to store live",
    router=router,
)
