"""`livecart serve DIR --tiktok @room --session S`: a served workspace takes a LIVE room's events
and signed order webhooks into the same session of its one live hub. The room is a fake source
(no network here); the ingest is the real route."""

from __future__ import annotations

import threading
import time
import warnings

import pytest

import livecart
from livecart.errors import LivecartError
from livecart.live import Batch
from livecart.live.engine import columns as C
from livecart.live.sources.http_ingest import signed_headers
from livecart.web import create_app
from livecart.web.pages.live import start_sources
from tests.conftest import invoke
from tests.sources.ingest_posts import SECRET, batch

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient


class FakeRoom:
    """Stands for TikTokSource: live_start when it connects, some comments and viewer counts
    stamped now, then it keeps listening (empty batches) until closed."""

    def __init__(self, user: str, session_id: str, **start) -> None:
        self.user, self.session_id, self.start = user, session_id, start
        self._stop = threading.Event()

    def close(self) -> None:
        self._stop.set()

    def batches(self, position=None):
        now = int(time.time() * 1000) - 5_000
        sid = self.session_id
        rows = [
            {"id": f"{sid}-start", "session_id": sid, "ts": now, "type": "live_start",
             **{k: v for k, v in self.start.items() if v is not None}},
            *({"id": f"{sid}-c{i}", "session_id": sid, "ts": now + 100 * i, "type": "comment"}
              for i in range(1, 8)),
            {"id": f"{sid}-v", "session_id": sid, "ts": now + 900, "type": "viewers", "count": 42},
        ]  # fmt: skip
        yield Batch(C.from_dicts(rows), None)
        while not self._stop.wait(0.05):
            yield Batch(C.empty(), None)


def orders(sid: str, n: int) -> list[dict]:
    now = int(time.time() * 1000)
    return [
        {"id": f"{sid}-o{i}", "ts": now + i, "type": "order", "order_id": f"O{i}",
         "sku_id": "SKU1", "quantity": 2, "price": 10.0, "currency": "USD"}
        for i in range(n)
    ]  # fmt: skip


def wait_for(c, sid: str, pred, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.get(f"/api/live/{sid}")
        if r.status_code == 200 and pred(r.json()):
            return r.json()
        time.sleep(0.05)
    raise AssertionError(f"session {sid} never got there: {c.get(f'/api/live/{sid}').text}")


def room_and_webhooks_add_up(c, sid: str) -> dict:
    wait_for(c, sid, lambda v: v["totals"]["comments"] == 7)
    for k, part in enumerate((orders(sid, 3), orders(sid, 5)[3:])):
        body = batch(f"{sid}-b{k}", part)
        h = signed_headers(SECRET, body)
        r = c.post(f"/api/sessions/{sid}/events", content=body, headers=h)
        assert r.status_code == 200, r.text
    v = wait_for(c, sid, lambda v: v["totals"]["orders"] == 5)
    assert v["totals"]["comments"] == 7 and v["totals"]["viewers_last"] == 42
    assert v["totals"]["gmv"] == pytest.approx(100.0) and v["currency"] == "USD"
    assert sum(v["dropped"].values()) == 0 and v["running"]
    return v


def test_a_served_app_takes_room_events_and_order_webhooks_into_one_session(tmp_path):
    with livecart.init(tmp_path / "ws") as ws:
        ws.settings = ws.settings.updated(ingest_secret=SECRET)
        app = create_app(ws)
        room = FakeRoom("@shop", "L1", currency="USD", market="US")
        hub = start_sources(app, [room])
        with TestClient(app) as c:
            room_and_webhooks_add_up(c, "L1")
            assert [s["session_id"] for s in c.get("/api/live").json()] == ["L1"]
        room.close()
        hub.close()
        assert all(r.finished for r in hub.runs)


def test_cli_serve_with_tiktok_rooms_wires_them_into_the_dashboards_hub(cli, tmp_path, monkeypatch):
    import livecart.web.server as server
    from livecart.live.sources import tiktok

    made: list[FakeRoom] = []

    def fake_source(user, session_id, **start):
        made.append(FakeRoom(user, session_id, **start))
        return made[-1]

    monkeypatch.setattr(tiktok, "ensure_installed", lambda: None)
    monkeypatch.setattr(tiktok, "TikTokSource", fake_source)
    checked: list[str] = []

    def run_app(app, host, port):  # instead of uvicorn: the same app, in-process
        with TestClient(app) as c:
            for sid in ("L1", "L2"):
                room_and_webhooks_add_up(c, sid)
                checked.append(sid)

    monkeypatch.setattr(server, "run_app", run_app)
    monkeypatch.setenv("LIVECART_INGEST_SECRET", SECRET)
    livecart.init(tmp_path / "ws").close()
    args = ["serve", tmp_path / "ws", "--tiktok", "@a", "--session", "L1", "--tiktok", "@b"]
    r = invoke(cli, *args, "--session", "L2", "--currency", "USD", "--planned-minutes", "90")
    assert r.exit_code == 0, r.output
    assert checked == ["L1", "L2"]
    assert [(m.user, m.session_id, m.start["planned_minutes"]) for m in made] == [
        ("@a", "L1", 90),
        ("@b", "L2", 90),
    ]
    assert all(m._stop.is_set() for m in made)  # closed when the server stopped
    with livecart.open(tmp_path / "ws", read_only=True) as ws:  # and written as history
        got = ws.query("SELECT session_id, orders FROM sessions ORDER BY 1")
    assert got.values.tolist() == [["L1", 5], ["L2", 5]]


def test_cli_serve_needs_one_session_per_room(cli, tmp_path):
    livecart.init(tmp_path / "ws").close()
    with pytest.raises(LivecartError, match="one --session per --tiktok room"):
        invoke(cli, "serve", tmp_path / "ws", "--tiktok", "@a")
