"""Crash consistency of the served ingest (issue #14): order webhooks and room events are posted
while `livecart serve` is killed with SIGKILL at random moments and started again. The sender
retries a batch (same id, same body) until it is answered 200, as a webhook sender does; in the
end every event answered 200 is counted exactly once, in the live view and in the workspace.
Loopback only; the loop is bounded (a fixed seed, three kills)."""

from __future__ import annotations

import random
import signal
import threading
import time
import urllib.error

import pytest

import livecart
from tests.web.served import Served

KILLS = 3
T0 = int(time.time() * 1000) - 600_000


def batch_events(k: int) -> list[dict]:
    """Batch ``k``: two orders (2 units at 5.0 each) and a like of 3."""
    out = [
        {
            "id": f"o{k}-{j}",
            "ts": T0 + 1000 * k,
            "type": "order",
            "order_id": f"O{k}-{j}",
            "sku_id": "SKU1",
            "quantity": 2,
            "price": 5.0,
            "currency": "USD",
        }
        for j in range(2)
    ]
    return [*out, {"id": f"l{k}", "ts": T0 + 1000 * k, "type": "like", "count": 3}]


class Sender(threading.Thread):
    """Posts batch after batch; a batch is retried until 200 (the server may be down)."""

    def __init__(self, server: Served) -> None:
        super().__init__(daemon=True)
        self.server, self.next, self.accepted = server, 0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        start = [{"id": "start", "ts": T0, "type": "live_start", "currency": "USD"}]
        while not self._post("start", start):
            time.sleep(0.05)
        while not self.stop.is_set():
            if self._post(f"b{self.next}", batch_events(self.next)):
                self.next += 1
                self.accepted += 1
            else:
                time.sleep(0.05)

    def _post(self, bid: str, events: list[dict]) -> bool:
        try:
            return self.server.post_batch("S1", bid, events, timeout=5) == 200
        except (OSError, urllib.error.URLError):
            return False  # killed mid-request: unknown outcome, so the same batch again


@pytest.mark.slow
def test_every_accepted_event_counts_once_through_random_kills(tmp_path):
    rng = random.Random(14)
    livecart.init(tmp_path / "ws").close()
    server = Served(tmp_path / "ws").start()
    sender = Sender(server)
    sender.start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 1.5))  # batches land, the monitor saves, ...
            server.kill()  # ... and SIGKILL at whatever moment this is
            server.start()  # the same workspace, a new process (and port)
        time.sleep(1.0)
        sender.stop.set()
        sender.join(timeout=30)
        want = sender.accepted
        assert want >= 3
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, v = server.get("/api/live/S1")
            if status == 200 and v["totals"]["orders"] == 2 * want:
                break
            time.sleep(0.1)
        time.sleep(1.0)  # nothing counted twice comes in later
        status, v = server.get("/api/live/S1")
        assert v["totals"]["orders"] == 2 * want and v["totals"]["gmv"] == 20.0 * want
        assert v["totals"]["likes"] == 3 * want
        seconds, code = server.stop(signal.SIGTERM)
        assert code == 0
        with livecart.open(tmp_path / "ws", read_only=True) as ws:
            row = ws.query("SELECT orders, gmv, likes FROM sessions").iloc[0]
        assert (row.orders, row.gmv, row.likes) == (2 * want, 20.0 * want, 3 * want)
    finally:
        sender.stop.set()
        server.kill()
