"""The hub: monitor runs inside a long-lived process (the web server), each in its own thread,
and one read model for views. A view of a session is everything a dashboard shows: the snapshot,
the golden hour against plan, the nowcast with its band and the open alerts.

Sources that arrive later (HTTP ingest, Redis Streams) start their runs through the same hub."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from livecart.errors import ConflictError, LivecartError, NotFoundError
from livecart.live.alerts import AlertBook, AlertRules
from livecart.live.checkpoint import load_checkpoint, save_checkpoint
from livecart.live.engine.kpis import snapshot
from livecart.live.engine.monitor import Monitor
from livecart.live.runner import LiveRun, open_run
from livecart.live.sources import ReplaySource, Source
from livecart.live.targets import GOLDEN_HOUR
from livecart.store import Workspace


class LiveHub:
    """All runs of a hub feed one Monitor (and one alert book) under one lock, so a session
    can take several sources at once: room events from the LIVE client, orders from webhooks.

    With a ``checkpoint`` the hub is checkpointed as a whole: a save (by any run, under the
    shared lock) writes every run's touched sessions into the workspace, then one file with the
    monitor, the alert book and the position of each run started with a ``key``. A hub made
    again on the same checkpoint (a restarted server) starts from that state, and a run started
    with the same key resumes from its saved position: killed at any moment, nothing is lost or
    counted twice (an event read again after the checkpoint is a duplicate by id)."""

    def __init__(
        self,
        ws: Workspace,
        rules: AlertRules | None = None,
        lateness_seconds: int | None = None,
        starting_stock: Callable[[str], dict[str, float]] | None = None,
        checkpoint: Path | None = None,
    ) -> None:
        self.ws = ws
        self.starting_stock = starting_stock  # see LiveRun.starting_stock
        self.rules = rules or AlertRules()
        late = ws.settings.lateness_seconds if lateness_seconds is None else lateness_seconds
        self.monitor = Monitor(late)
        self.book = AlertBook()
        self.lock = threading.RLock()
        self.runs: list[LiveRun] = []
        self._threads: list[threading.Thread] = []
        self._acks = 0  # acknowledgements so far: part of every session's version
        self.checkpoint = checkpoint
        self.positions: dict[str, Any] = {}  # run key: position, as of the last checkpoint
        saved = load_checkpoint(checkpoint) if checkpoint is not None else None
        if saved is not None:
            self.monitor, self.book = saved["monitor"], saved["book"]
            self.positions = dict(saved["position"] or {})

    def start(
        self,
        source: Source,
        persist: bool = True,
        key: str | None = None,
        sessions: tuple[str, ...] = (),
    ) -> LiveRun:
        """Run ``source`` into the hub's monitor in a background thread; with ``persist``
        off its sessions are shown but never written into the workspace (a demo replay).
        ``key`` names the run in the hub's checkpoint: it resumes from the position saved
        under that key. ``sessions``: those it feeds, known before its first event (shown
        running, and stoppable, from the start)."""
        run = open_run(
            self.ws,
            source,
            persist=persist,
            rules=self.rules,
            monitor=self.monitor,
            book=self.book,
            lock=self.lock,
            starting_stock=self.starting_stock,
            position=self.positions.get(key) if key is not None else None,
            key=key,
            saver=self.save,
        )
        run.fed.update(sessions)
        t = threading.Thread(target=_guarded, args=(run,), name="livecart-monitor", daemon=True)
        with self.lock:
            self.runs.append(run)
            self._threads.append(t)
        t.start()
        return run

    def replay(
        self, path: str | Path, speed: float = 0.0, sessions: tuple[str, ...] = ()
    ) -> LiveRun:
        return self.start(ReplaySource(path, speed=speed), sessions=sessions)

    def _state(self, session_id: str | None = None) -> tuple[bool, str | None]:
        """Whether a run (feeding ``session_id``, or any) is still going, and the first error
        of one that failed."""
        runs = [r for r in self.runs if session_id is None or _feeds(r, session_id)]
        running = any(not r.finished for r in runs)
        return running, next((r.error for r in runs if r.error), None)

    def feeding(self, session_id: str) -> bool:
        """Whether a run of this hub is feeding the session now."""
        with self.lock:
            return self._state(session_id)[0]

    def sessions(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {
                    "session_id": sid,
                    "market": st.market,
                    "minute": st.current_minute(),
                    "ended": st.end_ts is not None,
                    "running": (state := self._state(sid))[0],
                    "error": state[1],
                }
                for sid, st in self.monitor.sessions.items()
            ]

    def run_of(self, session_id: str) -> LiveRun:
        if self.runs and session_id in self.monitor.sessions:
            feeding = [r for r in self.runs if session_id in r.fed]
            return (feeding or self.runs)[-1]
        raise LivecartError(
            f"session {session_id!r} is not being monitored here: start a "
            f"replay (POST /api/live/replay) or a live source first"
        )

    def version(self, session_id: str) -> tuple:
        """Changes whenever the session's view may have: an event taken or dropped, the live's
        end, an acknowledgement, a run stopping. Cheap (no lock, no view), so a stream can poll
        it often and compute a view only when it changed."""
        self.run_of(session_id)
        st = self.monitor.sessions[session_id]
        running = sum(not r.finished for r in self.runs if _feeds(r, session_id))
        return (st.accepted, sum(st.dropped.values()), st.end_ts, self._acks, running)

    def view(self, session_id: str) -> dict[str, Any]:
        """Snapshot, golden hour vs plan, nowcast and open alerts of one session."""
        run = self.run_of(session_id)
        with run.lock:
            st = run.monitor.sessions[session_id]
            snap = snapshot(st)
            plan = run.plan_for(session_id)
            nowcast = run.nowcast(session_id) if not snap["ended"] else None
            alerts = [a.to_dict() for a in run.book.active.values() if a.session_id == session_id]
            running, error = self._state(session_id)
        return session_view(snap, plan, nowcast, alerts, running, error)

    def ack(self, alert_id: str) -> bool:
        """Acknowledge an active alert (again: still True); False for an unknown id."""
        with self.lock:
            ok = self.book.ack(alert_id)
            self._acks += ok
            return ok

    def save(self) -> bool:
        """Write every run's touched sessions, then the hub's checkpoint (when it has one).
        False when a write failed: then no checkpoint goes past what the workspace holds."""
        with self.lock:
            for run in self.runs:
                if not run.write_touched():
                    return False
            if self.checkpoint is not None:
                keyed = {r.key: r.position for r in self.runs if r.key is not None}
                self.positions = {**self.positions, **keyed}
                save_checkpoint(
                    self.checkpoint,
                    {
                        "monitor": self.monitor,
                        "book": self.book,
                        "position": self.positions,
                        "source": None,
                    },
                )
            return True

    def stop(self, session_id: str, timeout: float = 10.0) -> list[LiveRun]:
        """Stop the runs feeding ``session_id`` (a replay, a TikTok LIVE room) and wait for
        them: each takes the batch it holds whole, saves (its sessions into the workspace, then
        the hub's checkpoint) and ends, so no event is lost or counted twice. A room's run
        keeps its position under its key: started again, it resumes. Raises NotFoundError for
        a session this hub never had, ConflictError for one no run feeds now."""
        with self.lock:
            runs = [r for r in self.runs if not r.finished and _feeds(r, session_id)]
            known = session_id in self.monitor.sessions or any(
                _feeds(r, session_id) for r in self.runs
            )
        if not runs:
            why = "has stopped already" if known else "is not monitored here"
            raise (ConflictError if known else NotFoundError)(
                f"session {session_id!r} {why}: nothing to stop (GET /api/live lists the "
                f"sessions and whether each is running)"
            )
        self._stop_runs(runs, timeout)
        return runs

    def close(self, timeout: float = 10.0) -> None:
        """Stop every run; each saves on its way out (see LiveRun.run)."""
        self._stop_runs(list(self.runs), timeout)

    def _stop_runs(self, runs: list[LiveRun], timeout: float) -> None:
        for run in runs:
            run.stop.set()
            close = getattr(run.source, "close", None)  # wakes a source waiting for events
            if close is not None:
                close()
        threads = dict(zip(map(id, self.runs), self._threads, strict=True))
        for run in runs:
            threads[id(run)].join(timeout)
        if any(not r.finished for r in runs):
            raise LivecartError(
                f"a run did not stop within {timeout:g} s: it stops after the batch it is "
                f"reading; ask again in a moment"
            )


def _feeds(run: LiveRun, session_id: str) -> bool:
    """Whether ``run`` feeds the session: it has taken events of it, or its source is that
    session's room (a room that has sent nothing yet)."""
    return session_id in run.fed or getattr(run.source, "session_id", None) == session_id


def _guarded(run: LiveRun) -> None:
    """A run's thread: an error ends the run and is kept for the views, never lost."""
    try:
        run.run()
    except Exception as e:  # noqa: BLE001 - shown to the person watching, not swallowed
        run.error = f"{type(e).__name__}: {e}"
        run.finished = True


def session_view(
    snap: dict[str, Any],
    plan: Any,
    nowcast: dict[str, Any] | None = None,
    alerts: list[dict[str, Any]] | None = None,
    running: bool = False,
    error: str | None = None,
) -> dict[str, Any]:
    """A session's snapshot dressed as the dashboard shows it (a running session's, or a past
    live's from the workspace, livecart.live.past): golden hour against ``plan``, the plan's
    GMV and orders bands, the nowcast, open alerts; JSON-safe."""
    snap["golden_hour"] = _golden(snap, plan)
    snap["plan"] = (
        None
        if plan is None
        else {
            "source": plan.source,
            "currency": plan.currency,
            **{k: v.tolist() for k, v in plan.cum.items() if k in ("gmv", "orders")},
        }
    )
    snap["nowcast"] = None if nowcast is None else {k: list(v) for k, v in nowcast.items()}
    snap["alerts"] = alerts or []
    snap["running"] = running
    snap["error"] = error
    return _json_safe(snap)


def _golden(snap: dict[str, Any], plan) -> dict[str, Any]:
    """Progress of the first hour: GMV and orders so far against the plan's median by the same
    minute (completed minutes only)."""
    m = min(snap["minute"], GOLDEN_HOUR)
    done = snap["minutes"][:m]
    gmv = sum(r["gmv"] or 0 for r in done)
    orders = sum(r["orders"] or 0 for r in done)
    out: dict[str, Any] = {
        "minute": m,
        "gmv": gmv,
        "orders": orders,
        "plan_gmv": None,
        "plan_orders": None,
        "plan_gmv_60": None,
    }
    if plan is not None and m >= 1:
        g, o = plan.at("cum", "gmv", m - 1), plan.at("cum", "orders", m - 1)
        end = plan.at("cum", "gmv", GOLDEN_HOUR - 1)
        out.update(
            plan_gmv=g[1] if g else None,
            plan_orders=o[1] if o else None,
            plan_gmv_60=end[1] if end else None,
        )
    return out


def _json_safe(x: Any) -> Any:
    """NaN and infinity become None (JSON has neither); numpy scalars become Python ones."""
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer | np.bool_):
        return x.item()
    return x
