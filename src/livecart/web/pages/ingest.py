"""``POST /api/sessions/{session_id}/events``: signed event batches (order webhooks, a brand's
own trackers) into the live monitor. The route checks its callers itself (an HMAC signature
with the workspace's ``ingest_secret``, not the API token: it is listed in ``own_auth``); the
checks and the journal are ``livecart.live.sources.http_ingest``. See docs/sources.md."""

from __future__ import annotations

import threading

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from livecart.live.sources.http_ingest import (
    JOURNAL_NAME,
    MAX_BYTES,
    MAX_EVENTS,
    MAX_ID_CHARS,
    IngestJournal,
    IngestRefused,
    JournalSource,
)
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.pages.live import app_hub

router = APIRouter()
ROUTE = "/api/sessions/{session_id}/events"
RUN_KEY = "ingest-journal"  # the journal run's name in the server's checkpoint
_lock = threading.Lock()


def journal(request: Request) -> IngestJournal:
    return app_journal(request.app)


def app_journal(app: FastAPI) -> IngestJournal:
    """The app's journal, and a monitor run following it in the live hub (started once; it
    resumes from the hub's checkpoint, so a restarted server's totals come out exact)."""
    state = app.state
    with _lock:
        if getattr(state, "ingest_journal", None) is None:
            state.ingest_journal = IngestJournal(state.workspace.path / "ingest")
        run = getattr(state, "ingest_run", None)
        if run is None or run.finished:
            source = JournalSource(state.ingest_journal.path)
            state.ingest_run = app_hub(app).start(source, key=RUN_KEY)
    return state.ingest_journal


def resume(app: FastAPI) -> None:
    """At a server's start: follow the journal again if it has batches, so sessions fed by the
    ingest before a restart are monitored (and their last minutes saved) without waiting for
    the next batch."""
    if (app.state.workspace.path / "ingest" / JOURNAL_NAME).exists():
        app_journal(app)


async def _body(request: Request) -> bytes:
    """The body, refused past MAX_BYTES before it is all read."""
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_BYTES:
        raise IngestRefused(413, f"batch of {size} bytes, over {MAX_BYTES}", "send smaller batches")
    chunks, n = [], 0
    async for chunk in request.stream():
        n += len(chunk)
        if n > MAX_BYTES:
            raise IngestRefused(413, f"batch over {MAX_BYTES} bytes", "send smaller batches")
        chunks.append(chunk)
    return b"".join(chunks)


BATCH = {
    "type": "object",
    "required": ["batch_id", "events"],
    "properties": {
        "batch_id": {"type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS},
        "events": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_EVENTS,
            "items": {"type": "object", "required": ["id", "ts", "type"]},
        },
    },
    "additionalProperties": False,
}


@router.post(
    ROUTE,
    tags=["live"],
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": BATCH}}}
    },
)
async def ingest_events(request: Request, session_id: str) -> JSONResponse:
    """Take one signed batch ``{"batch_id": ..., "events": [...]}``. 200 with the batch's
    answer (the same answer again, header ``Idempotent-Replayed: true``, for a retry); 401
    unsigned, forged or stale; 409 batch id reused; 413 too large; 422 names the bad field."""
    try:
        body = await _body(request)
        ws = workspace(request)
        # in a worker thread: the checks and the disk flush must not hold up the event loop,
        # and batches received together share one flush (IngestJournal's group commit)
        answer, replayed = await run_in_threadpool(
            journal(request).receive,
            ws.settings.ingest_secret,
            session_id,
            dict(request.headers),
            body,
        )
    except IngestRefused as e:
        return JSONResponse(e.body(), status_code=e.status)
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(answer, headers=headers)


PAGE = Page(
    "ingest",
    "Ingest",
    "/api/sessions",
    "signed event batches into the live monitor",
    router=router,
    nav=False,
    own_auth=(f"POST {ROUTE}",),
)
