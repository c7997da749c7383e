"""The compiled fold (engine.aggregate) against a reference: the monitor's rules written as a plain
loop over one event at a time (watermark, lateness, duplicates, currency, minutes, SKU totals,
stock left, viewer snapshots), on disordered, duplicated, late, early and foreign-currency
streams of two rooms fed in random batches."""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livecart.live import Monitor, minute_frame, sku_table
from livecart.model.events import MINUTE_METRICS, Event
from tests.live.synth import METRIC_OF_TYPE, T0, synth_session

LATENESS_MS = 30_000
WEIGHTED = ("like", "product_impression", "gift")
METRIC = METRIC_OF_TYPE
SKU_COL = {"product_impression": 0, "product_click": 1, "add_to_cart": 2, "order": 3}


class Reference:
    """One event at a time, as the monitor's docstrings state the rules."""

    def __init__(self) -> None:
        self.start: dict[str, int] = {}
        self.wm: dict[str, int] = {}
        self.last: dict[str, int] = {}
        self.cur: dict[str, str | None] = {}
        self.seen: set[str] = set()
        self.dropped: dict = defaultdict(lambda: defaultdict(int))
        self.minutes: dict = defaultdict(lambda: defaultdict(float))
        self.viewers: dict = {}  # (sid, minute) -> [peak, last, last_ts]
        self.sku: dict = defaultdict(lambda: [0.0] * 6)
        self.stock: dict = {}  # (sid, sku) -> (level, ts)
        self.orders: dict = defaultdict(list)  # (sid, sku) -> [(ts, q, minute)]

    def feed(self, e: Event) -> None:
        if e.type == "live_start":
            if e.session_id not in self.start:
                self.start[e.session_id] = self.wm[e.session_id] = self.last[e.session_id] = e.ts
                self.cur[e.session_id] = e.currency
                self.seen.add(e.id)
            return
        s = e.session_id
        m = (e.ts - self.start[s]) // 60000
        if m < 0:
            self.dropped[s]["before_start"] += 1
            return
        self.wm[s] = max(self.wm[s], min(e.ts, self.last[s] + LATENESS_MS))
        self.last[s] = e.ts
        if e.ts < self.wm[s] - LATENESS_MS:
            self.dropped[s]["late"] += 1
            return
        if e.id in self.seen:
            self.dropped[s]["duplicate"] += 1
            return
        self.seen.add(e.id)
        if e.type in ("order", "ad_spend"):
            if self.cur[s] is None:
                self.cur[s] = e.currency
            elif e.currency != self.cur[s]:
                self.dropped[s]["currency"] += 1
                return
        d = self.minutes[(s, m)]
        d["_open"] = 1.0
        if e.type in METRIC:
            d[METRIC[e.type]] += (e.count or 1) if e.type in WEIGHTED else 1
        if e.type == "order":
            d["units"] += e.quantity
            d["gmv"] += e.quantity * e.price
        if e.type == "join":
            d[f"traffic_{e.source}"] += 1
        if e.type == "viewers":
            v = self.viewers.setdefault((s, m), [0.0, 0.0, -1])
            v[0] = max(v[0], e.count)
            if e.ts >= v[2]:
                v[1], v[2] = e.count, e.ts
        if e.type in SKU_COL:
            t = self.sku[(s, e.sku_id)]
            t[SKU_COL[e.type]] += (e.count or 1) if e.type == "product_impression" else 1
            if e.type == "order":
                t[4] += e.quantity
                t[5] += e.quantity * e.price
                self.orders[(s, e.sku_id)].append((e.ts, e.quantity, m))
        if e.type == "stock":
            old = self.stock.get((s, e.sku_id))
            if old is None or e.ts >= old[1]:
                self.stock[(s, e.sku_id)] = (e.level, e.ts)
            self.sku[(s, e.sku_id)]  # a counted SKU is listed

    def stock_left(self, s: str, sku: str) -> float:
        if (s, sku) not in self.stock:
            return np.nan
        level, ts = self.stock[(s, sku)]
        return max(level - sum(q for t, q, _ in self.orders[(s, sku)] if t >= ts), 0.0)


