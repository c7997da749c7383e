"""The monitor: feed it events (objects, JSON-lines bytes or columnar batches) from any source,
read per-session, per-minute KPIs and running totals.

Event time drives everything. Each session's watermark is the newest event time seen; an event
older than the watermark minus the lateness (settings.lateness_seconds) is dropped and counted as
``late``; a younger late event lands in its own minute. Duplicate ids count once: ids are
remembered as long as an event with that id could still be accepted, i.e. within the lateness
window, which bounds the memory (rate x lateness ids per session). Events of a session whose
``live_start`` has not arrived yet are held until it does.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from livecart.live.engine import columns as C
from livecart.live.engine.aggregate import Aggregates
from livecart.live.engine.state import SUMMED, SessionState
from livecart.model.events import Event

_T = C.TYPE_CODE
MAX_PENDING = 200_000  # events held per session while waiting for its live_start


class Monitor:
    """Aggregates live events into per-minute state. ``lateness_seconds`` as in Settings."""

    def __init__(self, lateness_seconds: int = 120) -> None:
        self.lateness_ms = int(lateness_seconds) * 1000
        self.sessions: dict[str, SessionState] = {}
        self.malformed: list[C.Malformed] = []
        self.malformed_count = 0
        self.agg = Aggregates()  # every session's numbers, and the ids of the lateness window
        self._pending: dict[str, list[C.Columns]] = {}
        self.events_in = 0

    # --- feeding -----------------------------------------------------------------------------
    def feed(self, events: Iterable[Event]) -> None:
        self.feed_columns(C.from_events(events))

    def feed_lines(self, data: bytes) -> None:
        self.feed_columns(C.parse_lines(data))

    def feed_columns(self, cols: C.Columns) -> set[str]:
        """Fold a batch in; returns the session ids it names (started or not)."""
        self.events_in += len(cols) + len(cols.malformed)
        self._note_malformed(cols.malformed)
        if not len(cols):
            return set()
        named: set[str] = set()
        starts = cols.etype == _T["live_start"]
        if starts.any():
            named.update(cols.session_id[starts])
            self._start_sessions(cols.take(starts))
            cols = cols.take(~starts)
        codes, uniq = pd.factorize(cols.session_id)
        named.update(uniq)
        known = np.array([s in self.sessions for s in uniq], dtype=bool)[codes]
        if not known.all():
            self._hold(cols.take(~known))
            self._aggregate(cols.take(known))
        elif len(cols):
            self._aggregate(cols, (codes, uniq))
        return named

    def _note_malformed(self, bad: list[C.Malformed]) -> None:
        self.malformed_count += len(bad)
        self.malformed.extend(bad[: max(0, 1000 - len(self.malformed))])  # keep the first 1,000

    def _start_sessions(self, rows: C.Columns) -> None:
        for i in range(len(rows)):
            sid, eid = rows.session_id[i], int(rows.id_hash[i])
            st = self.sessions.get(sid)
            if st is not None:
                if not self.agg.seen(eid):
                    self._note_malformed(
                        [
                            C.Malformed(
                                f"session {sid!r} already started; "
                                f"a second live_start (ts {int(rows.ts[i])}) ignored"
                            )
                        ]
                    )
                else:
                    st.dropped["duplicate"] += 1
                continue
            st = SessionState(
                session_id=sid,
                index=self.agg.add_session(),
                start_ts=int(rows.ts[i]),
                planned_minutes=_int_or_none(rows.planned_minutes[i]),
                market=rows.market[i],
                currency=rows.currency[i],
                agg=self.agg,
            )
            st.watermark = int(rows.ts[i])
            self.sessions[sid] = st
            self.agg.note_id(eid, int(rows.ts[i]), st.index)
            held = self._pending.pop(sid, None)
            if held:
                self._aggregate(C.concat(held))

    def _hold(self, rows: C.Columns) -> None:
        for sid in pd.unique(rows.session_id):
            part = rows.take(rows.session_id == sid)
            held = self._pending.setdefault(sid, [])
            room = MAX_PENDING - sum(len(p) for p in held)
            if room < len(part):
                self._note_malformed(
                    [
                        C.Malformed(
                            f"session {sid!r}: {len(part) - max(room, 0)} events dropped "
                            f"while waiting "
                            f"for its live_start event (send live_start first)"
                        )
                    ]
                )
                part = part.take(np.arange(max(room, 0)))
            held.append(part)

    # --- aggregation -------------------------------------------------------------------------
    def _aggregate(self, cols: C.Columns, factorized: tuple | None = None) -> None:
        """Fold events of started sessions in (aggregate._fold: minutes, lateness, duplicates,
        currency, SKUs), then what the arrays do not hold: the pinned product and the end."""
        if not len(cols):
            return
        codes, uniq = factorized if factorized is not None else pd.factorize(cols.session_id)
        states = [self.sessions[s] for s in uniq]
        keep = self.agg.fold(cols, codes, states, self.lateness_ms)
        for j in np.flatnonzero(keep & (cols.etype == _T["pin"])):
            st = states[codes[j]]
            if cols.ts[j] >= st.pinned_ts:
                st.pinned, st.pinned_ts = cols.sku_id[j], int(cols.ts[j])
        for j in np.flatnonzero(keep & (cols.etype == _T["live_end"])):
            states[codes[j]].end_ts = int(cols.ts[j])
        if self.agg.eviction_due():
            self._evict_seen()

    def _evict_seen(self) -> None:
        """Forget the ids no longer inside their session's lateness window."""
        # an index no session holds any more (handover.adopt_session) keeps no ids
        floor = np.full(self.agg.n_sessions, np.iinfo(np.int64).max, dtype=np.int64)
        for s in self.sessions.values():
            floor[s.index] = s.watermark - self.lateness_ms
        self.agg.evict(floor)


def _int_or_none(v: float) -> int | None:
    return None if np.isnan(v) else int(v)


__all__ = ["Monitor", "SUMMED"]
