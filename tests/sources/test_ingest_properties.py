"""Property test of the ingest's batch validation: a valid batch passes whole; spoiling any one
numeric field of any one event is refused with 422 naming exactly that field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livecart.live.sources.http_ingest import IngestRefused, parse_batch

ORDER = {
    "type": "order",
    "order_id": "O1",
    "sku_id": "A",
    "quantity": 1,
    "price": 1.0,
    "currency": "USD",
}
LIKE = {"type": "like", "count": 3}
VIEWERS = {"type": "viewers", "count": 10}


@st.composite
def batches(draw):
    n = draw(st.integers(1, 8))
    kinds = draw(st.lists(st.sampled_from([ORDER, LIKE, VIEWERS]), min_size=n, max_size=n))
    ts = draw(st.lists(st.integers(0, 2**40), min_size=n, max_size=n))
    return [{"id": f"e{i}", "ts": t, **k} for i, (k, t) in enumerate(zip(kinds, ts, strict=True))]


BAD = st.one_of(st.just(-1), st.just("3"), st.just(True), st.just(1.5), st.just([1]))


@settings(max_examples=60, deadline=None)
@given(events=batches(), pick=st.integers(0, 100), bad=BAD)
def test_one_spoiled_field_is_named(events, pick, bad):
    bid, got = parse_batch(json.dumps({"batch_id": "b", "events": events}).encode(), "S1")
    assert bid == "b" and [e["id"] for e in got] == [e["id"] for e in events]
    assert all(e["session_id"] == "S1" for e in got)
    i = pick % len(events)
    field = {"order": "quantity", "like": "count", "viewers": "count"}[events[i]["type"]]
    events[i] = {**events[i], field: bad}
    with pytest.raises(IngestRefused) as e:
        parse_batch(json.dumps({"batch_id": "b", "events": events}).encode(), "S1")
    assert e.value.status == 422 and e.value.field == f"events[{i}].{field}"
