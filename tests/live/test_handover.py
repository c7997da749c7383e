"""A session's state moved from one monitor into another (engine.handover, how a room moves
between workers without being read again): the second monitor, fed only the events after the
move, ends with exactly what one monitor fed everything computes: minutes, totals, SKUs,
stock left and drops; an event delivered again after the move counts once."""

from __future__ import annotations

import numpy as np
import pytest

from livecart.errors import LivecartError
from livecart.live import Monitor, snapshot
from livecart.live.alerts import AlertBook, AlertRules, evaluate
from livecart.live.engine import columns as C
from livecart.live.engine.handover import adopt_session, export_session, handed_alerts
from livecart.model.events import Event
from tests.live.synth import T0, synth_session


def _events(seed: int) -> list[Event]:
    """Two sessions (the second keeps the first's index off 0) with stock counts, pins,
    orders of two SKUs and a stock recount in the middle."""
    a = synth_session("S1", minutes=12, seed=seed, stock={"A": 500, "B": 80})
    b = synth_session("S2", minutes=12, seed=seed + 1, stock={"A": 300})
    recount = Event("S2-recount", "S2", a[0].ts + 7 * 60_000 + 5, "stock", sku_id="B", level=40)
    return sorted([*a, *b, recount], key=lambda e: e.ts)


def _late_recount(events: list[Event]) -> Event:
    """A stock count of S2's SKU A stamped at minute 3, arriving after everything else: the
    stock left is then the count less the units ordered since minute 3, which the adopting
    monitor can only know from the orders it adopted."""
    return Event("S2-late", "S2", events[0].ts + 3 * 60_000, "stock", sku_id="A", level=250)


def _feed(mon: Monitor, events: list[Event]) -> None:
    mon.feed_columns(C.from_events(events))


def _view(mon: Monitor, sid: str) -> dict:
    snap = snapshot(mon.sessions[sid])
    st = mon.sessions[sid]
    return {
        "totals": snap["totals"],
        "minutes": snap["minutes"],
        "products": snap["products"],
        "dropped": dict(st.dropped),
        "accepted": st.accepted,
        "watermark": st.watermark,
        "minutes_array": st.minutes[: st.n_minutes].tolist(),
    }


@pytest.mark.parametrize("cut", [0.15, 0.5, 0.9])
def test_a_monitor_that_adopts_a_session_continues_its_counts_exactly(cut):
    events = _events(seed=5)
    late = _late_recount(events)
    whole = Monitor(lateness_seconds=3600)
    _feed(whole, events)
    _feed(whole, [late])
    k = int(len(events) * cut)
    first, rest = events[:k], events[k:]
    old = Monitor(lateness_seconds=3600)
    _feed(old, first)
    blob = export_session(old.sessions["S2"])
    new = Monitor(lateness_seconds=3600)
    _feed(new, [e for e in first if e.session_id == "S1"])  # the new owner's own room first
    st = adopt_session(new, blob)
    assert st.index == 1 and st.session_id == "S2"
    again = [e for e in first if e.session_id == "S2"][-20:]  # re-delivered after the move
    _feed(new, again + rest)
    _feed(new, [late])
    assert _view(new, "S1") == _view(whole, "S1")
    got, want = _view(new, "S2"), _view(whole, "S2")
    assert got.pop("dropped") == want.pop("dropped") | {"duplicate": len(again)}
    assert got == want


def test_adopting_replaces_a_newer_stale_state_of_the_same_session():
    """A worker that counted a room further than the checkpoint it later takes back (it lost
    the room before saving) continues from the checkpoint: the events after it count once."""
    events = [e for e in _events(seed=6) if e.session_id == "S2"]
    whole = Monitor(lateness_seconds=3600)
    _feed(whole, events)
    k, stale = len(events) // 3, 2 * len(events) // 3
    mon = Monitor(lateness_seconds=3600)
    _feed(mon, events[:k])
    blob = export_session(mon.sessions["S2"])
    _feed(mon, events[k:stale])  # counted on, never saved
    adopt_session(mon, blob)
    _feed(mon, events[k:])
    assert _view(mon, "S2") == _view(whole, "S2")
    assert mon.sessions["S2"].dropped["duplicate"] == 0
    mon._evict_seen()  # the abandoned index keeps no ids, and eviction still works
    assert mon.agg.n_sessions == 2 and len(mon.sessions) == 1


