"""A small workspace of known rows whose overview numbers are computed by hand in the tests.

US (USD, America/New_York, UTC-5 in November 2026) and ID (IDR, Asia/Jakarta, UTC+7).
IDR->USD is 0.00006 from 2026-11-01 and 0.00007 from 2026-11-03.

Counted lines: US 30 + 12.5 + 20 + 8 = 70.5 USD; ID 300,000 (day 11-03, 21 USD) + 100,000
(day 11-02, 6 USD) = 400,000 IDR = 27 USD. Total 97.5 USD. Cancelled: two US lines (100 and
10 USD); unpaid: one ID line (50,000 IDR).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

import livecart
from livecart.model.schema import kind
from livecart.store import Workspace

T = pd.Timestamp


def frame(kind_name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows with every column of the kind (absent ones None), typed for the store."""
    k = kind(kind_name)
    df = pd.DataFrame([{c: r.get(c) for c in k.column_names} for r in rows])
    for c in k.columns:
        if c.type == "ts":
            df[c.name] = pd.to_datetime(df[c.name])
        elif c.type in ("int", "float"):
            df[c.name] = pd.to_numeric(df[c.name]).astype(
                "float64" if c.type == "float" else "Int64"
            )
        else:
            df[c.name] = df[c.name].astype(object)
    return df


def _order(
    oid, sku, buyer, market, qty, subtotal, paid, status="Completed", cancel=None, created=None
):
    return {
        "order_id": oid,
        "sku_id": sku,
        "buyer_id": buyer,
        "market": market,
        "quantity": qty,
        "subtotal": subtotal,
        "created_at": T(created or paid),
        "paid_at": None if paid is None else T(paid),
        "status": status,
        "cancel_return_type": cancel,
        "channel": "live",
    }


ORDERS = [
    _order("o1", "A", "b1", "US", 2, 30.0, "2026-11-02 14:05"),
    _order("o1", "B", "b1", "US", 1, 12.5, "2026-11-02 14:05"),
    # 03:00 UTC on 11-03 is 22:00 on 11-02 in New York: it counts on 11-02.
    _order("o2", "A", "b2", "US", 1, 20.0, "2026-11-03 03:00"),
    _order("o3", "A", "b4", "US", 5, 100.0, "2026-11-02 15:00", status="Cancelled"),
    _order("o4", "B", "b4", "US", 1, 10.0, "2026-11-02 16:00", cancel="Cancel"),
    _order("o5", "B", "b1", "US", 1, 8.0, "2026-11-04 15:00", cancel="Return/Refund"),
    # 18:00 UTC on 11-02 is 01:00 on 11-03 in Jakarta: rate 0.00007.
    _order("o6", "A", "b3", "ID", 3, 300000.0, "2026-11-02 18:00"),
    _order("o7", "B", "b3", "ID", 1, 100000.0, "2026-11-02 10:00"),
    _order("o8", "A", "b5", "ID", 1, 50000.0, None, status="Unpaid", created="2026-11-02 11:00"),
]

EXPECTED = {
    "gmv_usd": 97.5,
    "orders": 5,
    "units": 9,
    "buyers": 3,
    "cancelled": 2,
    "unpaid": 1,
    "sessions": 2,
    "live_hours": 3.5,
    "products": 2,
    "creators": 1,
    "us_gmv": 70.5,
    "id_gmv": 400000.0,
    "id_gmv_usd": 27.0,
    "first_day": dt.date(2026, 11, 2),
    "last_day": dt.date(2026, 11, 4),
    "days": {
        ("US", "2026-11-02"): 62.5,
        ("US", "2026-11-04"): 8.0,
        ("ID", "2026-11-02"): 100000.0,
        ("ID", "2026-11-03"): 300000.0,
    },
}


def fill(ws: Workspace, fx: bool = True) -> Workspace:
    """Write the sample rows into ``ws`` (``fx=False`` leaves the FX table empty)."""
    ws.upsert(
        "markets",
        frame(
            "markets",
            [
                {
                    "market": "US",
                    "name": "United States",
                    "currency": "USD",
                    "timezone": "America/New_York",
                },
                {
                    "market": "ID",
                    "name": "Indonesia",
                    "currency": "IDR",
                    "timezone": "Asia/Jakarta",
                },
            ],
        ),
    )
    ws.upsert(
        "products",
        frame(
            "products",
            [
                {
                    "sku_id": "A",
                    "product_name": "Lip tint",
                    "category": "beauty_personal_care",
                    "price": 15.0,
                    "currency": "USD",
                },
                {
                    "sku_id": "B",
                    "product_name": "Phone case",
                    "category": "mobile_digital",
                    "price": 12.5,
                    "currency": "USD",
                },
            ],
        ),
    )
    ws.upsert(
        "creators",
        frame(
            "creators",
            [
                {"creator_id": "host1", "name": "Host One", "kind": "pro_host", "currency": "USD"},
            ],
        ),
    )
    ws.upsert(
        "sessions",
        frame(
            "sessions",
            [
                {
                    "session_id": "s1",
                    "title": "US evening live",
                    "market": "US",
                    "actual_start": T("2026-11-02 23:00"),
                    "actual_end": T("2026-11-03 01:00"),
                    "gmv": 62.5,
                    "currency": "USD",
                },
                {
                    "session_id": "s2",
                    "title": "ID lunch live",
                    "market": "ID",
                    "actual_start": T("2026-11-02 12:00"),
                    "actual_end": T("2026-11-02 13:30"),
                    "gmv": 100000.0,
                },
            ],
        ),
    )
    ws.upsert("orders", frame("orders", ORDERS))
    if fx:
        ws.upsert(
            "fx_rates",
            frame(
                "fx_rates",
                [
                    {
                        "date": dt.date(2026, 11, 1),
                        "currency": "IDR",
                        "quote": "USD",
                        "rate": 0.00006,
                    },
                    {
                        "date": dt.date(2026, 11, 3),
                        "currency": "IDR",
                        "quote": "USD",
                        "rate": 0.00007,
                    },
                ],
            ),
        )
    return ws


def build(path: Path, fx: bool = True) -> Path:
    """A sample workspace on disk, closed again."""
    with livecart.init(path) as ws:
        fill(ws, fx=fx)
    return path
