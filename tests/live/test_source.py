"""Replay sources: JSON lines and CSV, positions for resuming, real-time pacing; the parser's
fast and careful paths agree on any input."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livecart.errors import LivecartError
from livecart.live import Monitor, ReplaySource
from livecart.live.engine import columns as C
from livecart.live.engine.tokens import hash_strings
from livecart.model.events import EVENT_TYPES
from tests.live.compare import assert_same
from tests.live.synth import synth_session


def test_csv_recording_replays_like_its_json_lines_twin(tmp_path):
    ev = synth_session(minutes=5, seed=8)
    jl = tmp_path / "s.jsonl"
    jl.write_text("".join(e.to_json() + "\n" for e in ev))
    fields = sorted({k for e in ev for k in e.to_dict()})
    cp = tmp_path / "s.csv"
    with open(cp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for e in ev:
            w.writerow(e.to_dict())
    a, b = Monitor(), Monitor()
    for batch in ReplaySource(jl).batches():
        a.feed_columns(batch.events)
    for batch in ReplaySource(cp, batch_bytes=2000).batches():
        b.feed_columns(batch.events)
    assert b.malformed_count == 0
    np.testing.assert_array_equal(a.sessions["S1"].minutes, b.sessions["S1"].minutes)


def test_resuming_from_a_position_reads_each_line_once(tmp_path):
    ev = synth_session(minutes=4, seed=9)
    p = tmp_path / "s.jsonl"
    p.write_text("".join(e.to_json() + "\n" for e in ev))
    src = ReplaySource(p, batch_bytes=3000)
    batches = list(src.batches())
    mid = batches[2].position
    rest = list(src.batches(mid))
    ids = [i for b in batches[:3] + rest for i in b.events.id_hash]
    assert ids == list(hash_strings([e.id for e in ev]))
    assert rest[-1].position == p.stat().st_size


def test_paced_replay_releases_events_on_the_replay_clock(tmp_path):
    ev = synth_session(minutes=3, seed=10)
    p = tmp_path / "s.jsonl"
    p.write_text("".join(e.to_json() + "\n" for e in ev))
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    src = ReplaySource(p, speed=60, batch_ms=1000, sleep=sleep, clock=lambda: now[0])
    out = list(src.batches())
    span_s = (ev[-1].ts - ev[0].ts) / 1000
    assert now[0] == pytest.approx(span_s / 60, abs=1.0)  # 3 minutes of live in ~3 s
    assert sum(len(b.events) for b in out) == len(ev)
    assert out[-1].position == p.stat().st_size
    assert all(b.position is None for b in out[:-1] if b is not out[-1])


def test_missing_recording_says_how_to_make_one(tmp_path):
    with pytest.raises(LivecartError, match="demo-events"):
        ReplaySource(tmp_path / "nope.jsonl")


value = st.one_of(
    st.none(),
    st.integers(-5, 10**13),
    st.floats(allow_nan=False, width=32),
    st.text(max_size=5),
    st.booleans(),
)
event = st.fixed_dictionaries(
    {
        "id": st.text(min_size=1, max_size=6),
        "session_id": st.sampled_from(["S1", "S2"]),
        "ts": st.one_of(st.integers(0, 10**13), value),
        "type": st.one_of(st.sampled_from(EVENT_TYPES), st.text(max_size=4)),
    },
    optional={
        k: value
        for k in (
            "count",
            "sku_id",
            "quantity",
            "price",
            "currency",
            "order_id",
            "level",
            "amount",
            "source",
            "bogus",
        )
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event, max_size=12))
def test_fast_and_careful_parsing_agree_on_any_input(rows):
    data = "\n".join(json.dumps(r) for r in rows).encode()
    slow = C._parse_slow(data)
    assert_same(C.parse_lines(data), slow)
    mon = Monitor()
    mon.feed_lines(data)  # never raises on bad input
    # Every line the parser refuses is malformed to the monitor too; beyond those, the monitor
    # only notes a second live_start of a session already started (a well-formed event it
    # cannot use).
    parsing = [m for m in mon.malformed if "already started" not in m.reason]
    assert len(parsing) == len(slow.malformed) and mon.malformed_count == len(mon.malformed)
