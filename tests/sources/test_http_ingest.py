"""Signed HTTP ingest: good, unsigned, forged, replayed, oversized and malformed batches; a
retried batch gets the same answer and counts once; the journal replays exactly after a
restart. The route runs in-process (FastAPI's TestClient) on a fresh workspace."""

from __future__ import annotations

import json
import time
import warnings

import pytest

from livecart.live.sources.http_ingest import (
    MAX_BYTES,
    IngestJournal,
    IngestRefused,
    JournalSource,
    parse_batch,
    sign,
    signed_headers,
    verify,
)
from livecart.web import create_app
from livecart.web.pages import PAGES, ingest
from tests.sources.ingest_posts import (
    SECRET,
    START,
    T0,
    batch,
    gmv_when,
    ingest_journal_has,
    orders,
    post,
    view,
)

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient


def test_signed_batches_reach_the_monitor_and_a_retry_counts_once(app_client):
    c = app_client()
    assert post(c, batch("b0", START)).status_code == 200
    body = batch("b1", orders(5))
    first = post(c, body)
    assert first.status_code == 200 and first.json()["accepted"] == 5
    again = post(c, body)  # the sender did not hear the answer and retries, signed anew
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert post(c, batch("b2", orders(3, start=5))).status_code == 200
    assert gmv_when(c, "S1", 160.0) == 160.0  # 8 orders x 2 x 10: the retry not counted
    time.sleep(0.5)
    assert view(c, "S1")["totals"]["orders"] == 8


def test_unsigned_forged_and_replayed_batches_are_refused(app_client):
    c = app_client()
    body = batch("b1", START)
    r = post(c, body, headers={})
    assert r.status_code == 401 and "unsigned" in r.json()["detail"]
    forged = signed_headers("not-the-secret", body)
    assert post(c, body, headers=forged).status_code == 401
    tampered = signed_headers(SECRET, body)
    assert post(c, batch("b1", START).replace(b"USD", b"EUR"), headers=tampered).status_code == 401
    old = signed_headers(SECRET, body, now=time.time() - 3600)
    r = post(c, body, headers=old)
    assert r.status_code == 401 and "tolerance" in r.json()["detail"]
    assert not ingest_journal_has(c, "b1")


@pytest.mark.parametrize(
    ("events", "field"),
    [
        (
            [
                {
                    "id": "x",
                    "ts": T0,
                    "type": "order",
                    "order_id": "O",
                    "sku_id": "A",
                    "quantity": -1,
                    "price": 1.0,
                    "currency": "USD",
                }
            ],
            "events[0].quantity",
        ),
        (
            [
                {
                    "id": "x",
                    "ts": T0,
                    "type": "order",
                    "sku_id": "A",
                    "quantity": 1,
                    "price": 1.0,
                    "currency": "USD",
                }
            ],
            "events[0].order_id",
        ),
        ([*START, {"id": "y", "ts": "noon", "type": "like"}], "events[1].ts"),
        ([{"id": "x", "ts": T0, "type": "refund"}], "events[0].type"),
        ([{"id": "x", "ts": T0, "type": "like", "colour": "red"}], "events[0].colour"),
        ([{"id": "x", "ts": T0, "type": "like", "session_id": "S2"}], "events[0].session_id"),
        ([{"id": "x", "ts": T0, "type": "join", "source": "tv"}], "events[0].source"),
        ([], "events"),
    ],
)
def test_malformed_batches_get_422_naming_the_field(app_client, events, field):
    c = app_client()
    r = post(c, batch("bad", events))
    assert r.status_code == 422 and r.json()["field"] == field


def test_malformed_body_and_reused_batch_id(app_client):
    c = app_client()
    assert post(c, b"{not json").json()["field"] == "body"
    assert post(c, json.dumps({"events": START}).encode()).json()["field"] == "batch_id"
    assert post(c, batch("b1", START)).status_code == 200
    r = post(c, batch("b1", orders(1)))
    assert r.status_code == 409 and r.json()["field"] == "batch_id"


def test_oversized_batch_is_refused_before_it_is_read(app_client):
    c = app_client()
    body = batch("big", [{"id": "x", "ts": T0, "type": "comment", "text": "a" * MAX_BYTES}])
    assert post(c, body).status_code == 413


