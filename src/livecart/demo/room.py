"""One live room, minute by minute, as a raw event stream.

Viewers arrive by source (Poisson per minute), stay an exponential time whose mean depends on the
source, and while online click the pinned product (and browse the others) at a per-viewer-minute
hazard; clicks turn into add-to-carts and orders (binomial thinning), and an order is kept only if
the SKU still has stock for its quantity. After the first hour the platform's For You and search
push is scaled by ``clip(g, 1/3, 3) ** gamma`` where ``g`` is the first hour's entries and orders
against plan (the golden-hour effect). Everything is numpy arrays; `Event` objects are made only
when one session's stream is asked for (`to_events`).

The stream is a pure function of (seed, plan): ``default_rng([seed, 2, plan.index])``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from livecart.demo.plans import GOLDEN, LIVE, SOURCES, STAY_MIN, SessionPlan, pin_weights
from livecart.model.events import EVENT_TYPES, Event

T = {name: i for i, name in enumerate(EVENT_TYPES)}
# Order of events that share a millisecond: start first, snapshots after joins/leaves, end last.
PRIO = np.array(
    [
        0
        if t == "live_start"
        else 9
        if t == "live_end"
        else 8
        if t == "viewers"
        else 1
        if t in ("pin", "ad_spend")
        else 7
        if t == "stock"
        else 5
        for t in EVENT_TYPES
    ],
    dtype=np.int8,
)
MIN_MS = 60_000
SNAPSHOT_MS = 10_000  # viewer-count snapshots every 10 s
SPAN_MS = 59_990  # events inside a minute fall in [0, SPAN_MS); stock and viewers come after
BUYER = {"follow_prob": 0.30, "fan_club_prob": 0.10}  # fan club is a subset of followers
ENGAGE = {
    "comment": 0.08,
    "like": 0.05,
    "share": 0.004,
    "follow": 0.006,
    "fan_club_join": 0.0008,
    "gift": 0.002,
    "impression_share": 0.6,
}
COLS = ("ts", "type", "sku", "src", "cnt", "num", "amt", "phase")


@dataclass
class RoomLog:
    """A session's events as parallel arrays, sorted in time order. ``sku`` is the line-up
    position (-1 none); ``cnt`` holds count/level/quantity; ``num`` the order number (order and
    buyer ids), or for follow/fan-club events the buyer's order number (-1 none); ``amt`` the
    price, ad amount or gift diamonds; ``phase`` 0 live, 1 closing."""

    plan: SessionPlan
    cols: dict[str, np.ndarray]
    golden_g: float = 1.0
    push: float = 1.0
    stockout_minute: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.cols["ts"])


class _Buf:
    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, typ: str, ts: np.ndarray, **kw: np.ndarray | int | float) -> None:
        n = len(ts)
        part = {"ts": np.asarray(ts, np.int64), "type": np.full(n, T[typ], np.int8)}
        for c, dflt, dtype in (
            ("sku", -1, np.int32),
            ("src", -1, np.int8),
            ("cnt", -1, np.int64),
            ("num", -1, np.int64),
            ("amt", np.nan, np.float64),
            ("phase", -1, np.int8),
        ):
            part[c] = np.broadcast_to(np.asarray(kw.get(c, dflt), dtype), n).copy()
        self.parts.append(part)

    def frame(self) -> dict[str, np.ndarray]:
        cols = {c: np.concatenate([p[c] for p in self.parts]) for c in COLS}
        order = np.lexsort((PRIO[cols["type"]], cols["ts"]))
        return {c: v[order] for c, v in cols.items()}


def simulate(plan: SessionPlan, seed: int) -> RoomLog:
    """Generate one session's events (ts in ms from the live's start until `to_events`)."""
    rng = np.random.default_rng([seed, 2, plan.index])
    end = plan.minutes * MIN_MS
    g_min = min(GOLDEN["minutes"], plan.minutes)
    buf = _Buf()
    remaining = plan.stock.copy()
    joins, leaves = _arrivals(rng, plan, 0, g_min, 1.0, buf)
    online = _online(joins, leaves, plan.minutes)
    orders_60 = _funnel(rng, plan, 0, g_min, online, remaining, buf)
    entries_60 = len(joins)
    g = np.sqrt(
        entries_60
        / max(plan.expected_entries_60, 1.0)
        * (orders_60 + 1)
        / (plan.expected_orders_60 + 1)
    )
    push = float(np.clip(g, 1 / GOLDEN["clip"], GOLDEN["clip"]) ** GOLDEN["gamma"])
    if plan.minutes > g_min:
        j2, l2 = _arrivals(rng, plan, g_min, plan.minutes, push, buf)
        joins, leaves = np.concatenate([joins, j2]), np.concatenate([leaves, l2])
        online = _online(joins, leaves, plan.minutes)
        _funnel(rng, plan, g_min, plan.minutes, online, remaining, buf)
    _room_events(rng, plan, online, buf)
    _viewer_snapshots(joins, leaves, plan.minutes, buf)
    buf.add("live_start", [0])
    buf.add("live_end", [end])
    cols = buf.frame()
    extra = _Buf()
    _number_orders(rng, cols, end, extra)
    _stock_events(cols, plan, extra)
    extra.parts.append(cols)
    cols = extra.frame()
    log = RoomLog(plan, cols, float(g), push)
    log.stockout_minute = _stockouts(plan, cols)
    return log


def _arrivals(rng, plan, t0, t1, push, buf) -> tuple[np.ndarray, np.ndarray]:
    rate = plan.rate[:, t0:t1].copy()
    first = np.arange(t0, t1) < GOLDEN["minutes"]
    rate[0] *= np.where(first, plan.heat, push)
    rate[4:] *= np.where(first, 1.0, push)[None, :]  # search and other follow the push too
    counts = rng.poisson(rate)
    src = np.repeat(np.repeat(np.arange(len(SOURCES)), t1 - t0), counts.ravel())
    minute = np.repeat(np.tile(np.arange(t0, t1), len(SOURCES)), counts.ravel())
    ts = minute * MIN_MS + rng.integers(0, SPAN_MS, len(minute))
    stay = np.maximum(1000, rng.exponential(STAY_MIN[src] * MIN_MS)).astype(np.int64)
    leave = ts + stay
    buf.add("join", ts, src=src)
    gone = leave < plan.minutes * MIN_MS
    buf.add("leave", leave[gone])
    return np.sort(ts), np.sort(leave[gone])


def _online(joins: np.ndarray, leaves: np.ndarray, minutes: int) -> np.ndarray:
    """Viewers online at the end of each minute (the `viewers` snapshot, at ms 59,999)."""
    t = np.arange(1, minutes + 1) * MIN_MS - 1
    return np.searchsorted(joins, t, "right") - np.searchsorted(leaves, t, "right")


def _viewer_snapshots(joins: np.ndarray, leaves: np.ndarray, minutes: int, buf: _Buf) -> None:
    """The room's viewer count every 10 seconds (as TikTok's viewer-count updates come), each the
    joins minus leaves so far; the last of a minute (at ms 59,999) is that minute's `online`."""
    t = (np.arange(minutes * 6) + 1) * SNAPSHOT_MS - 1
    buf.add(
        "viewers", t, cnt=np.searchsorted(joins, t, "right") - np.searchsorted(leaves, t, "right")
    )


