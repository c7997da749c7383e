"""The Live dashboard page: replay into a served workspace, the JSON twin, server-sent events,
and end to end in Debian's headless chromium (Playwright) against the stored session's GMV."""

from __future__ import annotations

import json
import shutil
import threading
import time
import warnings

import pytest
import uvicorn

import livecart
from livecart.demo import session_events
from livecart.model.events import MINUTE_METRICS
from livecart.web import create_app
from tests.browser import chromium_page, free_port
from tests.live.dashboard import AUTH, TOKEN, pages, wait_done
from tests.live.synth import synth_session

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient


def test_replay_through_the_api_serves_the_view_and_its_event_stream(tmp_path):
    ev = synth_session("S9", minutes=8, seed=2)
    body = "".join(e.to_json() + "\n" for e in ev).encode()
    want_gmv = sum(e.quantity * e.price for e in ev if e.type == "order")
    livecart.init(tmp_path / "ws").close()
    with TestClient(create_app(tmp_path / "ws", api_token=TOKEN, pages=pages())) as c:
        assert c.post("/api/live/replay", content=body).status_code == 401  # writes need it
        assert c.get("/api/live/S9").status_code == 404
        r = c.post("/api/live/replay", content=body, headers=AUTH)
        assert r.status_code == 200, r.text
        view = wait_done(c.get, "S9")
        assert view["totals"]["gmv"] == pytest.approx(want_gmv)
        assert [s["session_id"] for s in c.get("/api/live").json()] == ["S9"]
        html = c.get("/live/S9").text
        assert 'id="live-gmv"' in html and f"{want_gmv:,.2f}" in html
        for m in MINUTE_METRICS:  # the room's counts, one row per metric of the table
            if m.source is None:
                assert f'data-metric="{m.name}"' in html and f"<td>{m.label}</td>" in html
        likes = sum(e.count or 1 for e in ev if e.type == "like")
        assert f'data-metric="likes" data-digits="0">{likes:,}</td>' in html
        assert "S9" in c.get("/live").text
        with c.stream("GET", "/api/live/S9/events") as s:
            first = next(line for line in s.iter_lines() if line.startswith("data: "))
        assert json.loads(first[6:])["totals"]["gmv"] == pytest.approx(want_gmv)
        assert c.post("/api/live/alerts/nope/ack", headers=AUTH).status_code == 404
        assert c.post("/api/live/replay", content=b"  ", headers=AUTH).status_code == 422


@pytest.fixture
def served_demo(demo_path, tmp_path):
    """A copy of the demo workspace served by uvicorn on a free loopback port."""
    ws_dir = tmp_path / "ws"
    shutil.copytree(demo_path, ws_dir)
    app = create_app(ws_dir, api_token=TOKEN, pages=pages())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    )
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not t.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port} within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", ws_dir, app
    server.should_exit = True
    t.join(10)


@pytest.mark.browser
@pytest.mark.slow
def test_live_page_in_chromium_shows_the_stored_sessions_final_gmv(served_demo):
    import httpx

    url, ws_dir, app = served_demo
    ws = app.state.workspace
    sid, gmv = ws.query("SELECT session_id, gmv FROM sessions ORDER BY gmv DESC LIMIT 1").iloc[0]
    body = "".join(e.to_json() + "\n" for e in session_events(ws_dir, sid)).encode()
    n_min = int(ws.query("SELECT count(*) FROM live_minutes WHERE session_id = ?", [sid]).iat[0, 0])
    # the whole session in about 4 seconds of wall time
    speed = n_min * 60 / 4
    r = httpx.post(f"{url}/api/live/replay?speed={speed}", content=body, headers=AUTH, timeout=30)
    assert r.status_code == 200, r.text
    with chromium_page(viewport={"width": 1200, "height": 1000}) as page:
        for _ in range(100):  # the session appears once its live_start is read
            if httpx.get(f"{url}/api/live/{sid}").status_code == 200:
                break
            time.sleep(0.05)
        page.goto(f"{url}/live/{sid}")
        page.wait_for_function(
            "document.getElementById('live-state').textContent.includes('ended')", timeout=60000
        )
        shown = float(page.locator("#live-gmv").get_attribute("data-value"))
        text = page.locator("#live-gmv").inner_text()
    assert shown == pytest.approx(float(gmv), abs=0.005)
    assert f"{float(gmv):,.2f}" in text


def test_a_failing_source_stops_its_run_and_the_view_says_why(tmp_path):
    from livecart.live import Batch, LiveHub
    from livecart.live.engine import columns as C

    class Flaky:
        def batches(self, position=None):
            yield Batch(C.from_events(synth_session("F1", minutes=2)), 1)
            raise OSError("connection reset by peer")

    with livecart.init(tmp_path / "ws") as ws:
        hub = LiveHub(ws)
        run = hub.start(Flaky())
        deadline = time.monotonic() + 30
        while not run.finished and time.monotonic() < deadline:
            time.sleep(0.02)
        view = hub.view("F1")
        assert not view["running"] and view["error"] == "OSError: connection reset by peer"
        assert view["totals"]["entries"] > 0


def test_one_session_fed_by_two_sources_at_once_adds_up(tmp_path):
    from livecart.live import LiveHub, ReplaySource

    ev = synth_session("M1", minutes=6, seed=12)
    orders = [e for e in ev if e.type == "order"]
    room = [e for e in ev if e.type != "order"]  # live_start is in the room's stream
    for name, part in (("room", room), ("orders", orders)):
        (tmp_path / f"{name}.jsonl").write_text("".join(e.to_json() + "\n" for e in part))
    with livecart.init(tmp_path / "ws") as ws:
        # both threads at once, in sped-up real time (6 minutes in 3 s). Which one runs ahead
        # depends on the scheduler, so the lateness covers the whole live: this test is about
        # two sources adding up in one session, not about lateness (test_monitor has that)
        hub = LiveHub(ws, lateness_seconds=3600)
        a = hub.start(ReplaySource(tmp_path / "orders.jsonl", speed=120))
        b = hub.start(ReplaySource(tmp_path / "room.jsonl", speed=120))
        deadline = time.monotonic() + 60
        while not (a.finished and b.finished) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert a.finished and b.finished, "the two replays did not finish within 60 s"
        assert a.error is None and b.error is None
        view = hub.view("M1")
    assert view["dropped"]["late"] == 0
    assert view["totals"]["orders"] == len(orders) > 0
    assert view["totals"]["gmv"] == pytest.approx(sum(e.quantity * e.price for e in orders))
    assert view["totals"]["entries"] == sum(e.type == "join" for e in ev)


def test_app_shutdown_stops_a_running_replay_before_closing_its_workspace(tmp_path):
    """Leaving the app while a slow replay still runs stops the run (it saves on its way out)
    before the workspace closes: no 'connection is busy' from a run writing into a closed
    workspace, and the thread is gone."""
    ev = synth_session("S8", minutes=30, seed=3)
    body = "".join(e.to_json() + "\n" for e in ev).encode()
    livecart.init(tmp_path / "ws").close()
    with TestClient(create_app(tmp_path / "ws", api_token=TOKEN, pages=pages())) as c:
        r = c.post("/api/live/replay?speed=1", content=body, headers=AUTH)  # 30 minutes long
        assert r.status_code == 200, r.text
        hub = c.app.state.live_hub
        assert any(t.is_alive() for t in hub._threads)
    assert not any(t.is_alive() for t in hub._threads)
    assert all(run.error is None for run in hub.runs)
