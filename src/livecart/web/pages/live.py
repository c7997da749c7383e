"""Live: the golden-hour monitor's dashboard page. Monitor runs live inside the server (a
``LiveHub``); the page follows one session over server-sent events: a view as soon as the
session changed (checked every ``POLL_S``), and at least one a second. The JSON twin is
``/api/live/{session_id}``; the page's lists follow new rooms over ``/api/live/events``;
``POST /api/live/replay`` starts a replay of an uploaded recording
and ``POST /api/live/alerts/{id}/ack`` acknowledges an alert (writes: they need the API token)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from functools import partial

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from livecart.errors import LivecartError
from livecart.live import LiveHub, Source
from livecart.model.events import MINUTE_METRICS
from livecart.stock import latest_saved
from livecart.web.cache import cached
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.render import TEMPLATES, render

router = APIRouter()
MAX_UPLOAD = 512 << 20
POLL_S = 0.2  # how often a stream checks whether its session changed
EVERY_S = 1.0  # a view at least this often, changed or not
KEEPALIVE_S = 15.0  # the list stream's comment line at least this often


def app_hub(app: FastAPI) -> LiveHub:
    """The app's one hub (made on first use): every source of the server feeds it. It is
    checkpointed in ``<workspace>/checkpoints/server.ckpt`` (a restarted server resumes it)
    unless ``app.state.live_checkpoint`` is False (``livecart demo``'s show replay)."""
    h = getattr(app.state, "live_hub", None)
    if h is None:
        ws = app.state.workspace
        keep = getattr(app.state, "live_checkpoint", True)
        h = app.state.live_hub = LiveHub(
            ws,
            starting_stock=partial(latest_saved, ws),
            checkpoint=ws.path / "checkpoints" / "server.ckpt" if keep else None,
        )
    return h


def hub(request: Request) -> LiveHub:
    return app_hub(request.app)


def start_sources(app: FastAPI, sources: list[Source], persist: bool = True) -> LiveHub:
    """Run live sources (e.g. TikTok LIVE rooms, ``livecart serve --tiktok``) in the app's hub,
    so their sessions also take the signed ingest's batches (order webhooks). Close the hub
    when the server stops. ``persist`` off: shown, never written (``livecart demo``'s replay)."""
    if not persist:
        app.state.live_checkpoint = False
    h = app_hub(app)
    for i, src in enumerate(sources):
        key = f"{type(src).__name__}:{getattr(src, 'session_id', i)}" if persist else None
        h.start(src, persist=persist, key=key)
    return h


def _view(request: Request, session_id: str) -> dict:
    """The session as this server monitors it, else as the workspace stored it (a past live,
    read from its per-minute rows; 404 when neither has it)."""
    from livecart.live.past import name_products, past_view

    h = hub(request)
    if session_id in h.monitor.sessions:
        try:
            return name_products(workspace(request), h.view(session_id))
        except LivecartError:
            pass  # restored from a checkpoint, no run here: the stored minutes
    ws = workspace(request)
    try:  # computed once per workspace write (livecart.web.cache)
        return cached(
            request,
            "past live",
            lambda: past_view(ws, session_id),
            sid=session_id,
            clock=False,
            tables=("sessions", "live_minutes", "orders"),
        )
    except LivecartError as e:
        raise HTTPException(404, str(e)) from None


def _lists(request: Request) -> dict:
    """What the Live page lists: the sessions this server monitors, and the stored lives
    (workers' rooms among them, read once per workspace write)."""
    from livecart.live.past import past_sessions

    ws = workspace(request)
    return {
        "sessions": hub(request).sessions(),
        "past": cached(
            request,
            "past lives",
            lambda: past_sessions(ws),
            clock=False,
            tables=("sessions", "live_minutes"),
        ),
    }


@router.get("/live", response_class=HTMLResponse, include_in_schema=False)
def page_live(request: Request) -> Response:
    from livecart.live.sources.shop_api import missing_credentials

    context = {"title": "Live", "shop_keys_missing": missing_credentials(), **_lists(request)}
    return render(request, "live.html", context)


@router.get("/live/{session_id}", response_class=HTMLResponse, include_in_schema=False)
def page_live_session(request: Request, session_id: str) -> Response:
    view = _view(request, session_id)
    return render(
        request,
        "live_session.html",
        # "</" escaped so that no value can close the script element
        {
            "title": f"Live {session_id}",
            "v": view,
            "initial": _script_json(view),
            "counts": [m for m in MINUTE_METRICS if m.source is None],
        },
    )


def _script_json(data: dict) -> str:
    return json.dumps(data, allow_nan=False).replace("</", "<\\/")


RECORDING = {"type": "string", "pattern": r"\S", "description": "the recording's text"}


@router.post(
    "/api/live/replay",
    tags=["live"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"schema": RECORDING}},
        }
    },
)
async def api_live_replay(
    request: Request, speed: float = Query(0.0, ge=0, allow_inf_nan=False)
) -> dict:
    """Replay the JSON-lines (or CSV, ``?format=csv``) recording in the request body into a new
    monitor run. ``speed``: 1 real time, N times faster, 0 as fast as possible."""
    body = await request.body()
    if not body.strip():
        raise HTTPException(422, "send the recording (JSON lines, one event a line) as the body")
    if len(body) > MAX_UPLOAD:
        raise HTTPException(
            413,
            f"recording over {MAX_UPLOAD >> 20} MB: replay it with "
            f"`livecart monitor DIR --replay FILE` instead",
        )
    ext = ".csv" if request.query_params.get("format") == "csv" else ".jsonl"
    ws = workspace(request)
    folder = ws.path / "recordings"
    folder.mkdir(exist_ok=True)
    path = folder / f"upload-{uuid.uuid4().hex[:12]}{ext}"
    path.write_bytes(body)
    hub(request).replay(path, speed=speed)
    return {"recording": path.name, "speed": speed}


