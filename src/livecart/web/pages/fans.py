"""Fans: the private-domain funnel, value by segment, what a fan is worth and P(alive), and
their REST twins. Every route calls `livecart.fans` and renders; nothing is decided here."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from livecart.fans.overview import FansModels, FansOverview, Parameter, fans_models, fans_overview
from livecart.fans.segments import SEGMENTS
from livecart.store.team import User
from livecart.web.cache import cached
from livecart.web.deps import workspace
from livecart.web.jobs import Job, JobView, accepted, latest
from livecart.web.page import Page
from livecart.web.render import render
from livecart.web.team import require

router = APIRouter()
BY = Query(
    "market",
    pattern="^(live|host|product|market|week)$",
    description="live, host, product, market or week",
)


# what the fans models read (buyers' purchases in the reporting currency), and what the funnel
# adds (the lives' audiences, their products' shares): a live's minute rows arriving every few
# seconds move the funnel only
MODEL_TABLES = ("orders", "buyers", "fx_rates", "markets")
FUNNEL_TABLES = (*MODEL_TABLES, "sessions", "live_minutes", "session_products")


def _models(request: Request) -> FansModels:
    """The value models and the uplift, fitted once per change of the tables they read."""
    make = partial(fans_models, workspace(request))
    return cached(request, "fans-models", make, clock=False, tables=MODEL_TABLES)


def _overview(request: Request, by: str) -> FansOverview:
    models = _models(request)
    make = partial(fans_overview, workspace(request), by, models)
    return cached(request, "fans", make, by=by, clock=False, tables=FUNNEL_TABLES)


@router.get("/api/fans", response_model=FansOverview, tags=["fans"])
def api_fans(request: Request, by: str = BY) -> FansOverview:
    """Funnel, segments with value (80% intervals), fan uplift (naive and adjusted), P(alive)
    histogram and model parameters."""
    return _overview(request, by)


class FansValue(BaseModel):
    """What `livecart fans value --json` prints."""

    currency: str
    horizon_weeks: int
    buyers: int
    total_value: float = Field(description="expected value of every buyer over the horizon")
    purchases: list[Parameter] = Field(description="BG/NBD parameters, 95% intervals")
    spend: list[Parameter] | None = Field(description="Gamma-Gamma parameters (None: no fit)")
    uplift: dict[str, dict[str, Any]] = Field(
        description="follower and fan_club: naive and adjusted uplift, or {'error': why}"
    )
    notes: list[str]


class FansValueJob(JobView):
    """The job of `POST /api/fans/value`; ``result`` once it is done."""

    result: FansValue | None = None  # type: ignore[assignment]


class ValueRequest(BaseModel):
    """The options of `livecart fans value`."""

    horizon: int = Field(52, ge=1, le=520, description="weeks ahead to value")
    discount: float = Field(0.10, ge=0, lt=1, allow_inf_nan=False, description="annual rate")


@router.post("/api/fans/value", status_code=202, response_model=FansValueJob, tags=["fans"])
def api_value(
    request: Request,
    body: ValueRequest | None = None,
    user: User = Depends(require("viewer")),
) -> JSONResponse:
    """Fit BG/NBD and Gamma-Gamma and value every buyer over ``horizon`` weeks (= `livecart
    fans value`), as a background job (seconds on a demo workspace; asked again while it runs,
    the same job answers). Writes nothing. The funnel and the segments are in ``GET
    /api/fans``."""
    ws = workspace(request)
    b = body or ValueRequest()

    def work(job: Job) -> dict[str, Any]:
        from livecart.fans.purchases import load_purchases
        from livecart.fans.value_report import value_report

        job.progress(0, 1, "fitting the value models")
        return value_report(load_purchases(ws), b.horizon, b.discount)

    key = f"fans value {b.horizon} {b.discount!r}"
    return accepted(request, f"fans value {b.horizon} weeks", user.name, work, key)


@router.get("/api/fans/value", response_model=FansValueJob, tags=["fans"])
def api_valued(request: Request) -> JSONResponse:
    """The newest fans valuation this server ran (its job: running, or done with the values);
    404 until one was started with ``POST``. Starts nothing."""
    return latest(request, "fans value", "POST /api/fans/value starts one")


@router.get("/api/fans/segments/{segment}/export", response_class=PlainTextResponse, tags=["fans"])
def api_export(
    request: Request,
    segment: Literal[SEGMENTS],  # type: ignore[valid-type]
    format: Literal["crm", "tiktok"] = "crm",
) -> Response:
    """A segment as a CRM CSV or a TikTok Ads customer file of buyer ids (below 1,000 rows:
    409, reason). With the brand's contacts: ``POST``."""
    return _export(request, segment, format, None)


