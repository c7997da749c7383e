"""The per-minute metrics stored for a session are the aggregation of that session's raw event
stream, recomputed here independently from the parsed events."""

from __future__ import annotations

import collections

import pandas as pd
import pytest

import livecart
from livecart.demo import session_events
from livecart.model.events import MINUTE_METRICS, parse_event

SESSIONS = ("L0001", "L0007", "L0019")


def _aggregate(events) -> pd.DataFrame:
    start = events[0].ts
    rows: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    online = 0
    peaks: dict[int, int] = {}
    for e in events:
        if e.type in ("live_start", "live_end"):
            continue
        m = (e.ts - start) // 60_000
        r = rows[m]
        if e.type == "join":
            online += 1
            r["entries"] += 1
            r[f"traffic_{e.source}"] += 1
        elif e.type == "leave":
            online -= 1
            r["exits"] += 1
        elif e.type == "viewers":  # time-ordered: the minute's last snapshot wins
            r["viewers_online"] = e.count
            peaks[m] = max(peaks.get(m, 0), e.count)
        elif e.type == "order":
            r["orders"] += 1
            r["units"] += e.quantity
            r["gmv"] += e.quantity * e.price
        elif e.type == "ad_spend":
            r["ad_spend"] += e.amount
        else:
            key = {
                "follow": "new_followers",
                "fan_club_join": "fan_club_joins",
                "comment": "comments",
                "share": "shares",
                "like": "likes",
                "gift": "gifts",
                "product_impression": "product_impressions",
                "product_click": "product_clicks",
                "add_to_cart": "add_to_carts",
            }.get(e.type)
            if key:
                r[key] += e.count if e.type in ("like", "gift", "product_impression") else 1
    assert online >= 0  # never more leaves than joins
    out = pd.DataFrame.from_dict(rows, orient="index").fillna(0)
    out["viewers_peak"] = pd.Series(peaks)
    return out.sort_index()


@pytest.mark.parametrize("session_id", SESSIONS)
def test_live_minutes_equal_the_aggregation_of_the_raw_events(demo_path, session_id):
    events = list(session_events(demo_path, session_id))
    agg = _aggregate(events)
    with livecart.open(demo_path, read_only=True) as ws:
        lm = ws.query(
            "SELECT * FROM live_minutes WHERE session_id = ? ORDER BY minute", [session_id]
        ).set_index("minute")
    assert len(lm) == events[0].planned_minutes == len(agg)
    cols = ["viewers_online", "viewers_peak", *(m.name for m in MINUTE_METRICS if not m.money)]
    for c in cols:
        assert (lm[c].to_numpy() == agg[c].to_numpy()).all(), c
    assert lm["gmv"].to_numpy() == pytest.approx(agg["gmv"].to_numpy(), rel=1e-9, abs=1e-6)
    assert lm["ad_spend"].to_numpy() == pytest.approx(agg["ad_spend"].to_numpy(), abs=1e-6)
    assert lm["entries"].sum() > 1000 and lm["orders"].sum() > 10  # a real session, not empty


def test_event_stream_is_ordered_unique_and_framed_by_start_and_end(demo_path):
    events = list(session_events(demo_path, "L0002"))
    assert events[0].type == "live_start" and events[-1].type == "live_end"
    assert events[0].market and events[0].currency and events[0].planned_minutes
    assert [e.ts for e in events] == sorted(e.ts for e in events)
    assert len({e.id for e in events}) == len(events)
    # every event survives the JSON-lines wire format unchanged
    for e in events[:: max(1, len(events) // 500)]:
        assert parse_event(e.to_json()) == e
    types = collections.Counter(e.type for e in events)
    for t in (
        "join",
        "leave",
        "viewers",
        "order",
        "pin",
        "stock",
        "ad_spend",
        "product_click",
        "follow",
    ):
        assert types[t] > 0, t
    sources = {e.source for e in events if e.type == "join"}
    assert {"foryou", "follows", "video", "ads", "search"} <= sources


def test_orders_and_stock_in_the_tables_match_the_events(demo_path):
    sid = "L0005"
    events = list(session_events(demo_path, sid))
    with livecart.open(demo_path, read_only=True) as ws:
        orders = ws.query("SELECT * FROM orders WHERE session_id = ?", [sid]).set_index("order_id")
        sp = ws.query("SELECT * FROM session_products WHERE session_id = ?", [sid]).set_index(
            "sku_id"
        )
    ev = [e for e in events if e.type == "order"]
    assert len(ev) == len(orders) > 0
    for e in ev:
        row = orders.loc[e.order_id]
        assert row["sku_id"] == e.sku_id and row["quantity"] == e.quantity
        assert row["buyer_id"] == e.buyer_id
        assert row["subtotal"] == pytest.approx(e.quantity * e.price)
        assert abs(row["created_at"].value // 1_000_000 - e.ts) <= 1
    sold = collections.Counter()
    for e in ev:
        sold[e.sku_id] += e.quantity
    last_level = {e.sku_id: e.level for e in events if e.type == "stock"}
    for sku, r in sp.iterrows():
        assert r["stock_end"] == r["stock_start"] - sold[sku] == last_level[sku]
        assert pd.isna(r["stockout_minute"]) == (r["stock_end"] > 0)


def test_session_events_names_the_valid_range_for_an_unknown_session(demo_path):
    from livecart.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match="L0001"):
        list(session_events(demo_path, "L9999"))