def _funnel(rng, plan, t0, t1, online, remaining, buf) -> int:
    """Clicks, add-to-carts and orders for minutes [t0, t1); returns the orders kept."""
    heat = np.where(np.arange(t0, t1) < GOLDEN["minutes"], plan.heat, 1.0)
    w = pin_weights(plan)[t0:t1]
    lam = online[t0:t1, None] * heat[:, None] * w * plan.click[None, :]
    clicks = rng.poisson(lam)
    atc_p = np.maximum(LIVE["atc_rate"], plan.ctor)
    atc = rng.binomial(clicks, atc_p[None, :])
    orders = rng.binomial(atc, (plan.ctor / atc_p)[None, :])
    for typ, mat in (("product_click", clicks), ("add_to_cart", atc)):
        _per_minute_events(rng, buf, typ, mat, t0)
    mins, skus = np.nonzero(orders)
    k = orders[mins, skus]
    mins, skus = np.repeat(mins + t0, k), np.repeat(skus, k)
    ts = mins * MIN_MS + rng.integers(0, SPAN_MS, len(mins))
    qty = 1 + rng.poisson(LIVE["extra_units_mean"], len(mins))
    order = np.argsort(ts, kind="stable")
    ts, skus, qty = ts[order], skus[order], qty[order]
    keep = np.zeros(len(ts), bool)
    for j in range(len(plan.skus)):  # buy only if in stock for the quantity asked
        idx = np.flatnonzero(skus == j)
        for i in idx:
            if qty[i] <= remaining[j]:
                remaining[j] -= qty[i]
                keep[i] = True
    buf.add(
        "order",
        ts[keep],
        sku=skus[keep],
        cnt=qty[keep],
        amt=plan.price[skus[keep]],
        num=np.zeros(int(keep.sum()), np.int64),
    )
    return int(keep.sum())


def _per_minute_events(rng, buf, typ, mat, t0) -> None:
    mins, skus = np.nonzero(mat)
    k = mat[mins, skus]
    mins, skus = np.repeat(mins + t0, k), np.repeat(skus, k)
    buf.add(typ, mins * MIN_MS + rng.integers(0, SPAN_MS, len(mins)), sku=skus)


def _stock_events(cols: dict[str, np.ndarray], plan: SessionPlan, buf: _Buf) -> None:
    """The level at the live's start, then after each minute in which a SKU sold."""
    n = len(plan.skus)
    buf.add("stock", np.zeros(n, np.int64), sku=np.arange(n), cnt=plan.stock)
    is_order = cols["type"] == T["order"]
    mins, skus, qty = cols["ts"][is_order] // MIN_MS, cols["sku"][is_order], cols["cnt"][is_order]
    for j in range(n):
        sel = skus == j
        if not sel.any():
            continue
        m, first = np.unique(mins[sel], return_index=True)
        sold = np.add.reduceat(qty[sel], first)
        buf.add("stock", m * MIN_MS + 59_995, sku=j, cnt=plan.stock[j] - np.cumsum(sold))


