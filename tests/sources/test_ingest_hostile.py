"""The signed ingest under hostile input (issue #14, defects 1-5): over-long ids, non-finite
numbers, integers beyond the column types, lone surrogates and zero-unit orders are refused
with 422 at the door; the journal reader reads a line of any length; a workspace write that
fails rolls back, is reported, and does not stop the other sessions from saving."""

from __future__ import annotations

import json
import time

import pytest

from livecart.live.runner import LiveRun
from livecart.live.sources.http_ingest import (
    MAX_ID_CHARS,
    IngestJournal,
    IngestRefused,
    JournalSource,
    parse_batch,
)
from livecart.live.sources.replay import ReplaySource
from tests.sources.ingest_posts import (
    START,
    T0,
    batch,
    gmv_when,
    ingest_journal_has,
    orders,
    post,
    view,
)


def raw_batch(bid: str, event_json: bytes) -> bytes:
    """A batch whose one event is given as raw JSON text (NaN, 1e400 and lone surrogates
    cannot be written by json.dumps)."""
    return b'{"batch_id":"%s","events":[%s]}' % (bid.encode(), event_json)


ORDER = (
    b'{"id":"o1","ts":%d,"type":"order","order_id":"O1","sku_id":"A","quantity":%s,'
    b'"price":%s,"currency":"USD"}'
)


def order_json(quantity: bytes = b"1", price: bytes = b"10.0") -> bytes:
    return ORDER % (T0, quantity, price)


# --- 1. over-long ids, and a journal line longer than the reader's read size ---------------
def test_a_session_id_longer_than_the_limit_is_refused_not_silently_dropped(app_client):
    c = app_client()
    sid = "s" * (MAX_ID_CHARS + 1)
    r = post(c, batch("b-long-sid", START), sid=sid)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "session_id"
    assert not ingest_journal_has(c, "b-long-sid")
    ok = "s" * MAX_ID_CHARS  # the limit itself is taken
    assert post(c, batch("b-ok", START), sid=ok).status_code == 200


@pytest.mark.parametrize("field", ["id", "sku_id", "order_id", "buyer_id"])
def test_an_event_id_longer_than_the_limit_is_refused(field):
    e = {**orders(1)[0], "buyer_id": "B1", field: "x" * (MAX_ID_CHARS + 1)}
    with pytest.raises(IngestRefused) as got:
        parse_batch(batch("b", [e]), "S1")
    assert got.value.status == 422 and got.value.field == f"events[0].{field}"


def test_journal_reader_reads_a_line_longer_than_its_read_size(tmp_path):
    """A batch whose journal line is over 4 MiB (the reader's read size) is read whole, and the
    batches after it too: before the fix the reader never found the line's end."""
    j = IngestJournal(tmp_path, fsync=False)
    _, start = parse_batch(batch("b0", START), "S1")
    j.append("b0", "d0", "S1", start)
    big = [{**e, "session_id": "S1", "text": "t" * 600} for e in orders(7_500)]
    j.append("b1", "d1", "S1", big)
    _, after = parse_batch(batch("b2", orders(2, start=10_000)), "S1")
    j.append("b2", "d2", "S1", after)
    lines = j.path.read_bytes().splitlines()
    assert len(lines[1]) > 4 << 20  # the case the issue found
    got = list(JournalSource(j.path, follow=False).batches())
    assert sum(len(b.events) for b in got) == 1 + 7_500 + 2
    assert got[-1].position == j.path.stat().st_size


def test_a_journal_line_still_being_written_is_not_read_half(tmp_path):
    j = IngestJournal(tmp_path, fsync=False)
    _, start = parse_batch(batch("b0", START), "S1")
    j.append("b0", "d0", "S1", start)
    whole = j.path.stat().st_size
    with open(j.path, "ab") as f:
        f.write(b'{"batch_id":"b1","events":[' + b"x" * (5 << 20))  # a writer mid-line
    got = list(JournalSource(j.path, follow=False).batches())
    assert sum(len(b.events) for b in got) == 1 and got[-1].position == whole


# --- 2. non-finite numbers ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("event", "field"),
    [
        (order_json(price=b"NaN"), "events[0].price"),
        (order_json(price=b"Infinity"), "events[0].price"),
        (order_json(price=b"-Infinity"), "events[0].price"),
        (order_json(price=b"1e400"), "events[0].price"),
        (b'{"id":"a1","ts":%d,"type":"ad_spend","amount":NaN,"currency":"USD"}' % T0, None),
        (b'{"id":"a1","ts":%d,"type":"ad_spend","amount":1e400,"currency":"USD"}' % T0, None),
    ],
)
def test_non_finite_numbers_are_refused_with_422(app_client, event, field):
    c = app_client()
    post(c, batch("b0", START))
    r = post(c, raw_batch("b-nan", event))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == (field or "events[0].amount")
    assert not ingest_journal_has(c, "b-nan")
    assert post(c, batch("b-ok", orders(1))).status_code == 200
    assert gmv_when(c, "S1", 20.0) == 20.0  # the session's GMV is a number, not NaN


