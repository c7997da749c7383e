"""The server's life cycle (issue #14, defects 7 and 8): SIGTERM stops `livecart serve` within
seconds as SIGINT does, even with an event stream open and a live run following the ingest,
and saves the live state; a request naming another host (DNS rebinding) is refused."""

from __future__ import annotations

import signal
import socket
import threading
import time

import pytest

import livecart
from livecart.web.security import allowed_host_names, host_name
from tests.web.served import Served

T0 = int(time.time() * 1000) - 120_000
START = [{"id": "start", "ts": T0, "type": "live_start", "currency": "USD"}]


def orders(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "id": f"o{i}",
            "ts": T0 + 1000 * i,
            "type": "order",
            "order_id": f"O{i}",
            "sku_id": "SKU1",
            "quantity": 1,
            "price": 10.0,
            "currency": "USD",
        }
        for i in range(start, start + n)
    ]


@pytest.fixture
def served(tmp_path):
    livecart.init(tmp_path / "ws").close()
    servers: list[Served] = []

    def start() -> Served:
        s = Served(tmp_path / "ws").start()
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.kill()


def open_stream(s: Served, sid: str) -> socket.socket:
    """An event stream held open (as a dashboard tab holds it), read in a thread."""
    host, port = s.url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    sock.sendall(f"GET /api/live/{sid}/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())

    def drain() -> None:
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass

    threading.Thread(target=drain, daemon=True).start()
    return sock


def wait_orders(s: Served, sid: str, want: int, timeout: float = 20.0) -> int | None:
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        status, v = s.get(f"/api/live/{sid}")
        got = v["totals"]["orders"] if status == 200 else None
        if got == want:
            return got
        time.sleep(0.1)
    return got


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_serve_within_seconds_with_a_stream_open(served, sig):
    s = served()
    assert s.post_batch("S1", "b0", START) == 200
    assert s.post_batch("S1", "b1", orders(3)) == 200
    assert wait_orders(s, "S1", 3) == 3
    stream = open_stream(s, "S1")
    time.sleep(0.5)
    seconds, code = s.stop(sig)
    stream.close()
    assert seconds < 8, f"took {seconds:.1f} s"
    assert code == 0
    ckpt = s.path / "checkpoints" / "server.ckpt"
    assert ckpt.exists()  # the live state was saved on the way out
    with livecart.open(s.path, read_only=True) as ws:
        assert ws.query("SELECT orders FROM sessions").orders.tolist() == [3]


def test_a_restarted_server_resumes_the_ingests_sessions_without_waiting_for_a_batch(served):
    s = served()
    s.post_batch("S1", "b0", START)
    s.post_batch("S1", "b1", orders(4))
    assert wait_orders(s, "S1", 4) == 4
    s.stop(signal.SIGTERM)
    s2 = served()
    assert wait_orders(s2, "S1", 4) == 4  # shown again, no new batch needed
    assert s2.post_batch("S1", "b2", orders(2, start=4)) == 200
    assert wait_orders(s2, "S1", 6) == 6


def test_a_request_for_another_host_name_is_refused(served):
    s = served()
    port = s.url.rsplit(":", 1)[1]
    status, body = s.get("/api/status", headers={"Host": "evil.example"})
    assert status == 400 and "DNS rebinding" in body["detail"]
    status, _ = s.get("/api/status", headers={"Host": f"evil.example:{port}"})
    assert status == 400
    for good in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost"):
        assert s.get("/api/status", headers={"Host": good})[0] == 200, good


def test_host_names_allowed_for_each_kind_of_bind():
    loop = allowed_host_names("127.0.0.1")
    assert loop >= {"127.0.0.1", "localhost", "::1"} and "evil.example" not in loop
    assert allowed_host_names("10.0.0.5") == {"10.0.0.5"}
    assert allowed_host_names("127.0.0.1", ["Shop.Local ", ""]) >= {"shop.local"}
    assert allowed_host_names("0.0.0.0") is None  # every route needs the token there
    assert allowed_host_names("::", ["a.example"]) == {"a.example"}
    assert host_name("[::1]:8000") == "::1" and host_name("Example.com:80") == "example.com"
    assert host_name("::1") == "::1"
