"""Signed HTTP ingest in tests: its secret, batches of orders, posting them to the route, and
reading back what the server's hub and journal hold."""

from __future__ import annotations

import json
import time

from livecart.errors import LivecartError
from livecart.live.sources.http_ingest import signed_headers

SECRET = "whsec-test"
T0 = 1_764_615_600_000


def batch(bid: str, events: list[dict]) -> bytes:
    return json.dumps({"batch_id": bid, "events": events}).encode()


def orders(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "id": f"o{i}",
            "ts": T0 + 1000 * i,
            "type": "order",
            "order_id": f"O{i}",
            "sku_id": "SKU1",
            "quantity": 2,
            "price": 10.0,
            "currency": "USD",
        }
        for i in range(start, start + n)
    ]


START = [{"id": "start", "ts": T0, "type": "live_start", "currency": "USD"}]


def post(c, body: bytes, sid: str = "S1", headers: dict | None = None):
    h = signed_headers(SECRET, body) if headers is None else headers
    return c.post(f"/api/sessions/{sid}/events", content=body, headers=h)


def gmv_when(c, sid: str, want: float, timeout: float = 10.0) -> float:
    """The monitored GMV once it reaches ``want`` (the run follows the journal in a thread)."""
    deadline = time.monotonic() + timeout
    while True:
        got = view(c, sid)
        got = None if got is None else got["totals"]["gmv"]
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def view(c, sid: str) -> dict | None:
    try:
        return c.app.state.live_hub.view(sid)
    except (LivecartError, AttributeError):
        return None


def ingest_journal_has(c, bid: str) -> bool:
    j = getattr(c.app.state, "ingest_journal", None)
    return j is not None and bid in j._index
