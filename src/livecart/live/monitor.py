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

from livecart.live import columns as C
from livecart.live.state import MAX_MINUTES, NM, SUMMED, M, SessionState
from livecart.model.events import Event

_T = C.TYPE_CODE
_PRIMARY = {  # event type -> summed metric it adds to
    "join": "entries",
    "leave": "exits",
    "comment": "comments",
    "like": "likes",
    "share": "shares",
    "follow": "new_followers",
    "fan_club_join": "fan_club_joins",
    "gift": "gifts",
    "product_impression": "product_impressions",
    "product_click": "product_clicks",
    "add_to_cart": "add_to_carts",
    "order": "orders",
    "ad_spend": "ad_spend",
}
PRIMARY_METRIC = np.full(len(C.TYPE_CODE), -1, dtype=np.int64)
for _t, _m in _PRIMARY.items():
    PRIMARY_METRIC[_T[_t]] = M[_m]
_COUNTED = np.zeros(len(C.TYPE_CODE), dtype=bool)  # weight = count (default 1)
for _t in ("like", "gift", "product_impression"):
    _COUNTED[_T[_t]] = True
TRAFFIC0 = M["traffic_" + C.JOIN_SOURCES[0]]
MAX_PENDING = 200_000  # events held per session while waiting for its live_start


