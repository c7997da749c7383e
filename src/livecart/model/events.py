"""The one event model of a live room. Every source (file replay, TikTok LIVE client, signed HTTP
ingest, Redis Streams) produces these; the monitor consumes them whatever the source.

Wire format: one JSON object per event (JSON lines), for example::

    {"id": "S1-000042", "session_id": "S1", "ts": 1764615600123, "type": "order",
     "order_id": "O9", "sku_id": "SKU1", "quantity": 2, "price": 19.9, "currency": "USD",
     "buyer_id": "B7"}

``ts`` is milliseconds since the Unix epoch, UTC. ``id`` is unique per event; a repeated id is
the same event delivered twice and counts once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from livecart.errors import EventError

# type -> (required fields, optional fields) beyond id, session_id, ts, type
EVENT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "live_start": ((), ("planned_minutes", "market", "currency")),
    "live_end": ((), ()),
    "viewers": (("count",), ()),
    "join": ((), ("user_id", "source")),
    "leave": ((), ("user_id",)),
    "comment": ((), ("user_id", "text")),
    "like": ((), ("user_id", "count")),
    "share": ((), ("user_id",)),
    "follow": ((), ("user_id",)),
    "fan_club_join": ((), ("user_id",)),
    "gift": ((), ("user_id", "count", "diamonds")),
    "product_impression": (("sku_id",), ("count",)),
    "product_click": (("sku_id",), ("user_id",)),
    "add_to_cart": (("sku_id",), ("user_id",)),
    "order": (("order_id", "sku_id", "quantity", "price", "currency"), ("buyer_id",)),
    "pin": (("sku_id",), ()),
    "ad_spend": (("amount", "currency"), ("phase",)),
    "stock": (("sku_id", "level"), ()),
}
EVENT_TYPES = tuple(EVENT_FIELDS)
JOIN_SOURCES = ("foryou", "follows", "video", "ads", "search", "other")


@dataclass(slots=True)
class Event:
    id: str
    session_id: str
    ts: int  # ms since epoch, UTC
    type: str
    user_id: str | None = None
    source: str | None = None
    text: str | None = None
    count: int | None = None
    diamonds: int | None = None
    sku_id: str | None = None
    order_id: str | None = None
    quantity: int | None = None
    price: float | None = None
    currency: str | None = None
    buyer_id: str | None = None
    amount: float | None = None
    phase: str | None = None
    level: int | None = None
    planned_minutes: int | None = None
    market: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)


_FIELDS = set(Event.__dataclass_fields__)


def event_from_dict(d: dict[str, Any]) -> Event:
    """Validate one decoded event; raise EventError naming the bad field."""
    for f in ("id", "session_id", "ts", "type"):
        if d.get(f) is None:
            raise EventError(f"event is missing {f!r}: {d!r:.200}")
    etype = d["type"]
    if etype not in EVENT_FIELDS:
        raise EventError(f"unknown event type {etype!r}; known: {', '.join(EVENT_TYPES)}")
    required, optional = EVENT_FIELDS[etype]
    for f in required:
        if d.get(f) is None:
            raise EventError(f"{etype} event {d['id']!r} is missing {f!r}")
    unknown = set(d) - _FIELDS
    if unknown:
        raise EventError(f"event {d['id']!r} has unknown field(s): {', '.join(sorted(unknown))}")
    if not isinstance(d["ts"], int) or isinstance(d["ts"], bool):
        raise EventError(f"event {d['id']!r}: 'ts' must be integer milliseconds since the epoch")
    if etype == "join" and d.get("source") not in (None, *JOIN_SOURCES):
        raise EventError(f"join event {d['id']!r}: source must be one of {JOIN_SOURCES}")
    return Event(**d)


def parse_event(line: str | bytes) -> Event:
    """Parse one JSON line into an Event."""
    try:
        d = json.loads(line)
    except ValueError as e:
        raise EventError(f"not a JSON event: {e}") from None
    if not isinstance(d, dict):
        raise EventError("a JSON event must be an object")
    return event_from_dict(d)


# --- the per-minute metrics of a live ------------------------------------------------------------
# How an event adds to its metric:
ONE = "one"  # 1 per event
COUNT = "count"  # the event's ``count`` (1 when absent): likes, gifts and impressions come batched
QUANTITY = "quantity"  # an order's units
VALUE = "quantity x price"  # an order's GMV, in the session's currency
AMOUNT = "amount"  # an ad spend's amount, in the session's currency


@dataclass(frozen=True)
class MinuteMetric:
    """One per-minute number of a live: a column of ``live_minutes``, a column of the monitor's
    minute rows, a key of its totals. Only sums are kept; every ratio (CTR, CTOR, GPM, AOV) is
    computed from them when read (docs/metrics.md)."""

    name: str
    event: str  # the event type that adds to it
    adds: str  # how each such event adds: ONE, COUNT, QUANTITY, VALUE or AMOUNT
    label: str  # how a person reads it
    money: bool = False  # shown in the session's currency (else a whole count)
    source: str | None = None  # joins from this entry source only (the traffic_* metrics)
    running: bool = False  # also shown as a running total (the monitor's ``cum_*`` columns)
    per_product: bool = False  # also summed per SKU (the product table)


MINUTE_METRICS: tuple[MinuteMetric, ...] = (
    MinuteMetric("entries", "join", ONE, "room entries", running=True),
    MinuteMetric("exits", "leave", ONE, "room exits"),
    MinuteMetric("comments", "comment", ONE, "comments"),
    MinuteMetric("likes", "like", COUNT, "likes"),
    MinuteMetric("shares", "share", ONE, "shares"),
    MinuteMetric("new_followers", "follow", ONE, "new followers"),
    MinuteMetric("fan_club_joins", "fan_club_join", ONE, "fan-club joins"),
    MinuteMetric("gifts", "gift", COUNT, "gifts"),
    MinuteMetric(
        "product_impressions",
        "product_impression",
        COUNT,
        "product impressions",
        running=True,
        per_product=True,
    ),
    MinuteMetric(
        "product_clicks", "product_click", ONE, "product clicks", running=True, per_product=True
    ),
    MinuteMetric("add_to_carts", "add_to_cart", ONE, "add-to-carts", per_product=True),
    MinuteMetric("orders", "order", ONE, "SKU orders", running=True, per_product=True),
    MinuteMetric("units", "order", QUANTITY, "units sold", running=True, per_product=True),
    MinuteMetric("gmv", "order", VALUE, "GMV", money=True, running=True, per_product=True),
    MinuteMetric("ad_spend", "ad_spend", AMOUNT, "LIVE ads spend", money=True, running=True),
    *(
        MinuteMetric(f"traffic_{s}", "join", ONE, f"entries from {s}", source=s)
        for s in JOIN_SOURCES
    ),
)
"""Every per-minute metric, in the order of the monitor's minute rows. The engine folds events
into them, the KPIs and the dashboard show them, the tests check them, all from this table."""

MINUTE_METRIC = {m.name: m for m in MINUTE_METRICS}