def disorder(events: list[Event], rng: np.random.Generator) -> list[Event]:
    """Local shuffles, re-sent events, a few far-late and early ones, a foreign currency."""
    out = list(events[:2])  # the starts first
    rest = list(events[2:])
    for i in range(0, len(rest), 40):  # shuffle within blocks (late within ~a minute)
        block = rest[i : i + 40]
        rng.shuffle(block)
        out += block
    for j in rng.choice(len(out) - 2, size=len(out) // 20, replace=False):
        k = min(len(out), int(j) + 2 + int(rng.integers(0, 200)))
        out.insert(k, out[int(j) + 2])  # a duplicate, some time later
    pos = int(rng.integers(len(out) // 2, len(out)))
    late = out[2 + int(rng.integers(0, 50))]
    out.insert(pos, Event("late-1", late.session_id, late.ts, "comment"))
    s0 = events[0]
    out.insert(pos, Event("early-1", s0.session_id, s0.ts - 5000, "comment"))
    out.insert(
        pos,
        Event(
            "eur-1",
            s0.session_id,
            out[pos].ts,
            "order",
            order_id="X",
            sku_id="A",
            quantity=1,
            price=3.0,
            currency="EUR",
        ),
    )
    return out


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(1, 400), min_size=1, max_size=8))
def test_the_fold_matches_one_event_at_a_time(seed, cuts):
    rng = np.random.default_rng(seed)
    a = synth_session("A", minutes=4, seed=seed, stock={"A": 40})
    b = synth_session("B", minutes=3, seed=seed + 1, skus=("A", "C"))
    merged = sorted(a[1:] + b[1:], key=lambda e: e.ts)
    t = a[-1].ts - 20_000  # a recount that arrives after orders stamped later than it
    merged += [
        Event(
            f"A-late-order-{k}",
            "A",
            t + 1000 * k,
            "order",
            order_id=f"LO{k}",
            sku_id="A",
            quantity=2,
            price=1.0,
            currency="USD",
        )
        for k in range(3)
    ]
    merged.append(Event("A-stock-2", "A", t, "stock", sku_id="A", level=25))  # fmt: skip
    events = disorder([a[0], b[0], *merged], rng)
    ref = Reference()
    for e in events:
        ref.feed(e)
    mon = Monitor(lateness_seconds=LATENESS_MS // 1000)
    i = 0
    for c in itertools.cycle(cuts):
        if i >= len(events):
            break
        mon.feed(events[i : i + c])
        i += c
    for sid in ("A", "B"):
        state = mon.sessions[sid]
        for reason in ("late", "duplicate", "before_start", "currency"):
            assert state.dropped[reason] == ref.dropped[sid][reason], (sid, reason)
        f = minute_frame(state).set_index("minute")
        opened = sorted(m for s, m in ref.minutes if s == sid)
        assert len(f) == opened[-1] + 1
        for m in opened:
            d = ref.minutes[(sid, m)]
            for k in (m.name for m in MINUTE_METRICS):  # 0 where no event adds to it
                assert f.at[m, k] == pytest.approx(d.get(k, 0.0)), (sid, m, k)
            if (sid, m) in ref.viewers:
                peak, last, _ = ref.viewers[(sid, m)]
                assert (f.at[m, "viewers_peak"], f.at[m, "viewers_last"]) == (peak, last)
        skus = sku_table(state).set_index("sku_id")
        want = sorted(k for s, k in ref.sku if s == sid)
        assert list(skus.index) == want
        for k in want:
            got = skus.loc[k, ["product_impressions", "product_clicks", "add_to_carts",
                               "orders", "units", "gmv"]]  # fmt: skip
            assert list(got) == pytest.approx(ref.sku[(sid, k)]), (sid, k)
            assert skus.loc[k, "stock_left"] == pytest.approx(ref.stock_left(sid, k), nan_ok=True)


def test_units_per_minute_reads_the_last_complete_minutes():
    ev = [Event("s", "K", T0, "live_start", currency="USD")]
    for m, q in enumerate([1, 2, 3, 4, 5, 6]):
        ev.append(Event(f"o{m}", "K", T0 + m * 60000 + 10, "order", order_id=f"O{m}",
                        sku_id="A", quantity=q, price=1.0, currency="USD"))  # fmt: skip
    mon = Monitor()
    mon.feed(ev)  # the clock is in minute 5: minutes 2, 3, 4 are the last three complete
    row = sku_table(mon.sessions["K"], window=3).set_index("sku_id").loc["A"]
    assert row["units_per_minute"] == pytest.approx((3 + 4 + 5) / 3)


def test_sessions_growing_past_their_first_rows_keep_their_minutes():
    """Sessions move in the pool when they outgrow it; every minute goes with them."""
    evs = [synth_session(f"R{i}", minutes=70 + 10 * i, seed=i) for i in range(4)]
    mon = Monitor()
    mon.feed([e[0] for e in evs])
    for m in range(0, 130, 7):  # the rooms interleaved, minute block by minute block
        for e in evs:
            mon.feed([x for x in e[1:] if m <= (x.ts - T0) // 60000 < m + 7])
    for i, e in enumerate(evs):
        f = minute_frame(mon.sessions[f"R{i}"])
        assert len(f) == 70 + 10 * i
        assert f["comments"].sum() == sum(1 for x in e if x.type == "comment")
        assert f["gmv"].sum() == pytest.approx(sum(x.quantity * x.price for x in e
                                                   if x.type == "order"))  # fmt: skip