class Monitor:
    """Aggregates live events into per-minute state. ``lateness_seconds`` as in Settings."""

    def __init__(self, lateness_seconds: int = 120) -> None:
        self.lateness_ms = int(lateness_seconds) * 1000
        self.sessions: dict[str, SessionState] = {}
        self.malformed: list[C.Malformed] = []
        self.malformed_count = 0
        self._seen: set[int] = set()  # ids within the lateness window
        self._log: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (ids, ts, session)
        self._logged = self._seen_kept = 0
        self._pending: dict[str, list[C.Columns]] = {}
        self.events_in = 0

    # --- feeding -----------------------------------------------------------------------------
    def feed(self, events: Iterable[Event]) -> None:
        self.feed_columns(C.from_events(events))

    def feed_lines(self, data: bytes) -> None:
        self.feed_columns(C.parse_lines(data))

    def feed_columns(self, cols: C.Columns) -> None:
        self.events_in += len(cols) + len(cols.malformed)
        self._note_malformed(cols.malformed)
        if not len(cols):
            return
        starts = cols.etype == _T["live_start"]
        if starts.any():
            self._start_sessions(cols.take(starts))
            cols = cols.take(~starts)
        codes, uniq = pd.factorize(cols.session_id)
        known = np.array([s in self.sessions for s in uniq], dtype=bool)[codes]
        if not known.all():
            self._hold(cols.take(~known))
            self._aggregate(cols.take(known))
        elif len(cols):
            self._aggregate(cols, (codes, uniq))

    def _note_malformed(self, bad: list[C.Malformed]) -> None:
        self.malformed_count += len(bad)
        self.malformed.extend(bad[: max(0, 1000 - len(self.malformed))])  # keep the first 1,000

    def _start_sessions(self, rows: C.Columns) -> None:
        for i in range(len(rows)):
            sid, eid = rows.session_id[i], int(rows.id_hash[i])
            st = self.sessions.get(sid)
            if st is not None:
                if eid not in self._seen:
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
                index=len(self.sessions),
                start_ts=int(rows.ts[i]),
                planned_minutes=_int_or_none(rows.planned_minutes[i]),
                market=rows.market[i],
                currency=rows.currency[i],
            )
            st.watermark = int(rows.ts[i])
            self.sessions[sid] = st
            self._seen.add(eid)
            self._log.append((rows.id_hash[i : i + 1], rows.ts[i : i + 1], np.array([st.index])))
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
        if not len(cols):
            return
        codes, uniq = factorized if factorized is not None else pd.factorize(cols.session_id)
        states = [self.sessions[s] for s in uniq]
        start = np.array([s.start_ts for s in states], dtype=np.int64)
        minute = (cols.ts - start[codes]) // 60000
        # out-of-range times go first: a far-future timestamp must not move the watermark
        ok = self._drop_out_of_range(minute, codes, states, np.ones(len(cols), dtype=bool))
        if not ok.all():
            cols, codes, minute = cols.take(ok), codes[ok], minute[ok]
            if not len(cols):
                return
        keep = self._drop_late(cols, codes, states)
        keep &= self._drop_duplicates(cols, codes, states, keep)
        keep &= self._drop_foreign_currency(cols, codes, states, keep)
        idx = np.flatnonzero(keep)
        if not len(idx):
            return
        rows, codes, minute = cols.take(idx), codes[idx], minute[idx]
        for i, n in enumerate(np.bincount(codes, minlength=len(states))):
            states[i].accepted += int(n)
        self._add_minutes(rows, codes, minute, states)
        self._add_skus(rows, codes, minute, states)
        self._add_session_events(rows, codes, states)

    def _drop_late(self, cols: C.Columns, codes: np.ndarray, states: list) -> np.ndarray:
        """Running per-session watermark in arrival order; rows older than it minus the
        lateness are late. A segment-wise cumulative max: offset each session's times so that
        one np.maximum.accumulate over rows sorted by session never crosses sessions.

        An event moves the watermark at most the lateness past the time of the session's event
        that arrived just before it, so one event stamped far ahead (a sender's broken clock)
        does not make every on-time event after it late; two in a row do move it."""
        order = np.argsort(codes, kind="stable")
        cs, t = codes[order], cols.ts[order]
        first = np.r_[True, cs[1:] != cs[:-1]]
        before = np.r_[t[:1], t[:-1]]
        last_in = np.array([_last_arrival(s) for s in states], dtype=np.int64)
        before[first] = last_in[cs[first]]
        step = np.minimum(t, before + self.lateness_ms)
        t0, span = step.min(), int(step.max() - step.min()) + 1
        run = np.maximum.accumulate((step - t0) + cs * span) - cs * span + t0
        prev = np.array([s.watermark for s in states], dtype=np.int64)
        wm = np.maximum(run, prev[cs])
        late_sorted = t < wm - self.lateness_ms
        late = np.empty_like(late_sorted)
        late[order] = late_sorted
        last = np.flatnonzero(np.r_[cs[1:] != cs[:-1], True])
        for i, pos in zip(cs[last], last, strict=True):
            states[i].watermark = int(wm[pos])
            states[i].last_arrival_ts = int(t[pos])
        for i, n in enumerate(np.bincount(codes[late], minlength=len(states))):
            states[i].dropped["late"] += int(n)
        return ~late

    def _drop_duplicates(
        self, cols: C.Columns, codes: np.ndarray, states: list, keep: np.ndarray
    ) -> np.ndarray:
        """Ids already seen (or repeated within the batch) are duplicates. Ids are unique per
        event (the wire format's contract), so one set serves all sessions."""
        idx = np.flatnonzero(keep)
        ids = cols.id_hash[idx]
        lst = ids.tolist()
        window = [x[0] for x in self._log]  # the ids the set holds, as arrays
        before = len(self._seen)
        self._seen.update(lst)
        if len(self._seen) - before == len(lst):  # the common case: every id is new
            dup = np.zeros(len(lst), dtype=bool)
        else:  # some ids were seen before, or repeat inside the batch: find which
            known = pd.Index(np.concatenate(window)) if window else pd.Index([])
            dup = np.asarray(pd.Index(ids).isin(known)) | pd.Index(ids).duplicated(keep="first")
        sidx = np.array([s.index for s in states], dtype=np.int64)[codes[idx]]
        self._log.append((ids[~dup], cols.ts[idx][~dup], sidx[~dup]))
        self._logged += int((~dup).sum())
        for i, n in enumerate(np.bincount(codes[idx][dup], minlength=len(states))):
            states[i].dropped["duplicate"] += int(n)
        if self._logged > max(2 * self._seen_kept, 100_000):
            self._evict_seen()
        ok = np.ones(len(cols), dtype=bool)
        ok[idx[dup]] = False
        return ok

    def _evict_seen(self) -> None:
        """Forget ids older than their session's watermark minus the lateness: such an event,
        delivered again, is dropped as late anyway. Memory: the ids of the lateness window."""
        if not self._log:
            return
        ids = np.concatenate([x[0] for x in self._log])
        ts = np.concatenate([x[1] for x in self._log])
        sidx = np.concatenate([x[2] for x in self._log])
        floor = np.empty(len(self.sessions), dtype=np.int64)
        for s in self.sessions.values():
            floor[s.index] = s.watermark - self.lateness_ms
        fresh = ts >= floor[sidx]
        self._seen.difference_update(ids[~fresh].tolist())
        self._log = [(ids[fresh], ts[fresh], sidx[fresh])]
        self._logged = self._seen_kept = int(fresh.sum())

    def _drop_out_of_range(
        self, minute: np.ndarray, codes: np.ndarray, states: list, keep: np.ndarray
    ) -> np.ndarray:
        before = keep & (minute < 0)
        after = keep & (minute >= MAX_MINUTES)
        for reason, mask in (("before_start", before), ("too_long", after)):
            for i, n in enumerate(np.bincount(codes[mask], minlength=len(states))):
                states[i].dropped[reason] += int(n)
        return ~(before | after)

    def _drop_foreign_currency(
        self, cols: C.Columns, codes: np.ndarray, states: list, keep: np.ndarray
    ) -> np.ndarray:
        """Money in another currency than the session's is not added up silently."""
        money = keep & ((cols.etype == _T["order"]) | (cols.etype == _T["ad_spend"]))
        bad = np.zeros(len(cols), dtype=bool)
        for j in np.flatnonzero(money):
            st = states[codes[j]]
            if st.currency is None:
                st.currency = cols.currency[j]
            elif cols.currency[j] != st.currency:
                bad[j] = True
                st.dropped["currency"] += 1
        return ~bad

    def _add_minutes(
        self, rows: C.Columns, codes: np.ndarray, minute: np.ndarray, states: list
    ) -> None:
        # live_end marks the end, it is no activity: it must not open a minute of its own
        ends = rows.etype == _T["live_end"]
        if ends.any():
            rows, codes, minute = rows.take(~ends), codes[~ends], minute[~ends]
        n_s = len(states)
        lo = np.full(n_s, np.iinfo(np.int64).max)
        hi = np.full(n_s, -1)
        np.minimum.at(lo, codes, minute)
        np.maximum.at(hi, codes, minute)
        span = np.where(hi >= 0, hi - lo + 1, 0)
        offset = np.r_[0, np.cumsum(span)[:-1]]
        key = offset[codes] + (minute - lo[codes])
        block = _minute_block(rows, key, int(span.sum()))
        for i in np.flatnonzero(span):
            states[i].add_block(int(lo[i]), block[offset[i] : offset[i] + span[i]])

    def _add_skus(
        self, rows: C.Columns, codes: np.ndarray, minute: np.ndarray, states: list
    ) -> None:
        from livecart.live.skus import add_sku_rows

        add_sku_rows(rows, codes, minute, states)

    def _add_session_events(self, rows: C.Columns, codes: np.ndarray, states: list) -> None:
        for j in np.flatnonzero(rows.etype == _T["pin"]):
            st = states[codes[j]]
            if rows.ts[j] >= st.pinned_ts:
                st.pinned, st.pinned_ts = rows.sku_id[j], int(rows.ts[j])
        for j in np.flatnonzero(rows.etype == _T["live_end"]):
            states[codes[j]].end_ts = int(rows.ts[j])


