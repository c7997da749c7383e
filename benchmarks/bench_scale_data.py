"""A large synthetic order history as a Parquet lake, written in bounded memory (one chunk of
order lines at a time), in the layout livecart's ``query_source`` reads: one folder per record
kind of Parquet files, microsecond timestamps (Spark 4 refuses nanoseconds).

Shape: 2.5 order lines per order, 10 orders per buyer over the history, 400 orders per live,
8 line-up SKUs and 60 minutes and 3 ad-spend rows per live, 6 markets, 1,000 SKUs, 10 test videos
per SKU x market; 97% of orders completed, 2% cancelled, 1% unpaid; 80% of lines sold in a live.
Only the columns the query layer reads are written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

MARKETS = [
    ("US", "USD", "America/New_York"),
    ("UK", "GBP", "Europe/London"),
    ("ID", "IDR", "Asia/Jakarta"),
    ("TH", "THB", "Asia/Bangkok"),
    ("MY", "MYR", "Asia/Kuala_Lumpur"),
    ("PH", "PHP", "Asia/Manila"),
]
N_SKUS = 1000
LINES_PER_ORDER = 2.5
ORDERS_PER_BUYER = 10
ORDERS_PER_LIVE = 400
LINEUP = 8
START_US = 1_767_225_600_000_000  # 2026-01-01 UTC in microseconds
TS = pa.timestamp("us")


def ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), "")


def _write(folder: Path, name: str, part: int, table: pa.Table) -> None:
    (folder / name).mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / name / f"part-{part:05d}.parquet")


def _order_lines(first: int, n: int, n_buyers: int, n_lives: int, rng) -> pa.Table:
    line = np.arange(first, first + n, dtype=np.int64)
    order = (line * 2) // 5  # 2.5 lines per order
    buyer = (order * 2_654_435_761) % n_buyers
    live = np.minimum(order // ORDERS_PER_LIVE, n_lives - 1)
    market = live % len(MARKETS)
    live_start = START_US + live * 3_600_000_000 // 8  # lives start every 7.5 minutes
    created = live_start + (order % ORDERS_PER_LIVE) * 15_000_000 + (line % 3) * 1_000
    sku = (live * 37 + line % LINEUP) % N_SKUS
    qty = rng.integers(1, 4, n)
    price = 5.0 + (sku % 50) * 1.5
    state = (order * 7_919) % 100
    status = np.where(state < 97, "completed", np.where(state < 99, "cancelled", "unpaid"))
    paid = np.where(state == 99, np.iinfo(np.int64).min, created + 30_000_000)
    live_sale = (line % 5) != 0
    return pa.table(
        {
            "order_id": ids("o", order),
            "sku_id": ids("SKU", sku),
            "buyer_id": ids("b", buyer),
            "market": pa.array(np.array([m for m, _, _ in MARKETS])[market]),
            "quantity": pa.array(qty),
            "subtotal": pa.array(qty * price),
            "order_amount": pa.array(qty * price),
            "currency": pa.array(np.array([c for _, c, _ in MARKETS])[market]),
            "created_at": pa.array(created, TS),
            "paid_at": pa.array(paid, TS, mask=state == 99),
            "channel": pa.array(np.where(live_sale, "live", "video")),
            "session_id": pa.array(ids("S", live), mask=~live_sale),
            "status": pa.array(status),
            "cancel_return_type": pa.nulls(n, pa.string()),
        }
    )


def _lives(first: int, n: int) -> tuple[dict[str, pa.Table], pa.Table]:
    live = np.arange(first, first + n, dtype=np.int64)
    start = START_US + live * 3_600_000_000 // 8
    market = np.array([m for m, _, _ in MARKETS])[live % len(MARKETS)]
    sessions = pa.table(
        {
            "session_id": ids("S", live),
            "room": ids("room", live % 500),
            "host_ids": ids("host", live % 2000),
            "market": pa.array(market),
            "currency": pa.array(np.array([c for _, c, _ in MARKETS])[live % len(MARKETS)]),
            "planned_start": pa.array(start, TS),
            "planned_end": pa.array(start + 7_200_000_000, TS),
            "actual_start": pa.array(start, TS),
            "actual_end": pa.array(start + 7_200_000_000, TS),
            "gmv": pa.array(ORDERS_PER_LIVE * 25.0 + live % 97),
            "orders": pa.array(np.full(n, ORDERS_PER_LIVE)),
            "views": pa.array(20_000 + live % 5000),
            "avg_view_seconds": pa.array(60.0 + live % 30),
            "new_followers": pa.array(100 + live % 50),
        }
    )
    lr, k = np.repeat(live, LINEUP), np.tile(np.arange(LINEUP), n)
    lines = pa.table(
        {
            "session_id": ids("S", lr),
            "sku_id": ids("SKU", (lr * 37 + k) % N_SKUS),
            "price": pa.array(5.0 + ((lr * 37 + k) % N_SKUS % 50) * 1.5),
            "pinned_minutes": pa.array(5 + k),
            "stockout_minute": pa.array(np.full(n * LINEUP, 90), mask=k != 0),
        }
    )
    mr, minute = np.repeat(live, 60), np.tile(np.arange(60), n)
    minutes = pa.table(
        {
            "session_id": ids("S", mr),
            "minute": pa.array(minute),
            "gmv": pa.array(100.0 + minute),
            "orders": pa.array(4 + minute % 3),
            "entries": pa.array(300 + minute),
            "ad_spend": pa.array(np.full(n * 60, 2.5)),
            "new_followers": pa.array(1 + minute % 4),
            "fan_club_joins": pa.array(minute % 2),
        }
    )
    ar, phase = np.repeat(live, 3), np.tile(np.array(["pre_live", "live", "closing"]), n)
    spend = pa.table(
        {
            "session_id": ids("S", ar),
            "phase": pa.array(phase),
            "spend": pa.array(np.full(n * 3, 50.0)),
        }
    )
    return {"sessions": sessions, "session_products": lines, "live_minutes": minutes}, spend


def _small_tables(folder: Path, rng) -> None:
    pq.write_table(
        pa.table(
            {k: [m[i] for m in MARKETS] for i, k in enumerate(("market", "currency", "timezone"))}
        ),
        folder / "markets.parquet",
    )
    sku = np.arange(N_SKUS)
    cats = np.array(["beauty", "fashion", "home", "food", "electronics"])
    pq.write_table(
        pa.table({"sku_id": ids("SKU", sku), "category": cats[sku % 5]}),
        folder / "products.parquet",
    )
    n = N_SKUS * len(MARKETS) * 10
    v = np.arange(n)
    views = rng.integers(1000, 50_000, n)
    pq.write_table(
        pa.table(
            {
                "video_id": ids("V", v),
                "sku_id": ids("SKU", v % N_SKUS),
                "market": pa.array(
                    np.array([m for m, _, _ in MARKETS])[(v // N_SKUS) % len(MARKETS)]
                ),
                "purpose": pa.array(np.where(v % 10 < 8, "test", "warmup")),
                "posted_at": pa.array(START_US - v * 60_000_000, TS),
                "views": pa.array(views),
                "product_clicks": pa.array(views // 50),
                "orders": pa.array(views // 1000),
                "gmv": pa.array(views / 1000 * 20.0),
                "currency": pa.array(
                    np.array([c for _, c, _ in MARKETS])[(v // N_SKUS) % len(MARKETS)]
                ),
            }
        ),
        folder / "videos.parquet",
    )


def build_lake(folder: Path, rows: int, chunk: int = 5_000_000, seed: int = 0) -> dict[str, int]:
    """Write ``rows`` order lines (and the buyers, lives, line-ups, minutes and ad spend they
    imply) under ``folder``; returns the row count of each table."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    n_orders = int(np.ceil(rows / LINES_PER_ORDER))
    n_buyers = max(1, n_orders // ORDERS_PER_BUYER)
    n_lives = max(1, int(np.ceil(n_orders / ORDERS_PER_LIVE)))
    for part, first in enumerate(range(0, rows, chunk)):
        _write(
            folder,
            "orders",
            part,
            _order_lines(first, min(chunk, rows - first), n_buyers, n_lives, rng),
        )
    per = max(1, chunk // (LINEUP * 60))  # lives per chunk: bounded like the order lines
    for part, first in enumerate(range(0, n_lives, per)):
        tables, spend = _lives(first, min(per, n_lives - first))
        for name, table in tables.items():
            _write(folder, name, part, table)
        _write(folder, "ad_spend", part, spend)
    for part, first in enumerate(range(0, n_buyers, chunk)):
        b = np.arange(first, min(first + chunk, n_buyers), dtype=np.int64)
        _write(
            folder,
            "buyers",
            part,
            pa.table(
                {
                    "buyer_id": ids("b", b),
                    "market": pa.array(np.array([m for m, _, _ in MARKETS])[b % len(MARKETS)]),
                }
            ),
        )
    _small_tables(folder, rng)
    return {
        "orders": rows,
        "buyers": n_buyers,
        "sessions": n_lives,
        "session_products": n_lives * LINEUP,
        "live_minutes": n_lives * 60,
        "ad_spend": n_lives * 3,
        "videos": N_SKUS * len(MARKETS) * 10,
    }
