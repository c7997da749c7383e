"""Live sources started and stopped through the API: a paced replay stopped half-way saves what
it took and, replayed again, ends with the same totals as the recording read whole (nothing lost
or counted twice); a TikTok LIVE room (the project's fake TikTokLive client of
tests/sources/test_tiktok.py) started, stopped and started again resumes without a second
``live_start`` and counts a redelivered message once."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest

from livecart.live import Monitor, totals
from livecart.live.engine.columns import parse_lines
from livecart.store.team import audit_log
from livecart.web import create_app
from tests.web.conftest import TestClient

TOKEN = "api-s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def ws_path(demo_path, tmp_path) -> Path:
    shutil.copytree(demo_path, tmp_path / "ws")
    return tmp_path / "ws"


def wait(pred, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_stopped_replay_saves_what_it_took_and_a_second_replay_counts_each_event_once(ws_path):
    sid = "L0003"
    with TestClient(create_app(ws_path, api_token=TOKEN)) as c:
        r = c.post(f"/api/live/replays/{sid}", params={"speed": 120}, headers=AUTH)
        assert r.status_code == 200, r.text
        hub = c.app.state.live_hub
        wait(lambda: sid in hub.monitor.sessions and hub.monitor.sessions[sid].accepted > 200)
        stop = c.post(f"/api/live/{sid}/stop", headers=AUTH)
        assert stop.status_code == 200, stop.text
        assert stop.json()["runs"] == 1
        view = c.get(f"/api/live/{sid}").json()
        assert not view["running"]
        lines = (ws_path / "replays" / f"{sid}.jsonl").read_bytes()
        assert 200 < stop.json()["accepted"] < lines.count(b"\n")  # stopped half-way
        # what it took is in the workspace: the sessions row carries the view's totals
        row = c.app.state.workspace.query(
            "SELECT orders, comments FROM sessions WHERE session_id = ?", [sid]
        ).iloc[0]
        assert (row.orders, row.comments) == (view["totals"]["orders"], view["totals"]["comments"])
        assert c.post(f"/api/live/{sid}/stop", headers=AUTH).status_code == 409  # stopped
        # replayed again from the start: events taken before are late or duplicates by id
        assert c.post(f"/api/live/replays/{sid}", params={"speed": 0}, headers=AUTH).is_success
        wait(lambda: not c.get(f"/api/live/{sid}").json()["running"], what="the replay's end")
        again = c.get(f"/api/live/{sid}").json()["totals"]
        lateness = c.app.state.workspace.settings.lateness_seconds
    whole = Monitor(lateness)
    whole.feed_columns(parse_lines(lines))
    reference = totals(whole.sessions[sid])
    for k in ("orders", "gmv", "units", "comments", "likes", "entries"):
        assert again[k] == pytest.approx(reference[k], rel=1e-12), k
    assert [e["action"] for e in audit_log(ws_path)[:2]] == ["replay", "live stop"]


# --- a TikTok LIVE room through the project's fake client ---------------------------------------


def lingering_client(events: list):
    """The fake client of tests/sources/test_tiktok.py, staying connected after its events until
    disconnected (as a LIVE that goes on)."""
    from tests.sources.test_tiktok import DroppingClient

    class Lingering(DroppingClient):
        def __init__(self) -> None:
            super().__init__(events, drop=False)
            self.gone = asyncio.Event()

        async def connect(self) -> None:
            await super().connect()
            await self.gone.wait()

        async def disconnect(self) -> None:
            self.gone.set()

    return Lingering()


def test_a_tiktok_room_starts_stops_and_resumes_through_the_api(ws_path):
    pytest.importorskip("TikTokLive", reason="the optional extra livecart[tiktok] is not installed")
    from TikTokLive.events import CommentEvent

    from tests.sources.test_tiktok import room, wire

    first = room()
    second = [first[3], wire(CommentEvent, 13, 62_000, content="restocked?")]  # 4 redelivered
    clients = iter([first, second])
    body = {"unique_id": "@shop", "session_id": "R1", "market": "US", "currency": "USD"}
    with TestClient(create_app(ws_path, api_token=TOKEN)) as c:
        c.app.state.tiktok_client = lambda uid: lingering_client(next(clients))
        assert c.post("/api/live/rooms", json={**body, "unique_id": "no spaces"}, headers=AUTH)
        r = c.post("/api/live/rooms", json=body, headers=AUTH)
        assert r.status_code == 201, r.text
        assert r.json()["page"] == "/live/R1"
        hub = c.app.state.live_hub
        # the 11 messages the room maps (a mid-streak gift update is not one)
        wait(lambda: "R1" in hub.monitor.sessions and hub.monitor.sessions["R1"].accepted == 11)
        assert c.post("/api/live/rooms", json=body, headers=AUTH).status_code == 409
        stop = c.post("/api/live/R1/stop", headers=AUTH)
        assert stop.status_code == 200 and stop.json()["accepted"] == 11
        assert not c.get("/api/live/R1").json()["running"]
        assert c.post("/api/live/rooms", json=body, headers=AUTH).status_code == 201
        wait(lambda: hub.monitor.sessions["R1"].accepted == 12, what="the new comment")
        assert c.post("/api/live/R1/stop", headers=AUTH).json()["accepted"] == 12
        view = c.get("/api/live/R1").json()
        saved = c.app.state.workspace.query(
            "SELECT comments, likes FROM sessions WHERE session_id = 'R1'"
        ).iloc[0]
    assert view["totals"]["comments"] == 2  # message 4 once, and the new one
    assert (saved.comments, saved.likes) == (2, 15)
    actions = [e["action"] for e in audit_log(ws_path)]
    assert actions[:4] == ["live stop", "live room start", "live stop", "live room start"]


def test_room_start_refuses_bad_input_and_stop_an_unknown_session(ws_path):
    with TestClient(create_app(ws_path, api_token=TOKEN)) as c:
        bad = {"unique_id": "@shop", "session_id": "R 1", "currency": "usd"}
        r = c.post("/api/live/rooms", json=bad, headers=AUTH)
        assert r.status_code == 422
        assert {e["loc"][-1] for e in r.json()["detail"]} == {"session_id", "currency"}
        r = c.post("/api/live/NOPE/stop", headers=AUTH)
        assert r.status_code == 404 and "nothing to stop" in r.json()["detail"]
        assert c.post("/api/live/rooms", json={**bad, "session_id": "R1"}).status_code == 401


# --- past lives, from the stored minutes ---------------------------------------------------------


def test_a_past_live_is_viewable_from_its_stored_minutes_without_a_replay(demo_path):
    with TestClient(create_app(demo_path, api_token=TOKEN)) as c:
        page = c.get("/live")
        assert 'id="past-lives"' in page.text and "/live/L0020" in page.text
        r = c.get("/api/live/L0020")
        assert r.status_code == 200, r.text
        v = r.json()
        stored = c.app.state.workspace.query(
            "SELECT s.gmv, s.orders, s.currency, max(m.minute) + 1 AS n FROM sessions s "
            "JOIN live_minutes m USING (session_id) WHERE session_id = 'L0020' "
            "GROUP BY ALL"
        ).iloc[0]
        html = c.get("/live/L0020").text
        assert c.get("/api/live/L9999").status_code == 404
    assert v["past"] and not v["running"] and v["ended"]
    assert v["totals"]["gmv"] == pytest.approx(stored.gmv, rel=1e-9)
    assert v["totals"]["orders"] == stored.orders and v["currency"] == stored.currency
    assert len(v["minutes"]) == stored.n
    assert v["minutes"][-1]["cum_gmv"] == pytest.approx(stored.gmv, rel=1e-9)
    # the plan it had: its market's earlier lives, and the golden hour against it
    assert "before this live" in v["plan"]["source"]
    assert v["golden_hour"]["minute"] == 60 and v["golden_hour"]["plan_gmv"] > 0
    assert all(p["name"] for p in v["products"])  # names, not only SKU ids
    assert sum(p["gmv"] for p in v["products"]) == pytest.approx(stored.gmv, rel=0.05)
    assert "a past live" in html