def _minute_block(rows: C.Columns, key: np.ndarray, size: int) -> np.ndarray:
    """Aggregate rows into a (size x metric) block: one bincount over key * NM + metric."""
    et = rows.etype
    metric = PRIMARY_METRIC[et]
    weight = np.where(_COUNTED[et] & ~np.isnan(rows.count), rows.count, 1.0)
    ad = et == _T["ad_spend"]
    weight[ad] = rows.amount[ad]
    flat = [key * NM + metric]
    wts = [weight]
    valid = [metric >= 0]
    od = np.flatnonzero(et == _T["order"])
    if len(od):
        q = rows.quantity[od]
        flat += [key[od] * NM + M["units"], key[od] * NM + M["gmv"]]
        wts += [q, q * rows.price[od]]
        valid += [np.ones(len(od), bool)] * 2
    jn = np.flatnonzero((et == _T["join"]) & (rows.source < len(C.JOIN_SOURCES)))
    if len(jn):
        flat.append(key[jn] * NM + TRAFFIC0 + rows.source[jn].astype(np.int64))
        wts.append(np.ones(len(jn)))
        valid.append(np.ones(len(jn), bool))
    vw = np.flatnonzero(et == _T["viewers"])
    if len(vw):
        flat += [key[vw] * NM + M["viewers_sum"], key[vw] * NM + M["viewers_n"]]
        wts += [rows.count[vw], np.ones(len(vw))]
        valid += [np.ones(len(vw), bool)] * 2
    v = np.concatenate(valid)
    block = np.bincount(np.concatenate(flat)[v], np.concatenate(wts)[v], minlength=size * NM)
    block = block.reshape(size, NM)
    if len(vw):
        _viewer_peaks(block, key[vw], rows.count[vw], rows.ts[vw])
    return block


def _viewer_peaks(block: np.ndarray, key: np.ndarray, count: np.ndarray, ts: np.ndarray) -> None:
    np.maximum.at(block[:, M["viewers_peak"]], key, count)
    order = np.lexsort((ts, key))  # by key, then time: the last row of each key is the newest
    k = key[order]
    last = order[np.r_[k[1:] != k[:-1], True]]
    block[key[last], M["viewers_last"]] = count[last]
    block[key[last], M["viewers_last_ts"]] = ts[last]


def _last_arrival(st: SessionState) -> int:
    """Time of the session's newest-arrived event (a state from an older checkpoint: its
    watermark)."""
    t = getattr(st, "last_arrival_ts", None)
    return st.watermark if t is None else t


def _int_or_none(v: float) -> int | None:
    return None if np.isnan(v) else int(v)


__all__ = ["Monitor", "SUMMED"]
