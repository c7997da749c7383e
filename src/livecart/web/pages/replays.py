"""Replays started from the Live page: a past live of the demo replayed into the server's
monitor (``POST /api/live/replays/{session_id}``) and recorded again as it goes: the live's
stored minutes and totals become what the replay took (a replay stopped half-way leaves half a
live; replaying it to the end restores it, each event counted once). Only ``livecart demo``'s
own start-up replay is shown and never written. Uploading a recording is
``POST /api/live/replay`` (livecart.web.pages.live)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from livecart.store.team import User, record
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.pages.live import hub
from livecart.web.team import require

router = APIRouter()


@router.post("/api/live/replays/{session_id}", tags=["live"])
def api_replay_past(
    request: Request,
    session_id: str,
    speed: float = Query(
        30.0,
        ge=0,
        le=10_000,
        allow_inf_nan=False,
        description="N x real time, 0 as fast as possible",
    ),
    user: User = Depends(require("operator")),
) -> dict:
    """Replay a past demo live into this server's monitor at ``speed``; its page is
    ``/live/{session_id}``. Only a demo workspace keeps the events of its past lives (other
    workspaces: upload a recording to ``POST /api/live/replay``)."""
    from livecart.demo import session_events

    ws = workspace(request)
    if not (ws.path / "truth.json").exists():
        raise HTTPException(  # 404: no recorded events of this live here
            404,
            "only the demo keeps the events of past lives: upload a recording instead "
            "(`livecart demo-events` writes one; POST it to /api/live/replay)",
        )
    path = ws.path / "replays" / f"{session_id}.jsonl"
    if not path.exists():
        events = session_events(ws.path, session_id)  # unknown session: 404 with the id range
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "w", encoding="utf-8") as f:
            for e in events:
                f.write(e.to_json() + "\n")
        tmp.replace(path)
    hub(request).replay(path, speed=speed, sessions=(session_id,))
    record(ws.path, user.name, "replay", session_id, None, {"speed": speed})
    return {"session_id": session_id, "speed": speed, "page": f"/live/{session_id}"}


PAGE = Page("replays", "Replays", "/api/live/replays", "replays", router=router, nav=False)