# --- 3. integers beyond the column types; a failed write rolls back and is reported ---------
@pytest.mark.parametrize(
    ("event", "field"),
    [
        (b'{"id":"l1","ts":%d,"type":"like","count":%d}' % (T0, 10**30), "events[0].count"),
        (order_json(quantity=b"%d" % 2**64), "events[0].quantity"),
        (b'{"id":"v1","ts":%d,"type":"viewers","count":%d}' % (T0, 2**63), "events[0].count"),
        (b'{"id":"g1","ts":%d,"type":"gift","diamonds":%d}' % (T0, 2**40), "events[0].diamonds"),
        (b'{"id":"k1","ts":%d,"type":"stock","sku_id":"A","level":%d}' % (T0, 2**53), None),
        (b'{"id":"p","ts":%d,"type":"live_start","planned_minutes":%d}' % (T0, 10**9), None),
        (b'{"id":"t","ts":%d,"type":"like"}' % 2**63, "events[0].ts"),
    ],
)
def test_integers_beyond_the_column_types_are_refused_with_422(app_client, event, field):
    c = app_client()
    r = post(c, raw_batch("b-big", event))
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith(field or "events[0].")
    assert not ingest_journal_has(c, "b-big")


def test_a_failed_workspace_write_is_reported_and_other_sessions_still_save(ws, tmp_path):
    """An event that slips past the door (a recording replayed by the monitor, say) and cannot
    be written must not wedge the writer: the write rolls back, the run reports which session
    failed, and the other sessions' minutes are saved."""
    lines = [
        {"id": "s1", "session_id": "BAD", "ts": T0, "type": "live_start", "currency": "USD"},
        {"id": "s2", "session_id": "GOOD", "ts": T0, "type": "live_start", "currency": "USD"},
        {"id": "l1", "session_id": "BAD", "ts": T0 + 1000, "type": "like", "count": 10**30},
        *[{**o, "session_id": "GOOD"} for o in orders(3)],
    ]
    rec = tmp_path / "rec.jsonl"
    rec.write_text("\n".join(json.dumps(e) for e in lines) + "\n")
    run = LiveRun(ws, ReplaySource(rec), save_every_s=0.0)
    run.run()
    saved = ws.query("SELECT session_id, gmv FROM sessions ORDER BY session_id")
    assert saved.session_id.tolist() == ["GOOD"] and saved.gmv.tolist() == [60.0]
    assert run.error is not None and "BAD" in run.error
    with ws.transaction():  # the writer is free: no transaction left aborted
        ws.con.execute("SELECT 1")


def test_an_upsert_that_fails_raises_its_own_error_not_a_follow_up_one(ws):
    """The conversion error says what went wrong; a follow-up 'transaction is aborted' error
    from the clean-up must not replace it."""
    import duckdb
    import pandas as pd

    from livecart.model.schema import SESSIONS

    row = {c: None for c in SESSIONS.column_names} | {"session_id": "S", "likes": 10**30}
    with pytest.raises(duckdb.Error) as e:
        ws.upsert("sessions", pd.DataFrame([row]).reindex(columns=SESSIONS.column_names))
    assert "aborted" not in str(e.value) and "likes" in str(e.value)


# --- 4. lone surrogates ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field"),
    [
        (raw_batch("b-s", b'{"id":"c1","ts":%d,"type":"comment","text":"\\ud800"}' % T0), None),
        (b'{"batch_id":"\\ud800","events":[{"id":"c","ts":%d,"type":"like"}]}' % T0, "batch_id"),
        (raw_batch("b-s", b'{"id":"\\udfff","ts":%d,"type":"like"}' % T0), "events[0].id"),
        (raw_batch("b-s", b'{"id":"c","ts":%d,"type":"like","\\ud800":1}' % T0), None),
    ],
)
def test_lone_surrogates_are_refused_with_422(app_client, body, field):
    c = app_client()
    r = post(c, body)
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith(field or "events[0].")
    assert post(c, batch("b-after", START)).status_code == 200  # the server carries on


# --- 5. an order of zero units: one rule with the importer ----------------------------------
def test_an_order_of_zero_units_is_refused_like_the_importer_refuses_it(app_client):
    from livecart.model.schema import ORDERS

    c = app_client()
    r = post(c, raw_batch("b-zero", order_json(quantity=b"0")))
    assert r.status_code == 422 and r.json()["field"] == "events[0].quantity"
    assert f">= {ORDERS.column('quantity').min:g}" in r.json()["detail"]
    assert post(c, batch("b0", START)).status_code == 200
    assert post(c, raw_batch("b-one", order_json(quantity=b"1"))).status_code == 200
    assert gmv_when(c, "S1", 10.0) == 10.0
    time.sleep(0.2)
    assert view(c, "S1")["totals"]["orders"] == 1
