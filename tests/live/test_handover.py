"""A session's state moved from one monitor into another (engine.handover, how a room moves
between workers without being read again): the second monitor, fed only the events after the
move, ends with exactly what one monitor fed everything computes: minutes, totals, SKUs,
stock left and drops; an event delivered again after the move counts once."""

from __future__ import annotations

import numpy as np
import pytest

from livecart.errors import LivecartError
from livecart.live import Monitor, snapshot
from livecart.live.engine import columns as C
from livecart.live.engine.handover import adopt_session, export_session
from livecart.model.events import Event
from tests.live.synth import synth_session


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