def _room_events(rng, plan, online, buf) -> None:
    """Snapshots, pins, ads, impressions and engagement, per minute."""
    n = plan.minutes
    base = np.arange(n) * MIN_MS
    change = np.flatnonzero(np.r_[True, plan.pin[1:] != plan.pin[:-1]])
    buf.add("pin", base[change], sku=plan.pin[change])
    paid = np.flatnonzero(plan.spend > 0)
    buf.add(
        "ad_spend",
        base[paid] + 1,
        amt=plan.spend[paid],
        phase=(paid >= plan.closing_from).astype(np.int8),
    )
    imp = rng.binomial(online, ENGAGE["impression_share"])
    shown = np.flatnonzero(imp > 0)
    buf.add("product_impression", base[shown] + 2, sku=plan.pin[shown], cnt=imp[shown])
    heat = np.where(np.arange(n) < GOLDEN["minutes"], plan.heat, 1.0)
    for typ in ("comment", "like", "share", "follow", "fan_club_join", "gift"):
        k = rng.poisson(online * heat * ENGAGE[typ])
        mins = np.repeat(np.arange(n), k)
        ts = mins * MIN_MS + rng.integers(0, SPAN_MS, len(mins))
        if typ == "like":
            buf.add(typ, ts, cnt=1 + rng.poisson(4, len(ts)))
        elif typ == "gift":
            cnt = 1 + rng.poisson(1, len(ts))
            buf.add(typ, ts, cnt=cnt, amt=cnt * rng.choice([1, 5, 10, 99], len(ts)))
        else:
            buf.add(typ, ts)


def _number_orders(rng, cols, end, buf) -> None:
    """Orders numbered in time order (ids ``<session>-o<n>``, buyer ``<session>-b<n>``); some
    buyers follow the room, and some of those join its fan club, seconds after buying."""
    is_order = cols["type"] == T["order"]
    n = int(is_order.sum())
    cols["num"][is_order] = np.arange(n)
    ts = cols["ts"][is_order]
    follow = rng.random(n) < BUYER["follow_prob"]
    fan = follow & (rng.random(n) < BUYER["fan_club_prob"] / BUYER["follow_prob"])
    delay = rng.integers(1000, 30_000, n)
    for typ, mask, extra in (("follow", follow, 0), ("fan_club_join", fan, 5000)):
        t = ts + delay + extra
        ok = mask & (t < end)
        buf.add(typ, t[ok], num=np.flatnonzero(ok))


def _stockouts(plan: SessionPlan, cols: dict[str, np.ndarray]) -> np.ndarray:
    out = np.full(len(plan.skus), -1, np.int64)
    st = np.flatnonzero((cols["type"] == T["stock"]) & (cols["cnt"] == 0))
    for i in st:
        j = cols["sku"][i]
        if out[j] < 0:
            out[j] = cols["ts"][i] // MIN_MS
    return out


def to_events(log: RoomLog) -> Iterator[Event]:
    """The stream as `Event` objects with ids ``<session>-<n:07d>`` in time order."""
    p = log.plan
    sid, start, cur = p.session_id, p.start_ms, p.currency
    skus = p.sku_names
    c = log.cols
    names = EVENT_TYPES
    for n in range(len(c["ts"])):
        typ = names[c["type"][n]]
        e = Event(f"{sid}-{n:07d}", sid, start + int(c["ts"][n]), typ)
        _fill(e, typ, c, n, p, cur, skus)
        yield e


def _fill(e: Event, typ: str, c, n: int, p: SessionPlan, cur: str, skus: list[str]) -> None:
    sku = int(c["sku"][n])
    if sku >= 0:
        e.sku_id = skus[sku]
    cnt, num, amt = int(c["cnt"][n]), int(c["num"][n]), float(c["amt"][n])
    if typ == "live_start":
        e.planned_minutes, e.market, e.currency = p.minutes, p.market_code, cur
    elif typ == "viewers":
        e.count = cnt
    elif typ == "join":
        e.source = SOURCES[int(c["src"][n])]
    elif typ in ("like", "product_impression"):
        e.count = cnt
    elif typ == "gift":
        e.count, e.diamonds = cnt, int(amt)
    elif typ in ("follow", "fan_club_join") and num >= 0:
        e.user_id = f"{p.session_id}-b{num}"
    elif typ == "order":
        e.order_id, e.buyer_id = f"{p.session_id}-o{num}", f"{p.session_id}-b{num}"
        e.quantity, e.price, e.currency = cnt, amt, cur
    elif typ == "ad_spend":
        e.amount, e.currency = amt, cur
        e.phase = "closing" if c["phase"][n] == 1 else "live"
    elif typ == "stock":
        e.level = cnt
