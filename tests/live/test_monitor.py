"""The monitor's aggregation: totals against an independent loop, late, duplicate, malformed and
early events, currencies, viewers and stock."""

from __future__ import annotations

import json

import numpy as np
import pytest

from livecart.live import Monitor, ReplaySource, minute_frame, sku_table, totals
from livecart.live.engine import columns as C
from livecart.model.events import MINUTE_METRICS, Event
from tests.live.compare import assert_same
from tests.live.synth import T0, expected, synth_session

METRICS = [m.name for m in MINUTE_METRICS]  # every one; 0 where no event adds to it


def assert_matches(mon: Monitor, events: list[Event]) -> None:
    exp = expected(events)
    for sid, st in mon.sessions.items():
        f = minute_frame(st).set_index("minute")
        for (s, m), d in exp.items():
            if s != sid:
                continue
            for k in METRICS:
                assert f.at[m, k] == pytest.approx(d.get(k, 0.0)), (sid, m, k)


def test_totals_equal_an_independent_per_minute_sum(session_events):
    mon = Monitor()
    mon.feed(session_events)
    assert_matches(mon, session_events)
    st = mon.sessions["S1"]
    assert st.accepted == len(session_events) - 1  # all but live_start
    assert sum(st.dropped.values()) == 0


def test_replayed_file_in_small_chunks_gives_the_same_state(session_events, tmp_path):
    a, b = Monitor(), Monitor()
    a.feed(session_events)
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(e.to_json() for e in session_events) + "\n")
    batches = list(ReplaySource(path, batch_bytes=5000).batches())
    assert len(batches) > 10
    for batch in batches:
        b.feed_columns(batch.events)
    np.testing.assert_array_equal(a.sessions["S1"].minutes, b.sessions["S1"].minutes)
    assert b.malformed_count == 0


def test_out_of_order_events_within_lateness_land_in_their_minute(session_events):
    rng = np.random.default_rng(3)
    ev = list(session_events)
    # delay every event by up to 60 s of arrival: late but within the 120 s lateness
    arrival = np.array([e.ts for e in ev]) + rng.integers(0, 60000, len(ev))
    arrival[0] = 0  # live_start first
    shuffled = [ev[i] for i in np.argsort(arrival, kind="stable")]
    assert shuffled != ev
    mon = Monitor(lateness_seconds=120)
    for i in range(0, len(shuffled), 37):
        mon.feed(shuffled[i : i + 37])
    assert_matches(mon, session_events)
    assert mon.sessions["S1"].dropped["late"] == 0


def test_events_later_than_lateness_are_dropped_and_counted(session_events):
    mon = Monitor(lateness_seconds=30)
    mon.feed(session_events)
    before = totals(mon.sessions["S1"])["gmv"]
    wm = mon.sessions["S1"].watermark
    late = Event(
        "late-1",
        "S1",
        wm - 31_000,
        "order",
        order_id="OL",
        sku_id="A",
        quantity=1,
        price=100.0,
        currency="USD",
    )
    ok = Event(
        "late-2",
        "S1",
        wm - 29_000,
        "order",
        order_id="OK",
        sku_id="A",
        quantity=1,
        price=100.0,
        currency="USD",
    )
    mon.feed([late, ok])
    st = mon.sessions["S1"]
    assert st.dropped["late"] == 1
    assert totals(st)["gmv"] == pytest.approx(before + 100.0)
    m = (ok.ts - T0) // 60000
    assert minute_frame(st).at[m, "orders"] >= 1


def test_duplicate_ids_count_once_within_and_across_batches(session_events):
    mon = Monitor()
    mon.feed(session_events[:500])
    mon.feed(session_events[400:] + session_events[450:460])
    assert_matches(mon, session_events)
    # the 100 overlapping events are duplicates; the 10 re-sent at the end are also older than
    # the lateness allows, so they are dropped as late (never counted twice either way)
    assert mon.sessions["S1"].dropped["duplicate"] == 100
    assert mon.sessions["S1"].dropped["late"] == 10
    again = Monitor()
    again.feed(session_events[:500] + session_events[490:500])  # re-sent while still fresh
    assert again.sessions["S1"].dropped["duplicate"] == 10


def test_dedupe_memory_is_bounded_by_the_lateness_window():
    ev = synth_session(minutes=60, seed=1)
    mon = Monitor(lateness_seconds=60)
    for i in range(0, len(ev), 100):
        mon.feed(ev[i : i + 100])
    mon._evict_seen()
    window = [e for e in ev if e.ts >= mon.sessions["S1"].watermark - 60_000]
    assert int(mon.agg.ids.n[0]) <= len(window) + 1


def test_malformed_events_are_reported_and_skipped(session_events):
    good = [e.to_json() for e in session_events[:50]]
    bad = [
        "{not json",
        json.dumps({"id": "x1", "session_id": "S1", "ts": T0 + 5, "type": "teleport"}),
        json.dumps(
            {
                "id": "x2",
                "session_id": "S1",
                "ts": T0 + 5,
                "type": "order",
                "sku_id": "A",
                "quantity": 1,
                "price": 3.0,
            }
        ),  # no order_id, currency
        json.dumps({"id": "x3", "session_id": "S1", "ts": T0 + 5, "type": "like", "count": -4}),
        json.dumps({"id": "x4", "session_id": "S1", "ts": "yesterday", "type": "like"}),
    ]
    mon = Monitor()
    mon.feed_lines("\n".join(good[:20] + bad + good[20:]).encode())
    assert mon.malformed_count == 5
    reasons = " | ".join(m.reason for m in mon.malformed)
    for needle in (
        "not a JSON event",
        "unknown event type",
        "missing 'order_id'",
        "'count' must be a number >= 0",
        "'ts' must be integer",
    ):
        assert needle in reasons
    ref = Monitor()
    ref.feed(session_events[:50])
    np.testing.assert_array_equal(ref.sessions["S1"].minutes, mon.sessions["S1"].minutes)