@router.api_route(
    "/api/live/replay",
    methods=["GET", "HEAD", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
def api_live_replay_other_methods() -> None:
    """Only POST replays: other methods get 405 naming it, not the {session_id} route's
    404 for a session called 'replay'."""
    raise HTTPException(405, "POST a recording to replay it", headers={"Allow": "POST"})


@router.get("/api/live", tags=["live"])
def api_live_sessions(request: Request) -> list[dict]:
    """Sessions being monitored in this server."""
    return hub(request).sessions()


# the page's own stream, left out of the OpenAPI schema (it never ends: a contract fuzzer
# calling it would wait forever)
@router.get("/api/live/events", include_in_schema=False)
async def api_live_lists_stream(request: Request) -> StreamingResponse:
    """Server-sent events for the Live page's lists: ``{"html": …}``, the lists' HTML, at once
    and again whenever it changes (checked every 0.2 s, after any workspace write or change of
    this server's runs): a room a worker starts shows up as its first results arrive
    (``livecart serve --redis``), without a reload. A comment line every 15 s keeps it open."""
    h = hub(request)
    ws = workspace(request)
    lists = TEMPLATES.get_template("live_lists.html")

    async def stream() -> AsyncIterator[str]:
        seen, html, sent = None, None, 0.0
        while not await request.is_disconnected():
            now = await asyncio.to_thread(lambda: (ws.data_version, repr(h.sessions())))
            if now != seen:
                seen = now
                new = lists.render(await asyncio.to_thread(_lists, request))
                if new != html:
                    html, sent = new, time.monotonic()
                    yield f"data: {json.dumps({'html': html})}\n\n"
            if time.monotonic() - sent >= KEEPALIVE_S:
                sent = time.monotonic()
                yield ": still here\n\n"
            await asyncio.sleep(POLL_S)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


@router.get("/api/live/{session_id}", tags=["live"])
def api_live_session(request: Request, session_id: str) -> dict:
    """Everything the page shows: totals, minutes, products, golden hour vs plan, nowcast,
    open alerts. A live this server does not monitor comes from the workspace's stored minutes
    (``past``: true)."""
    return _view(request, session_id)


@router.get("/api/live/{session_id}/events", tags=["live"])
async def api_live_stream(request: Request, session_id: str) -> StreamingResponse:
    """Server-sent events: the session's view as soon as it changed (checked every 0.2 s) and
    at least once a second, until no run feeds the server any more. A live another machine
    monitors (a worker's room, through `livecart serve --redis`) is pushed as its results
    arrive in the workspace, until its end arrives."""
    _view(request, session_id)
    h = hub(request)
    ws = workspace(request)

    def version() -> tuple:
        try:
            return h.version(session_id)
        except LivecartError:  # not run here: the stored rows, changed by any workspace write
            return ("stored", ws.data_version)

    async def stream() -> AsyncIterator[str]:
        last, sent = None, 0.0
        while not await request.is_disconnected():
            now = version()
            if now != last or time.monotonic() - sent >= EVERY_S:
                view = await asyncio.to_thread(_view, request, session_id)
                last, sent = now, time.monotonic()
                yield f"data: {json.dumps(view, allow_nan=False)}\n\n"
                if not view["running"] and not _live_elsewhere(view):
                    yield "event: done\ndata: {}\n\n"
                    return
            await asyncio.sleep(POLL_S)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


def _live_elsewhere(view: dict) -> bool:
    """A stored live that started and has not ended: another machine is monitoring it."""
    return bool(view.get("past")) and not view["ended"]


@router.post("/api/live/alerts/{alert_id:path}/ack", tags=["live"])
def api_live_ack(request: Request, alert_id: str) -> dict:
    """Acknowledge an alert: it stays quiet until its condition clears. 404 for an id that is
    not an active alert (unknown, or its condition has cleared)."""
    if not hub(request).ack(alert_id):
        raise HTTPException(404, f"no open alert {alert_id!r}")
    return {"acked": alert_id}


PAGE = Page(
    "live",
    "Live",
    "/live",
    "the golden-hour monitor: per-minute KPIs, nowcast and alerts",
    router=router,
)
