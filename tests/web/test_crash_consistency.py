"""Crash consistency of the served ingest (issue #14): order webhooks and room events are posted
while `livecart serve` is killed with SIGKILL at random moments and started again. The sender
retries a batch (same id, same body) until it is answered 200, as a webhook sender does; in the
end every event answered 200 is counted exactly once, in the live view and in the workspace.
Loopback only; the loop is bounded (a fixed seed, three kills)."""

from __future__ import annotations

import random
import signal
import time

import pytest

import livecart
from tests.web.served import Sender, Served

KILLS = 3


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