def test_a_state_of_another_format_is_refused_with_what_to_do():
    with pytest.raises(LivecartError, match="cannot be read"):
        adopt_session(Monitor(), b"not a state")
    assert np.isfinite(len(export_session(_one())))


def _one():
    mon = Monitor(lateness_seconds=3600)
    _feed(mon, synth_session("S9", minutes=2))
    return mon.sessions["S9"]


def _raise_by_minute(mon: Monitor, book: AlertBook, events: list[Event], raised: list) -> None:
    """Feed ``events`` a minute of event time at a time, evaluating S2's rules (no plan: the
    stock-out and viewers rules) after each minute as a run does; note each alert raised."""
    minute = [(e.ts - T0) // 60_000 for e in events]
    for m in sorted(set(minute)):
        _feed(mon, [e for e, k in zip(events, minute, strict=True) if k == m])
        st = mon.sessions.get("S2")
        if st is not None and st.end_ts is None:
            raised += [(a.id, a.minute) for a in book.update("S2", evaluate(st, None, RULES))]


def _alert_events() -> list[Event]:
    """S1 and a short-stocked S2 whose SKUs run out one after the other (stock-out alerts
    that open, stay open across the cut, and some that clear when a recount tops them up)."""
    events = _events(seed=7)
    tops = [
        Event("S2-few-A", "S2", T0 + 60_000 + 1, "stock", sku_id="A", level=8),
        Event("S2-top-A", "S2", T0 + 6 * 60_000 + 1, "stock", sku_id="A", level=900),
        Event("S2-low-A", "S2", T0 + 9 * 60_000 + 1, "stock", sku_id="A", level=15),
    ]
    return sorted([*events, *tops], key=lambda e: e.ts)


RULES = AlertRules(stockout_minutes=30.0)


@pytest.mark.parametrize("cut_minute", [4, 8, 10])
def test_a_rooms_alerts_move_with_it_raised_once_and_acknowledged_ones_stay_quiet(cut_minute):
    """One monitor over every event raises S2's alerts at some minutes; handed over at
    ``cut_minute`` (its state with its book's alerts of the room), the old and the new owner
    together raise exactly those, once each; an alert acknowledged before the move stays
    acknowledged. Without the alerts in the hand-over the new owner raises again every alert
    still open: the control shows the comparison can fail."""
    events = _alert_events()
    first = [e for e in events if e.ts < T0 + cut_minute * 60_000]
    rest = events[len(first) :]
    whole, whole_book, want = Monitor(lateness_seconds=3600), AlertBook(), []
    _raise_by_minute(whole, whole_book, first, want)
    assert whole_book.open_alerts(), "the cut must fall while an alert is open"
    acked = whole_book.open_alerts()[0].id
    whole_book.ack(acked)
    _raise_by_minute(whole, whole_book, rest, want)

    old, old_book, got = Monitor(lateness_seconds=3600), AlertBook(), []
    _raise_by_minute(old, old_book, first, got)
    assert old_book.ack(acked)
    blob = export_session(old.sessions["S2"], old_book.room_alerts("S2"))
    for carry in (True, False):
        new, new_book, after = Monitor(lateness_seconds=3600), AlertBook(), []
        _feed(new, [e for e in first if e.session_id == "S1"])
        adopt_session(new, blob)
        if carry:
            new_book.adopt_room("S2", handed_alerts(blob))
            assert new_book.active[acked].acked and new_book.open_alerts() == old_book.open_alerts()
        _raise_by_minute(new, new_book, rest, after)
        if carry:
            assert got + after == want
            assert {a: x.acked for a, x in new_book.active.items()} == {
                a: x.acked for a, x in whole_book.active.items()
            }
        else:
            assert got + after != want  # the still-open alerts raised a second time
