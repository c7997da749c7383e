"""Synthetic event streams for the monitor's tests, with their expected per-minute sums computed
independently (a plain dict loop, not the monitor's code); small streams for the alert rules;
and a history of past sessions for the nowcast and the golden-hour plan."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from livecart.live import Monitor
from livecart.model.events import Event
from livecart.model.schema import LIVE_MINUTES, SESSIONS

T0 = 1_764_615_600_000  # 2025-12-01 19:00 UTC
METRIC_OF_TYPE = {  # event type -> the per-minute count it adds to
    "join": "entries",
    "comment": "comments",
    "like": "likes",
    "share": "shares",
    "follow": "new_followers",
    "product_impression": "product_impressions",
    "product_click": "product_clicks",
    "order": "orders",
}


def synth_session(
    sid: str = "S1",
    minutes: int = 20,
    seed: int = 0,
    skus=("A", "B"),
    stock: dict | None = None,
    t0: int = T0,
) -> list[Event]:
    """A time-ordered stream of one session: start, stock, then per minute joins, comments,
    likes, impressions, clicks, orders and viewer snapshots."""
    rng = np.random.default_rng(seed)
    ev = [
        Event(
            f"{sid}-start",
            sid,
            t0,
            "live_start",
            planned_minutes=minutes,
            market="US",
            currency="USD",
        )
    ]
    for k, lvl in (stock or {}).items():
        ev.append(Event(f"{sid}-stock-{k}", sid, t0 + 1, "stock", sku_id=k, level=lvl))
    n = 0
    for m in range(minutes):
        for _ in range(int(rng.integers(20, 60))):
            n += 1
            ts = t0 + m * 60000 + int(rng.integers(0, 60000))
            kind = rng.choice(
                [
                    "join",
                    "comment",
                    "like",
                    "product_impression",
                    "product_click",
                    "order",
                    "share",
                    "follow",
                ],
                p=[0.2, 0.15, 0.15, 0.2, 0.12, 0.08, 0.05, 0.05],
            )
            e = Event(f"{sid}-{n}", sid, ts, str(kind))
            if kind == "join":
                e.source = str(rng.choice(["foryou", "follows", "ads"]))
            elif kind == "like":
                e.count = int(rng.integers(1, 10))
            elif kind in ("product_impression", "product_click"):
                e.sku_id = str(rng.choice(skus))
                if kind == "product_impression":
                    e.count = int(rng.integers(1, 5))
            elif kind == "order":
                e.order_id, e.sku_id = f"O{n}", str(rng.choice(skus))
                e.quantity, e.price, e.currency = int(rng.integers(1, 3)), 9.5, "USD"
            ev.append(e)
        for s in range(6):
            n += 1
            ev.append(
                Event(
                    f"{sid}-{n}",
                    sid,
                    t0 + m * 60000 + s * 10000 + 5000,
                    "viewers",
                    count=int(100 + 10 * m + rng.integers(0, 20)),
                )
            )
    ev.sort(key=lambda e: e.ts)
    return ev


def expected(events: list[Event]) -> dict[tuple[str, int], dict[str, float]]:
    """Per (session, minute) sums by a plain loop, for comparison."""
    start = {e.session_id: e.ts for e in events if e.type == "live_start"}
    out: dict = defaultdict(lambda: defaultdict(float))
    seen = set()
    for e in events:
        if e.id in seen or e.type == "live_start":
            continue
        seen.add(e.id)
        d = out[(e.session_id, (e.ts - start[e.session_id]) // 60000)]
        name = METRIC_OF_TYPE.get(e.type)
        if name:
            d[name] += (e.count or 1) if e.type in ("like", "product_impression") else 1
        if e.type == "order":
            d["units"] += e.quantity
            d["gmv"] += e.quantity * e.price
        if e.type == "join":
            d[f"traffic_{e.source}"] += 1
    return out


def stream(minutes: int, per_minute) -> list[Event]:
    """live_start, then per minute the events ``per_minute(m, t)`` returns, then a tick that
    moves the clock into minute ``minutes`` (so all earlier minutes are complete)."""
    ev = [Event("start", "R", T0, "live_start", planned_minutes=60, currency="USD")]
    for m in range(minutes):
        ev += per_minute(m, T0 + m * 60000)
    ev.append(Event("tick", "R", T0 + minutes * 60000 + 1, "comment"))
    return ev


def state(events: list[Event]):
    mon = Monitor()
    mon.feed(events)
    return mon.sessions["R"]


def synth_history(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sessions of 90-180 planned minutes. Per-minute GMV = demand x a shape that peaks after
    the golden hour x noise, where the later push depends on the first hour (golden-hour
    effect), so a linear extrapolation of the first minutes is biased and a learned model is
    not."""
    rng = np.random.default_rng(seed)
    rows, sess = [], []
    t0 = pd.Timestamp("2026-01-01")
    for i in range(n):
        planned = int(rng.choice([90, 120, 150, 180]))
        demand = np.exp(rng.normal(3.0, 0.6))
        push = np.exp(rng.normal(0, 0.25))
        m = np.arange(planned)
        shape = np.where(m < 60, 0.5 + m / 60, 1.5 * push)
        gmv = demand * shape * np.exp(rng.normal(0, 0.3, planned))
        orders = rng.poisson(gmv / 20)
        entries = rng.poisson(demand * 3 * shape)
        start = t0 + pd.Timedelta(days=i)
        sid = f"S{i:04d}"
        sess.append(
            {
                "session_id": sid,
                "market": "US",
                "room": "main",
                "planned_start": start,
                "planned_end": start + pd.Timedelta(minutes=planned),
                "actual_start": start,
            }
        )
        for k in range(planned):
            rows.append(
                {
                    "session_id": sid,
                    "minute": k,
                    "ts": start + pd.Timedelta(minutes=k),
                    "gmv": gmv[k],
                    "orders": orders[k],
                    "entries": entries[k],
                    "viewers_online": int(entries[k] * 4),
                    "currency": "USD",
                }
            )
    lm = pd.DataFrame(rows).reindex(columns=LIVE_MINUTES.column_names)
    for c in LIVE_MINUTES.column_names:
        if c not in ("session_id", "ts", "currency", "gmv") and lm[c].isna().all():
            lm[c] = 0
    return lm, pd.DataFrame(sess).reindex(columns=SESSIONS.column_names)
