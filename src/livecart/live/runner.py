"""A monitor run: one source into one Monitor, with alerts, nowcast, checkpoints and the
per-minute results written into the workspace (so a finished live becomes history).

Order of a save: the touched sessions' minutes are upserted into the workspace first (only the
minutes that changed since the run last wrote them, in one transaction with the sessions' totals),
then the checkpoint (state + source position) replaces the old one. Killed between the two, the
restart re-applies the same events from the older checkpoint and re-writes the same rows (upserts
by key; a resumed run's first save writes its sessions whole), so the totals come out exact either
way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from livecart.live.alerts import Alert, AlertBook, AlertRules, WebhookSink, evaluate
from livecart.live.checkpoint import (
    check_source,
    checkpoint_path,
    load_checkpoint,
    save_checkpoint,
)
from livecart.live.engine.handover import adopt_session, handed_alerts
from livecart.live.engine.kpis import live_minutes_columns, snapshot
from livecart.live.engine.monitor import Monitor
from livecart.live.engine.state import SessionState
from livecart.live.history import History, load_history
from livecart.live.nowcast import Nowcaster
from livecart.live.session_rows import totals_table, write_rows
from livecart.live.sources.base import Source
from livecart.live.targets import GOLDEN_HOUR, Plan, plan_from_history
from livecart.store import Workspace

REFRESH_SLICE_S = 0.02  # within-minute alert refreshes run in slices of about this long


def open_run(
    ws: Workspace,
    source: Source,
    *,
    name: str | None = None,
    fresh: bool = False,
    webhook: str = "",
    **fields: Any,
) -> LiveRun:
    """The one way to set up a monitor run of ``source`` into ``ws`` (the CLI's monitor, worker
    and tiktok commands and the server's hub all start theirs here).

    ``name``: checkpoint the run as ``checkpoints/monitor-NAME.ckpt`` in the workspace and resume
    from that file when it exists (``run.resumed``); ``fresh`` deletes it first, to start over.
    ``webhook``: POST each new alert there as JSON (``run.close_sinks()`` delivers the last).
    ``fields``: any other ``LiveRun`` field: rules, plan, starting_stock, persist, or the
    monitor, alert book and lock a hub's runs share."""
    checkpoint = None
    if name is not None:
        checkpoint = checkpoint_path(ws.path, name)
        if fresh:
            checkpoint.unlink(missing_ok=True)
    sinks = [*fields.pop("sinks", []), *([WebhookSink(webhook)] if webhook else [])]
    return LiveRun(ws, source, checkpoint=checkpoint, sinks=sinks, **fields)


@dataclass
class LiveRun:
    ws: Workspace
    source: Source
    checkpoint: Path | None = None
    rules: AlertRules = field(default_factory=AlertRules)
    plan: Plan | None = None  # None: each session's plan from its room's history
    sinks: list[Callable[[Alert], None]] = field(default_factory=list)
    # The stock planned per SKU for a session (the stock plan's hand-off): each SKU's level at
    # the session's start until the room reports a stock count of its own.
    starting_stock: Callable[[str], dict[str, float]] | None = None
    save_every_s: float | None = None  # None: the workspace's checkpoint_seconds setting
    persist: bool = True  # False: a show replay, its sessions never written into the workspace
    alert_every_s: float = 1.0
    alert_duty: float = 0.25  # share of the run's time the within-minute alert refreshes may take
    monitor: Monitor | None = None  # shared with other runs of the same process, or a new one
    book: AlertBook = field(default_factory=AlertBook)
    position: Any = None
    resumed: bool = False
    lock: Any = field(default_factory=threading.RLock)  # held while the state changes
    stop: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    error: str | None = None  # why a run in a background thread stopped, if it failed
    key: str | None = None  # the run's name in its hub's checkpoint (see LiveHub)
    saver: Callable[[], bool] | None = None  # a hub's save, which replaces the run's own
    fed: set[str] = field(default_factory=set)  # the sessions this run has taken events of
    # also hands each write's sessions' totals and minutes on (after the workspace has them),
    # with their states, the position they hold and their active alerts (session: the book's
    # room_alerts), e.g. redis_results.ResultsPublisher; a failure keeps the sessions dirty
    publish: Callable[[pa.Table, pa.Table, list[SessionState], Any, dict], None] | None = None

    def __post_init__(self) -> None:
        if self.monitor is None:
            self.monitor = Monitor(self.ws.settings.lateness_seconds)
        if self.save_every_s is None:
            self.save_every_s = self.ws.settings.checkpoint_seconds
        self._plans: dict[str, Plan | None] = {}
        self._nowcast: Nowcaster | None = None
        self._past: History | None = None  # see _history
        # (sessions monitored, the history without them, its room, market and currency arrays)
        self._past_cut: tuple[int, History, dict[str, np.ndarray]] | None = None
        self._rooms: dict[str, list] | None = None  # see _where
        self._dirty: set[str] = set()
        # per session, what this run last wrote of it: start, currency and its minute sums (not
        # checkpointed: a resumed run rewrites its sessions' minutes whole at its first save)
        self._written: dict[str, tuple[int, str | None, np.ndarray]] = {}
        self._evaluated: dict[str, tuple[int, float]] = {}  # session: (minute, wall time)
        self._refresh_free_at = 0.0
        saved = load_checkpoint(self.checkpoint) if self.checkpoint else None
        if saved is not None:
            check_source(self.checkpoint, saved.get("source"), self.source)
            self.monitor, self.book = saved["monitor"], saved["book"]
            self.position = saved["position"]
            self.resumed = True

    def run(self, on_update: Callable[[LiveRun], None] | None = None) -> None:
        last_save = time.monotonic()
        for batch in self.source.batches(self.position):
            with self.lock:
                touched = self._adopt(batch.handover)
                touched |= self.monitor.feed_columns(batch.events) & self.monitor.sessions.keys()
                self._dirty |= touched
                self.fed |= touched
                self._seed_stock(touched)
                self._alert(touched)
                if batch.position is not None:
                    self.position = batch.position
                    if time.monotonic() - last_save >= self.save_every_s:
                        self.save()
                        last_save = time.monotonic()
            if on_update is not None:
                on_update(self)
            if self.stop.is_set():
                break
        with self.lock:
            self.save()
            self.finished = True  # to the end of the source, or stopped (see self.stop)

    def _adopt(self, handover: dict[str, bytes] | None) -> set[str]:
        """Take over sessions whole from another worker's checkpoint; each is written whole
        at the next save."""
        adopted = set()
        for blob in (handover or {}).values():
            sid = adopt_session(self.monitor, blob).session_id
            self.book.adopt_room(sid, handed_alerts(blob))
            self._written.pop(sid, None)
            self._evaluated.pop(sid, None)
            adopted.add(sid)
        return adopted

    def close_sinks(self) -> list[str]:
        """Deliver what the alert sinks still hold (webhook posts); returns what failed."""
        failed: list[str] = []
        for sink in self.sinks:
            close = getattr(sink, "close", None)
            if close is not None:
                close()
                failed += getattr(sink, "errors", [])
        return failed

    def save(self) -> None:
        """Write touched sessions into the workspace (unless ``persist`` is off), then
        checkpoint."""
        if self.saver is not None:  # a hub's run: the hub writes every run's, then checkpoints
            self.saver()
            return
        if not self.write_touched():
            return  # no checkpoint past what the workspace holds: a restart re-applies them
        if self.checkpoint is not None:
            save_checkpoint(
                self.checkpoint,
                {
                    "monitor": self.monitor,
                    "book": self.book,
                    "position": self.position,
                    "source": self._source_identity(),
                },
            )
            commit = getattr(self.source, "commit", None)  # e.g. acknowledge Redis entries
            if commit is not None and self.position is not None:
                commit(self.position)

    def write_touched(self) -> bool:
        """Write the sessions touched since the last save (unless ``persist`` is off)."""
        if self._dirty and not self.persist:
            self._dirty.clear()
        return not self._dirty or self._write(sorted(self._dirty))

    def _write(self, sids: list[str]) -> bool:
        """Write sessions into the workspace, all in one transaction; if that fails, one by
        one, so that a session that cannot be written does not stop the others from saving. A
        failed write is rolled back, kept dirty (tried again at the next save) and reported in
        ``error``; True when everything was written."""
        try:
            self._write_sessions(sids)
            failed: list[tuple[str, Exception]] = []
        except Exception:  # noqa: BLE001 - narrowed down to the sessions below
            failed = []
            for sid in sids:
                try:
                    self._write_sessions([sid])
                except Exception as e:  # noqa: BLE001 - reported in self.error
                    failed.append((sid, e))
        self._dirty = {sid for sid, _ in failed}
        if failed:
            sid, e = failed[0]
            self.error = (
                f"could not save {len(failed)} session(s) into the workspace, first "
                f"{sid!r}: {type(e).__name__}: {str(e).splitlines()[0]}"
            )
            return False
        self.error = None
        return True

    def _write_sessions(self, sids: list[str]) -> None:
        """Upsert the sessions' totals and their minutes that changed since this run last
        wrote them, in one transaction."""
        states = [self.monitor.sessions[s] for s in sids]
        parts = [live_minutes_columns(st, self._first_changed(st)) for st in states]
        rows = pa.table({c: np.concatenate([p[c] for p in parts]) for c in parts[0]})
        sessions = totals_table(states)
        write_rows(self.ws, sessions, rows)
        if self.publish is not None:  # e.g. onto a shared Redis results stream
            alerts = {sid: self.book.room_alerts(sid) for sid in sids}
            self.publish(sessions, rows, states, self.position, alerts)
        for st in states:
            n = st.n_minutes
            self._written[st.session_id] = (st.start_ts, st.currency, st.minutes[:n].copy())

    def _first_changed(self, st: SessionState) -> int:
        """The first minute whose row differs from what this run last wrote (each row's
        viewers carry on into the minutes after it, so every later row is written again too).
        0 when this run has not written the session yet: after a restart from a checkpoint the
        first save writes its sessions whole."""
        written = self._written.get(st.session_id)
        if written is None or written[:2] != (st.start_ts, st.currency):
            return 0
        old, now = written[2], st.minutes[: st.n_minutes]
        k = min(len(old), len(now))
        moved = np.flatnonzero((old[:k] != now[:k]).any(axis=1))
        return int(moved[0]) if len(moved) else k

    def _seed_stock(self, touched: set[str]) -> None:
        """Give each SKU of a new session its planned stock as the level at the start, once
        per session (the flag is in the checkpointed state); a SKU the room has already
        reported a stock count for keeps the room's count."""
        if self.starting_stock is None:
            return
        for sid in sorted(touched):
            st = self.monitor.sessions[sid]
            if st.stock_seeded:
                continue
            for sku_id, level in self.starting_stock(sid).items():
                st.seed_stock(sku_id, float(level))
            st.stock_seeded = True

    def _source_identity(self) -> dict[str, Any] | None:
        identity = getattr(self.source, "identity", None)  # a recording; None for live feeds
        return identity() if identity is not None else None

    # --- plan, nowcast, alerts ----------------------------------------------------------------
    def plan_for(self, session_id: str) -> Plan | None:
        if self.plan is not None:
            return self.plan
        if session_id not in self._plans:
            self._plans[session_id] = self._history_plan(session_id)
        return self._plans[session_id]

    def _history_plan(self, session_id: str) -> Plan:
        """Quartiles of past sessions in the session's own currency: its room in its market if
        that has 3 sessions, else its market, else its currency; never another currency."""
        room, market, currency = self._where(session_id)
        st = self.monitor.sessions.get(session_id)
        span = max(GOLDEN_HOUR, (st.planned_minutes or 0) if st else 0)
        if currency is None:
            return Plan(span, source="none: the session's currency is unknown")
        tries = (
            (f"room {room} in {market}", {"room": room, "market": market}),
            (f"market {market}", {"market": market}),
            (f"currency {currency}", {}),
        )
        past = self._history()
        meta = self._past_cut[2]  # the history's room, market and currency as arrays
        for label, where in tries:
            if any(v is None for v in where.values()):
                continue
            mask = meta["currency"] == currency
            for column, value in where.items():
                mask &= meta[column] == value
            if np.count_nonzero(mask) >= 3:
                plan = plan_from_history(past.subset(mask), minutes=span)
                plan.source += f" ({label})"
                return plan
        return Plan(
            span, currency=currency, source=f"none: fewer than 3 past sessions in {currency}"
        )

    def _history(self) -> History:
        """The workspace's past sessions, read once per run (every room's plan and the nowcast
        are cut from it); sessions this run monitors are not history, even once saved."""
        if self._past is None:
            self._past = load_history(self.ws)
        n_live = len(self.monitor.sessions)  # sessions are only ever added
        if self._past_cut is None or self._past_cut[0] != n_live:
            live = self._past.meta["session_id"].isin(list(self.monitor.sessions))
            cut = self._past.subset(~live.to_numpy(dtype=bool))
            where = {c: cut.meta[c].to_numpy(dtype=object) for c in ("room", "market", "currency")}
            self._past_cut = (n_live, cut, where)
        return self._past_cut[1]

    def _where(self, session_id: str) -> tuple[str | None, str | None, str | None]:
        """Room, market and currency: the sessions table's (read once per run, as the history
        is), else what the events said."""
        if self._rooms is None:
            t = self.ws.query("SELECT session_id, room, market, currency FROM sessions")
            t = t.astype(object).where(t.notna(), None)
            self._rooms = {r[0]: list(r[1:]) for r in t.itertuples(index=False)}
        got = list(self._rooms.get(session_id, [None, None, None]))
        st = self.monitor.sessions.get(session_id)
        if st is not None:
            got[1] = got[1] or st.market
            got[2] = got[2] or st.currency
        return got[0], got[1], got[2]

    def nowcast(self, session_id: str) -> dict[str, tuple[float, float, float]] | None:
        """Final GMV and orders with 80% intervals, or None (too early, or too little history
        in the session's currency: ``Nowcaster.why_not``)."""
        st = self.monitor.sessions[session_id]
        m = st.current_minute()
        if m < 1:
            return None
        if self._nowcast is None:
            self._nowcast = Nowcaster().fit(self._history())
        f = snapshot(st)["minutes"][:m]
        so_far = {k: sum(r[k] or 0 for r in f) for k in ("gmv", "orders", "entries")}
        planned = st.planned_minutes or max(m, 60)
        currency = st.currency or self._where(session_id)[2]
        viewers = f[-1]["viewers_last"] or 0
        return self._nowcast.predict(m, so_far, viewers, planned, currency=currency)

    def _alert(self, touched: set[str]) -> None:
        """Evaluate the rules of touched sessions: always when a session's minute moved on, and
        within a minute at most every ``alert_every_s`` seconds of wall time, those refreshes
        taking at most ``alert_duty`` of the run's time (stalest first), so that many rooms at
        once do not starve the monitor. Ended sessions are not evaluated any more."""
        now = time.monotonic()
        refresh = []
        for sid in sorted(touched):
            st = self.monitor.sessions[sid]
            if st.end_ts is not None:
                continue  # the live is over: nothing left to act on, so no new alerts
            minute, last = self._evaluated.get(sid, (None, -np.inf))
            if minute != st.current_minute():
                self._evaluate(sid, now)
            elif now - last >= self.alert_every_s:
                refresh.append((last, sid))
        if not refresh or now < self._refresh_free_at:
            return
        spent = 0.0
        for _last, sid in sorted(refresh):
            t0 = time.monotonic()
            self._evaluate(sid, now)
            spent += time.monotonic() - t0
            if spent >= REFRESH_SLICE_S:
                break
        self._refresh_free_at = time.monotonic() + spent * (1 / self.alert_duty - 1)

    def _evaluate(self, sid: str, now: float) -> None:
        st = self.monitor.sessions[sid]
        self._evaluated[sid] = (st.current_minute(), now)
        new = self.book.update(sid, evaluate(st, self.plan_for(sid), self.rules))
        first = getattr(self.source, "first_raises", None)  # e.g. a Redis group's workers
        if new and first is not None:
            new = first(new)  # raises another owner of the room delivered are not sent again
        for a in new:
            for sink in self.sinks:
                sink(a)
