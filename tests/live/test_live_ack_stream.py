"""The Live page's write and push paths: acknowledging an alert through the API (and the page's
button for it), and the event stream pushing a view as soon as the session changed."""

from __future__ import annotations

import json
import threading
import time
import warnings

import livecart
from livecart.web import create_app
from livecart.web.pages.live import EVERY_S
from tests.live.dashboard import AUTH, TOKEN, pages, wait_done
from tests.live.synth import synth_session

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient


def test_an_alert_is_acknowledged_through_the_api_and_is_no_longer_open(tmp_path):
    # 12 units of each SKU against a few sold a minute: both sell out within 10 minutes
    ev = synth_session("A1", minutes=8, seed=5, stock={"A": 12, "B": 12})
    body = "".join(e.to_json() + "\n" for e in ev).encode()
    livecart.init(tmp_path / "ws").close()
    with TestClient(create_app(tmp_path / "ws", api_token=TOKEN, pages=pages())) as c:
        assert c.post("/api/live/replay", content=body, headers=AUTH).status_code == 200
        view = wait_done(c.get, "A1")
        alerts = [a for a in view["alerts"] if a["rule"] == "stockout"]
        assert alerts and not any(a["acked"] for a in alerts), view["alerts"]
        aid = alerts[0]["id"]
        url = f"/api/live/alerts/{aid}/ack"
        assert c.post(url).status_code == 401  # a write: the token, on loopback too
        r = c.post(url, headers=AUTH)
        assert r.status_code == 200 and r.json() == {"acked": aid}
        after = {a["id"]: a for a in c.get("/api/live/A1").json()["alerts"]}
        assert after[aid]["acked"] and not after[alerts[1]["id"]]["acked"]
        book = c.app.state.live_hub.book
        assert aid not in {a.id for a in book.open_alerts()}
        assert c.post(url, headers=AUTH).status_code == 200  # again: still acknowledged
        r = c.post("/api/live/alerts/A1:stockout:NOPE/ack", headers=AUTH)
        assert r.status_code == 404 and "no open alert" in r.json()["detail"]
        # the page has the button, and it sends the token the rule asks for, never embeds it
        html = c.get("/live/A1").text
        assert 'class="ack"' in html and '"Authorization": "Bearer "' in html
        assert TOKEN not in html


def test_the_stream_pushes_a_change_well_before_the_once_a_second_view(tmp_path):
    """A source that sends a second batch a moment after the first: the stream's next view
    carries it within a fraction of a second, not after a fixed one-second sleep."""
    from livecart.live import Batch, LiveHub
    from livecart.live.engine import columns as C

    ev = synth_session("P1", minutes=3, seed=6)
    gate = threading.Event()

    class TwoStep:
        def batches(self, position=None):
            yield Batch(C.from_events(ev[:100]), 1)
            gate.wait(30)
            yield Batch(C.from_events(ev[100:]), 2)
            time.sleep(3 * EVERY_S)  # still running, so the stream keeps going

    livecart.init(tmp_path / "ws").close()
    with TestClient(create_app(tmp_path / "ws", api_token=TOKEN, pages=pages())) as c:
        h = c.app.state.live_hub = LiveHub(c.app.state.workspace)  # the hub the routes use
        h.start(TwoStep())
        deadline = time.monotonic() + 10
        while "P1" not in h.monitor.sessions and time.monotonic() < deadline:
            time.sleep(0.01)
        with c.stream("GET", "/api/live/P1/events") as s:
            lines = (line for line in s.iter_lines() if line.startswith("data: "))
            first = json.loads(next(lines)[6:])
            assert first["accepted"] == 99
            t = time.monotonic()
            gate.set()
            while True:
                v = json.loads(next(lines)[6:])
                if v["accepted"] == len(ev) - 1:
                    break
            took = time.monotonic() - t
        h.close()
    assert took < 0.6 * EVERY_S, took
