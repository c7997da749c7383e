"""Starting and stopping live sources from the Live page: a TikTok LIVE room
(``POST /api/live/rooms``) and a stop for whatever feeds a session, a room or a replay
(``POST /api/live/{session_id}/stop``). The runs live in the server's one hub
(livecart.web.pages.live); a stopped run saves what it took before it ends."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from livecart.errors import ConflictError
from livecart.store.team import User, record
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.pages.live import hub, start_sources
from livecart.web.team import require

router = APIRouter()
SESSION_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class RoomStart(BaseModel):
    """A TikTok LIVE room to listen to, as ``livecart serve --tiktok @host --session ID``."""

    unique_id: str = Field(
        pattern=r"^@?[A-Za-z0-9._]{2,24}$", description="the host's TikTok @unique_id"
    )
    session_id: str = Field(pattern=SESSION_ID, description="the livecart session it becomes")
    market: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="market code, e.g. US")
    currency: str | None = Field(
        None, pattern=r"^[A-Z]{3}$", description="the shop's currency, e.g. USD"
    )
    planned_minutes: int | None = Field(None, ge=1, le=24 * 60, description="planned length")


class RoomStarted(BaseModel):
    session_id: str
    unique_id: str
    page: str = Field(description="the session's live page")
    summary: str


class Stopped(BaseModel):
    session_id: str
    runs: int = Field(description="runs stopped (a replay, a room)")
    accepted: int = Field(description="events taken into the session, all saved")
    summary: str


@router.post("/api/live/rooms", tags=["live"], status_code=201)
def api_room_start(
    request: Request, body: RoomStart, user: User = Depends(require("operator"))
) -> RoomStarted:
    """Listen to a TikTok LIVE room (needs ``livecart[tiktok]``) in this server's monitor, as
    session ``session_id``; it reconnects when dropped and ends with the LIVE or a stop. 409
    when a run already feeds that session."""
    from livecart.live.sources import tiktok

    tiktok.ensure_installed()
    h = hub(request)
    if h.feeding(body.session_id):
        raise ConflictError(
            f"session {body.session_id!r} is already being fed: stop it first "
            f"(POST /api/live/{body.session_id}/stop) or choose another session id"
        )
    user_id = body.unique_id.lstrip("@")
    factory = getattr(request.app.state, "tiktok_client", None)  # tests: a fake client
    source = tiktok.TikTokSource(
        user_id,
        body.session_id,
        market=body.market,
        currency=body.currency,
        planned_minutes=body.planned_minutes,
        client_factory=(lambda: factory(user_id)) if factory is not None else None,
    )
    start_sources(request.app, [source])
    folder = workspace(request).path
    record(folder, user.name, "live room start", body.session_id, None, _dump(body))
    return RoomStarted(
        session_id=body.session_id,
        unique_id=user_id,
        page=f"/live/{body.session_id}",
        summary=f"listening to @{user_id} as session {body.session_id}",
    )


@router.post("/api/live/{session_id}/stop", tags=["live"])
def api_live_stop(
    request: Request, session_id: str, user: User = Depends(require("operator"))
) -> Stopped:
    """Stop the replay or room feeding a session. The run takes the batch it holds whole,
    saves the session into the workspace and ends: no event lost or counted twice (a room
    started again under the same session id resumes). 404 for a session never monitored
    here, 409 for one that has stopped."""
    h = hub(request)
    runs = h.stop(session_id)
    st = h.monitor.sessions.get(session_id)
    accepted = int(st.accepted) if st is not None else 0
    record(
        workspace(request).path,
        user.name,
        "live stop",
        session_id,
        {"running": True},
        {"running": False, "events": accepted},
    )
    return Stopped(
        session_id=session_id,
        runs=len(runs),
        accepted=accepted,
        summary=f"stopped {session_id}: {accepted} events taken, all saved",
    )


def _dump(body: BaseModel) -> dict[str, Any]:
    return body.model_dump(exclude_none=True)


PAGE = Page(
    "live_control", "Live sources", "/api/live/rooms", "live sources", router=router, nav=False
)