def test_no_secret_set_refuses_everything(ws):
    c = TestClient(create_app(ws, pages=[*PAGES, ingest.PAGE]))
    body = batch("b", START)
    r = c.post("/api/sessions/S1/events", content=body, headers=signed_headers("", body))
    assert r.status_code == 401 and "ingest_secret" in r.json()["fix"]


def test_journal_replays_exactly_after_a_restart(app_client):
    c = app_client()
    post(c, batch("b0", START))
    post(c, batch("b1", orders(4)))
    assert gmv_when(c, "S1", 80.0) == 80.0
    c.app.state.live_hub.close()
    c2 = app_client()  # a new server on the same workspace
    assert post(c2, batch("b1", orders(4))).headers.get("Idempotent-Replayed") == "true"
    post(c2, batch("b2", orders(1, start=4)))
    assert gmv_when(c2, "S1", 100.0) == 100.0


def test_verify_uses_the_documented_signature():
    body = b'{"batch_id":"x","events":[]}'
    assert (
        sign("k", 100, body)
        == "sha256=" + __import__("hmac").new(b"k", b"100." + body, "sha256").hexdigest()
    )
    verify("k", "100", sign("k", 100, body), body, now=100 + 299)
    with pytest.raises(IngestRefused):
        verify("k", "100", sign("k", 100, body), body, now=100 + 301)


def test_journal_cuts_a_torn_last_line_and_source_reads_whole_batches(tmp_path):
    j = IngestJournal(tmp_path)
    _, events = parse_batch(batch("b0", START + orders(2)), "S1")
    j.append("b0", "d0", "S1", events)
    with open(j.path, "ab") as f:
        f.write(b'{"batch_id":"b1","sha')  # a crash mid-write
    j2 = IngestJournal(tmp_path)
    assert list(j2._index) == ["b0"] and j2.path.read_bytes().endswith(b"\n")
    got = list(JournalSource(j2.path, follow=False).batches())
    assert sum(len(b.events) for b in got) == 3
    assert got[-1].position == j2.path.stat().st_size


def test_an_event_stamped_ahead_of_the_server_clock_is_refused_naming_its_ts(app_client):
    """One event far in the future would move the session's clock and make every on-time event
    after it late; past the signature tolerance ahead of the server's clock it is a 422."""
    now_ms = int(time.time() * 1000)
    soon = {"id": "c1", "ts": now_ms + 200_000, "type": "comment"}  # within 300 s: taken
    ahead = {"id": "c2", "ts": now_ms + 30 * 86_400_000, "type": "comment"}
    c = app_client()
    r = post(c, batch("b-ahead", [{**START[0], "ts": now_ms}, soon, ahead]))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "events[2].ts" and "server's clock" in r.json()["detail"]
    assert not ingest_journal_has(c, "b-ahead")
    assert post(c, batch("b-ok", [{**START[0], "ts": now_ms}, soon])).status_code == 200
    with pytest.raises(IngestRefused) as e:
        parse_batch(batch("b", [soon]), "S1", now=now_ms / 1000, max_ahead_s=60)
    assert e.value.status == 422 and e.value.field == "events[0].ts"


def test_batches_received_together_share_a_flush_and_none_is_answered_before_it(
    tmp_path, monkeypatch
):
    """Group commit: eight senders at once, a slow disk flush; each answer comes only after a
    flush that began once its line was written, and the eight need fewer than eight flushes."""
    import os
    import threading

    import livecart.live.sources.http_ingest as hi

    journal = IngestJournal(tmp_path)
    flushes: list[int] = []  # lines on disk after each flush: counted when the flush began
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        lines = journal.path.read_bytes().count(b"\n")
        time.sleep(0.05)
        real_fsync(fd)
        flushes.append(lines)

    monkeypatch.setattr(hi.os, "fsync", slow_fsync)
    late: list[str] = []
    start = threading.Barrier(8)

    def send(k: int) -> None:
        body = batch(f"b{k}", orders(3, 10 * k))
        start.wait()
        journal.receive(SECRET, "S1", signed_headers(SECRET, body), body)
        line_no = journal._index[f"b{k}"][2]
        if not any(n >= line_no for n in flushes):
            late.append(f"b{k}")
        again = journal.receive(SECRET, "S1", signed_headers(SECRET, body), body)
        assert again[1] is True  # a retry: the first answer again

    threads = [threading.Thread(target=send, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert late == []
    assert journal.path.read_bytes().count(b"\n") == 8
    assert 1 <= len(flushes) < 8
