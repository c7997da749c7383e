"""The served Live page follows a worker's room as its results arrive (#16): the page's event
stream (the one the server's own runs push through) pushes the stored view again as soon as
the results feed writes the room's new rows, and closes once the room's end has arrived."""

from __future__ import annotations

import json
import time

import livecart
from livecart.live.sources.redis_results import ResultsFeed, ResultsPublisher
from livecart.live.sources.redis_stream import Publisher
from tests.sources.redis_rooms import make_events, worker
from tests.sources.test_redis_results import HALF, truth_totals

BOUND_S = 20.0  # a bound, not a timing claim: the feed polls every 0.1 s, the stream 0.2 s


def test_a_result_arriving_on_the_stream_reaches_the_live_pages_push(
    ws, redis_client, tmp_path, app_client
):
    events = make_events(seed=51, rooms=2, per_room=500)
    first = [e for e in events if e["ts"] < HALF]
    Publisher(redis_client).publish(first)
    own = livecart.init(tmp_path / "worker")
    w = worker(own, redis_client, "g", "A")
    w.publish = ResultsPublisher(w.source)
    w.run()  # the first half of both lives, published
    client = app_client()
    feed = ResultsFeed(ws, redis_client).start(block_ms=100)
    try:
        deadline = time.monotonic() + BOUND_S
        while feed.applied < w.publish.entries and time.monotonic() < deadline:
            time.sleep(0.05)
        page = client.get("/live/R0")
        assert page.status_code == 200 and "initial.past && !initial.ended" in page.text
        with client.stream("GET", "/api/live/R0/events") as s:
            lines = s.iter_lines()
            view = json.loads(next(line for line in lines if line.startswith("data: "))[6:])
            assert view["past"] and not view["ended"]  # live elsewhere: the stream stays open
            half = view["totals"]["gmv"]
            assert 0 < half < truth_totals(events)["R0"][0]
            Publisher(redis_client).publish([e for e in events if e["ts"] >= HALF])
            w.run()  # the worker carries on to the lives' end and publishes it
            published = time.monotonic()
            while True:
                line = next(lines)
                if line.startswith("data: "):
                    view = json.loads(line[6:])
                    if view["ended"]:
                        break
            took = time.monotonic() - published
            assert next(x for x in lines if x.startswith("event: ")) == "event: done"
        assert view["totals"]["gmv"] == truth_totals(events)["R0"][0]
        assert took < BOUND_S, took
        assert feed.error is None
    finally:
        feed.close()
        own.close()


def test_a_room_a_worker_starts_reaches_the_live_lists_push(ws, redis_client, tmp_path, app_client):
    """The Live page's lists follow new rooms without a reload: its event stream sends the
    lists' HTML at once (no room yet), then again once the results feed has written the first
    rows of a room a worker took, listing it as live elsewhere."""
    client = app_client()
    page = client.get("/live")
    assert 'new EventSource("/api/live/events")' in page.text and "/live/R0" not in page.text
    feed = ResultsFeed(ws, redis_client).start(block_ms=100)
    own = livecart.init(tmp_path / "worker")
    try:
        with client.stream("GET", "/api/live/events") as s:
            lines = s.iter_lines()
            first = json.loads(next(x for x in lines if x.startswith("data: "))[6:])["html"]
            assert "/live/R0" not in first and "No live session" in first
            events = make_events(seed=52, rooms=1, per_room=300)
            Publisher(redis_client).publish([e for e in events if e["ts"] < HALF])
            w = worker(own, redis_client, "g", "A")
            w.publish = ResultsPublisher(w.source)
            w.run()  # the room's first half, published
            published, html = time.monotonic(), first
            while '<a href="/live/R0">' not in html:  # an unchanged list is not sent again
                assert time.monotonic() - published < BOUND_S  # a comment line every 15 s
                line = next(lines)
                if line.startswith("data: "):
                    html = json.loads(line[6:])["html"]
            took = time.monotonic() - published
        assert "(live elsewhere)" in html and took < BOUND_S, took
        assert client.get("/live").text.count('<a href="/live/R0">') >= 1  # the page agrees
    finally:
        feed.close()
        own.close()