def test_fast_parse_and_line_by_line_parse_agree(session_events):
    data = "\n".join(e.to_json() for e in session_events).encode()
    assert_same(C.parse_lines(data), C._parse_slow(data))


def test_events_before_live_start_are_held_until_it_arrives(session_events):
    mon = Monitor()
    mon.feed(session_events[1:300])
    assert "S1" not in mon.sessions
    mon.feed(session_events[:1] + session_events[300:])
    assert_matches(mon, session_events)


def test_order_in_another_currency_is_not_added():
    ev = synth_session(minutes=2)
    mon = Monitor()
    mon.feed(ev)
    g = totals(mon.sessions["S1"])["gmv"]
    mon.feed(
        [
            Event(
                "eur",
                "S1",
                ev[-1].ts,
                "order",
                order_id="E",
                sku_id="A",
                quantity=1,
                price=50.0,
                currency="EUR",
            )
        ]
    )
    assert totals(mon.sessions["S1"])["gmv"] == g
    assert mon.sessions["S1"].dropped["currency"] == 1


def test_viewers_last_peak_and_average_follow_event_time():
    s = [Event("s", "V", T0, "live_start", currency="USD")]
    snaps = [
        Event("v1", "V", T0 + 10_000, "viewers", count=100),
        Event("v3", "V", T0 + 50_000, "viewers", count=40),
        Event("v2", "V", T0 + 30_000, "viewers", count=160),
    ]  # arrives last, older
    mon = Monitor()
    mon.feed(s + snaps)
    f = minute_frame(mon.sessions["V"])
    assert f.at[0, "viewers_last"] == 40
    assert f.at[0, "viewers_peak"] == 160
    assert f.at[0, "viewers_avg"] == pytest.approx(100)


def test_stock_left_and_stockout_estimate_from_recent_sales():
    ev = [
        Event("s", "K", T0, "live_start", currency="USD"),
        Event("st", "K", T0 + 1, "stock", sku_id="A", level=50),
    ]
    for m in range(10):  # 3 units a minute
        ev.append(
            Event(
                f"o{m}",
                "K",
                T0 + m * 60000 + 100,
                "order",
                order_id=f"O{m}",
                sku_id="A",
                quantity=3,
                price=2.0,
                currency="USD",
            )
        )
    ev.append(Event("tick", "K", T0 + 10 * 60000, "comment"))
    mon = Monitor()
    mon.feed(ev)
    row = sku_table(mon.sessions["K"]).set_index("sku_id").loc["A"]
    assert row["stock_left"] == 20
    # 30 units over the 10 completed minutes before minute 10: 3 a minute, 20 left
    assert row["units_per_minute"] == pytest.approx(3.0)
    assert row["stockout_eta_minutes"] == pytest.approx(20 / 3)


def test_a_far_future_timestamp_is_dropped_without_moving_the_clock(session_events):
    mon = Monitor()
    mon.feed(session_events[:200])
    wm = mon.sessions["S1"].watermark
    mon.feed([Event("future", "S1", T0 + 25 * 3600 * 1000, "comment")])
    assert mon.sessions["S1"].dropped["too_long"] == 1
    assert mon.sessions["S1"].watermark == wm
    mon.feed(session_events[200:])
    assert_matches(mon, session_events)
    assert mon.sessions["S1"].dropped["late"] == 0


def test_one_event_stamped_far_ahead_does_not_make_later_on_time_events_late(session_events):
    """A comment stamped two hours ahead (a sender's broken clock) is counted in its minute,
    but the session's clock stays with the other events, so none of them is dropped late."""
    mon = Monitor(lateness_seconds=120)
    mon.feed(session_events[:300])
    wm = mon.sessions["S1"].watermark
    outlier = Event("ahead", "S1", T0 + 2 * 3600 * 1000, "comment")
    mon.feed([outlier])
    st = mon.sessions["S1"]
    assert st.watermark <= wm + 120_000 and st.current_minute() < 60
    for i in range(300, len(session_events), 50):
        mon.feed(session_events[i : i + 50])
    assert st.dropped["late"] == 0
    assert_matches(mon, session_events)
    assert minute_frame(st).set_index("minute").at[120, "comments"] == 1


def test_two_events_in_a_row_ahead_and_a_quiet_gap_do_move_the_clock():
    ev = synth_session(minutes=5, seed=4)
    mon = Monitor(lateness_seconds=120)
    mon.feed(ev)
    gap = max(e.ts for e in ev) + 10 * 60_000  # ten quiet minutes, then the room talks again
    mon.feed([Event("g1", "S1", gap, "comment"), Event("g2", "S1", gap + 500, "comment")])
    assert mon.sessions["S1"].watermark == gap + 500
    mon.feed([Event("old", "S1", gap - 5 * 60_000, "comment")])
    assert mon.sessions["S1"].dropped["late"] == 1
