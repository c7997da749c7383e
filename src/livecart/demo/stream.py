"""Reading a demo back: its hidden parameters, and one session's raw events regenerated from
(seed, session) exactly as the build generated and aggregated them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from livecart.demo import plans as plans_mod
from livecart.demo import room
from livecart.demo.build import TRUTH_FILE
from livecart.demo.world import make_world
from livecart.errors import WorkspaceError
from livecart.model.events import Event
from livecart.store import Workspace


def _path(ws: Workspace | str | Path) -> Path:
    return ws.path if isinstance(ws, Workspace) else Path(ws)


def truth(ws: Workspace | str | Path) -> dict[str, Any]:
    """The demo's hidden parameters (``<workspace>/truth.json``); never stored in the tables."""
    f = _path(ws) / TRUTH_FILE
    if not f.exists():
        raise WorkspaceError(
            f"{_path(ws)} is not a demo workspace (no {TRUTH_FILE}): build one with "
            f"`livecart demo --out {_path(ws)}`"
        )
    return json.loads(f.read_text())


def session_events(ws: Workspace | str | Path, session_id: str) -> Iterator[Event]:
    """The raw event stream of one demo session, in time order (``live_start`` first,
    ``live_end`` last). Its per-minute aggregation is the session's ``live_minutes``."""
    meta = truth(ws)["meta"]
    w = make_world(int(meta["seed"]), float(meta["scale"]))
    for p in plans_mod.make_plans(w):
        if p.session_id == session_id:
            return room.to_events(room.simulate(p, w.seed))
    raise WorkspaceError(
        f"no session {session_id!r} in the demo at {_path(ws)}: session ids run from L0001 to "
        f"L{plans_mod.n_sessions(w.scale):04d}; `livecart status` lists what it holds"
    )
