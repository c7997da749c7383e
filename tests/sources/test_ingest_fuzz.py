"""Property fuzz of the signed ingest and the event parser (issue #14): random bytes, random
JSON, boundary numbers and hostile unicode. Whatever arrives, the ingest either refuses it
(IngestRefused with a status and a field) or journals events that are all finite, in range and
encodable, which the journal reader and the monitor's parser then read back whole; the monitor's
JSON-lines parser never raises. Bounded: a few hundred examples, a few seconds."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livecart.live.engine.columns import parse_lines
from livecart.live.sources.http_ingest import (
    MAX_COUNT,
    MAX_ID_CHARS,
    MAX_MONEY,
    IngestJournal,
    IngestRefused,
    JournalSource,
    parse_batch,
    signed_headers,
)
from livecart.model.events import EVENT_FIELDS

FAST = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
T0 = 1_764_615_600_000
NOW = T0 / 1000 + 60
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)  # surrogates too
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, -1, MAX_COUNT, MAX_COUNT + 1, 2**53, 2**63, 2**64, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([MAX_MONEY, MAX_MONEY * 10, 5e-324, 1e308]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSONISH = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(TEXT, kids, max_size=3),
    max_leaves=8,
)
FIELDS = sorted({f for req, opt in EVENT_FIELDS.values() for f in (*req, *opt)})


@st.composite
def events(draw):
    """Mostly-plausible events with some fields spoiled: the boundary cases live here."""
    etype = draw(st.sampled_from([*EVENT_FIELDS, "refund"]))
    e = {"id": draw(st.one_of(st.just("e1"), TEXT)), "ts": draw(st.one_of(st.just(T0), NUMBERS))}
    e["type"] = etype
    for f in draw(st.lists(st.sampled_from(FIELDS), max_size=5)):
        e[f] = draw(st.one_of(SCALARS, st.just("x" * (MAX_ID_CHARS + 1))))
    return e


def raw_body(draw_doc) -> bytes:
    # allow_nan: json.dumps writes NaN/Infinity, as a careless sender would
    return json.dumps(draw_doc, allow_nan=True, ensure_ascii=False).encode("utf-8", "surrogatepass")


def assert_clean(evs: list[dict]) -> None:
    """What the ingest lets through: every number finite and in range, every string UTF-8."""
    for e in evs:
        json.dumps(e, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
        for f, v in e.items():
            if isinstance(v, float):
                assert math.isfinite(v) and 0 <= v <= MAX_MONEY, (f, v)
            elif isinstance(v, int) and f != "ts":
                assert 0 <= v <= MAX_COUNT, (f, v)


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_or_taken_never_crash(body):
    try:
        _, evs = parse_batch(body, "S1", now=NOW)
    except IngestRefused as e:
        assert e.status == 422 and e.field
        return
    assert_clean(evs)


@FAST
@given(st.one_of(JSONISH, st.fixed_dictionaries({"batch_id": TEXT, "events": JSONISH})))
def test_random_json_is_refused_or_taken_never_crash(doc):
    try:
        _, evs = parse_batch(raw_body(doc), "S1", now=NOW)
    except IngestRefused as e:
        assert e.status == 422 and e.field
        json.dumps(e.body(), ensure_ascii=False).encode("utf-8")  # the answer can be sent
        return
    assert_clean(evs)


@FAST
@given(st.lists(events(), min_size=1, max_size=4), st.one_of(st.just("S1"), TEXT))
def test_boundary_events_are_refused_or_journaled_and_read_back_whole(tmp_path_factory, evs, sid):
    folder = tmp_path_factory.mktemp("journal")
    journal = IngestJournal(folder, fsync=False)
    body = raw_body({"batch_id": "b1", "events": evs})
    try:
        answer, _ = journal.receive("k", sid, signed_headers("k", body, now=NOW), body, now=NOW)
    except IngestRefused as e:
        assert e.status in (401, 413, 422)
        json.dumps(e.body(), ensure_ascii=False).encode("utf-8")
        assert not journal.path.exists() or journal.path.stat().st_size == 0
        return
    got = list(JournalSource(journal.path, follow=False).batches())
    assert sum(len(b.events) for b in got) == answer["accepted"] == len(evs)
    lines = b"".join(
        json.dumps(e, ensure_ascii=False).encode() + b"\n"
        for e in json.loads(journal.path.read_bytes())["events"]
    )
    cols = parse_lines(lines)  # the monitor's parser takes what the ingest took
    assert len(cols) + len(cols.malformed) == len(evs)


@FAST
@given(st.lists(st.one_of(st.binary(max_size=80), JSONISH.map(raw_body)), max_size=6))
def test_the_monitors_line_parser_never_raises_on_hostile_lines(lines):
    cols = parse_lines(b"\n".join(lines) + b"\n")
    assert len(cols) <= len(lines)