@router.post("/api/fans/segments/{segment}/export", response_class=PlainTextResponse, tags=["fans"])
def api_export_contacts(
    request: Request,
    segment: Literal[SEGMENTS],  # type: ignore[valid-type]
    format: Literal["crm", "tiktok"] = Form("tiktok", description="tiktok or crm"),
    contacts: UploadFile = File(description="CSV: buyer_id and email and/or phone"),
    user: User = Depends(require("viewer")),
) -> Response:
    """A segment with the brand's contacts (= `livecart fans export --contacts`): a TikTok Ads
    customer file of SHA-256 hashed emails (else phones), or a CRM CSV with the contacts
    beside each buyer. The contact file is read in memory and kept nowhere."""
    from livecart.fans.segments import read_contacts

    name = Path(contacts.filename or "contacts").name or "contacts"
    return _export(request, segment, format, read_contacts(contacts.file, name))


def _export(request: Request, segment: str, format: str, contacts: Any) -> Response:
    from livecart.errors import FitError
    from livecart.fans.segments import assign_segments, crm_csv, tiktok_audience

    m = _models(request)  # the page's own value model: one fit for both
    if m.value is None or m.purchases is None:
        raise FitError(m.value_error or "no value model: import orders with buyer ids first")
    vm, segs = m.value, assign_segments(m.value, m.purchases.end_day)
    text = (tiktok_audience if format == "tiktok" else crm_csv)(vm, segs, segment, contacts)
    return PlainTextResponse(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{segment}-{format}.csv"'},
    )


@router.get("/fans", response_class=HTMLResponse, include_in_schema=False)
def page_fans(request: Request, by: str = BY) -> Response:
    from livecart.fans.charts import bar_chart, histogram

    o = _overview(request, by)
    stages = [
        ("viewers", "viewers"),
        ("new followers", "new_followers"),
        ("fan-club joins", "fan_club_joins"),
        ("first purchases", "first_purchases"),
    ]
    funnel_rows = [
        (lab, float(sum(getattr(r, k) for r in o.funnel)), None, None) for lab, k in stages
    ]
    value_rows = [(s.segment, s.value or 0.0, s.value_lo, s.value_hi) for s in o.segments]
    uplift_rows = []
    for u in o.uplift:
        uplift_rows += [
            (f"{u.kind}: naive", 100 * u.naive, 100 * u.naive_lo, 100 * u.naive_hi),
            (f"{u.kind}: adjusted", 100 * u.adjusted, 100 * u.adjusted_lo, 100 * u.adjusted_hi),
        ]
    charts = {
        "funnel": bar_chart(funnel_rows, "Funnel, all lives", unit="people"),
        "value": bar_chart(
            value_rows, "Expected value by segment", unit=f"{o.currency}, 80% interval"
        ),
        "uplift": bar_chart(
            uplift_rows,
            "Fan uplift",
            unit="% more purchases after joining, 80% interval",
            fmt="{:+.0f}%",
        )
        if uplift_rows
        else "",
        "alive": histogram(
            [(i + 0.5) / 10 for i, c in enumerate(o.p_alive_histogram) for _ in range(c)]
        ),
    }
    return render(request, "fans.html", {"title": "Fans", "o": o, "charts": charts, "by": by})


PAGE = Page(
    "fans",
    "Fans",
    "/fans",
    "viewer to follower to fan-club member to repeat buyer; fan lifetime value",
    router=router,
)
