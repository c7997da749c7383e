"""The overview read through the query layer (UTC quarter hours, converted in pandas) shows what
the DuckDB SQL it replaced showed: GMV by local day and market, market totals, first and last
day, the latest lives in local time and the notes on unknown time zones. Amounts within rtol
1e-9 (sums are added in another order), everything else exactly. Checked on the demo, the
report's sample workspace and a workspace of odd zones and daylight-saving shifts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import livecart
from livecart.report import overview
from tests.report.sample_workspace import build as build_sample
from tests.report.sample_workspace import frame

# what report/overview.py ran before it read from the query layer
LINES_SQL = """
    SELECT o.order_id, o.buyer_id, o.quantity, o.subtotal,
           coalesce(o.market, '') AS market,
           coalesce(o.currency, m.currency) AS currency,
           CAST(timezone(coalesce(tz.name, 'UTC'),
                         timezone('UTC', coalesce(o.paid_at, o.created_at))) AS DATE) AS day,
           (lower(coalesce(o.status, '')) LIKE '%cancel%'
            OR lower(coalesce(o.cancel_return_type, '')) LIKE '%cancel%') AS cancelled,
           lower(coalesce(o.status, '')) IN ('unpaid', 'awaiting payment', 'pending') AS unpaid
    FROM orders o
    LEFT JOIN markets m ON m.market = o.market
    LEFT JOIN (SELECT name FROM pg_timezone_names()) tz ON tz.name = m.timezone
"""
DAYS_SQL = (
    f"SELECT market, currency, day, sum(coalesce(subtotal, 0)) AS gmv "
    f"FROM ({LINES_SQL}) WHERE NOT cancelled AND NOT unpaid GROUP BY ALL ORDER BY day, market"
)
MARKETS_SQL = f"""
    SELECT l.market, l.currency, coalesce(m.timezone, 'UTC') AS timezone,
           sum(coalesce(l.subtotal, 0)) AS gmv, count(DISTINCT l.order_id) AS orders,
           coalesce(sum(l.quantity), 0) AS units, count(DISTINCT l.buyer_id) AS buyers
    FROM ({LINES_SQL}) l LEFT JOIN markets m ON m.market = l.market
    WHERE NOT l.cancelled AND NOT l.unpaid GROUP BY ALL ORDER BY l.market, l.currency"""
RECENT_SQL = """
    SELECT s.session_id, s.title, coalesce(s.market, '') AS market,
           coalesce(tz.name, 'UTC') AS timezone,
           timezone(coalesce(tz.name, 'UTC'), timezone('UTC', s.actual_start)) AS start_local,
           (epoch(s.actual_end) - epoch(s.actual_start)) / 3600.0 AS hours,
           s.gmv, coalesce(s.currency, m.currency) AS currency
    FROM sessions s LEFT JOIN markets m ON m.market = s.market
    LEFT JOIN (SELECT name FROM pg_timezone_names()) tz ON tz.name = m.timezone
    ORDER BY s.actual_start DESC NULLS LAST, s.session_id LIMIT ?"""
BAD_TZ_SQL = (
    "SELECT market, timezone FROM markets WHERE timezone NOT IN "
    "(SELECT name FROM pg_timezone_names()) ORDER BY market"
)
ZONES = {  # market -> (currency, zone): odd offsets, DST both ways, and a name that is no zone
    "NP": ("NPR", "Asia/Kathmandu"),
    "NZ": ("NZD", "Pacific/Chatham"),
    "AU": ("AUD", "Australia/Lord_Howe"),
    "US": ("USD", "America/New_York"),
    "UK": ("GBP", "Europe/London"),
    "XX": ("USD", "Mars/Olympus"),
}


def _zones_workspace(path):
    rng = np.random.default_rng(16)
    n = 1500
    paid_after = rng.integers(0, 900, n).astype("timedelta64[s]")
    shift = pd.to_datetime(["2026-03-08 07:00", "2026-11-01 06:00", "2026-03-29 01:00"])
    t = shift.values[rng.integers(0, 3, n)] + rng.integers(-86400, 86400, n).astype(
        "timedelta64[s]"
    )
    markets = list(ZONES) + [None]
    orders = [
        {
            "order_id": f"o{i // 2}",
            "sku_id": "A",
            "buyer_id": f"b{rng.integers(0, 300)}",
            "market": markets[rng.integers(0, len(markets))],
            "quantity": int(rng.integers(1, 4)),
            "subtotal": None if i % 97 == 0 else round(float(rng.uniform(1, 80)), 2),
            "created_at": t[i],
            "paid_at": None if i % 11 == 0 else t[i] + paid_after[i],
            "status": ["Completed", "Cancelled", "Unpaid", "Shipped"][int(rng.integers(0, 4))],
            "channel": "live",
        }
        for i in range(n)
    ]
    sessions = [
        {
            "session_id": f"s{i:02d}",
            "title": f"live {i}",
            "market": markets[i % len(markets)],
            "actual_start": None if i == 3 else t[i * 40],
            "actual_end": None if i == 3 else t[i * 40] + np.timedelta64(5400 + i, "s"),
            "gmv": float(i),
        }
        for i in range(30)
    ]
    with livecart.init(path) as ws:
        ws.upsert(
            "markets",
            frame(
                "markets",
                [
                    {"market": m, "name": m, "currency": c, "timezone": z}
                    for m, (c, z) in ZONES.items()
                ],
            ),
        )
        ws.upsert("orders", frame("orders", orders))
        ws.upsert("sessions", frame("sessions", sessions))
    return path


@pytest.fixture(params=["demo", "sample", "zones"])
def workspace(request, demo_path, tmp_path):
    if request.param == "demo":
        return demo_path
    if request.param == "sample":
        return build_sample(tmp_path / "ws")
    return _zones_workspace(tmp_path / "ws")


def _records(df: pd.DataFrame) -> pd.DataFrame:
    return df.reset_index(drop=True).replace({np.nan: None})


def test_the_overview_shows_what_its_sql_showed(workspace):
    with livecart.open(workspace, read_only=True) as ws:
        got = overview(ws, recent=12)
        days, markets = ws.query(DAYS_SQL), ws.query(MARKETS_SQL)
        recent, bad = ws.query(RECENT_SQL, [12]), ws.query(BAD_TZ_SQL)
        span = ws.query(f"SELECT min(day), max(day) FROM ({LINES_SQL})").iloc[0]
    assert len(days) > 0 and len(recent) > 0
    g = pd.DataFrame([d.model_dump() for d in got.gmv_by_day])
    g["day"] = pd.to_datetime(g["day"])
    days["day"] = pd.to_datetime(days["day"])
    key = ["day", "market", "currency"]  # the SQL left currencies of one day and market unordered
    pd.testing.assert_frame_equal(
        g[list(days.columns)].sort_values(key, ignore_index=True),
        days.sort_values(key, ignore_index=True),
        check_dtype=False,
        rtol=1e-9,
    )
    m = pd.DataFrame([x.model_dump() for x in got.markets])
    m = m.sort_values(["market", "currency"], ignore_index=True, na_position="last")
    pd.testing.assert_frame_equal(
        _records(m[list(markets.columns)]), _records(markets), check_dtype=False, rtol=1e-9
    )
    r = pd.DataFrame([x.model_dump() for x in got.recent_sessions])
    r["start_local"] = pd.to_datetime(r["start_local"])
    recent["start_local"] = recent["start_local"].astype("datetime64[us]")
    pd.testing.assert_frame_equal(
        _records(r[list(recent.columns)]), _records(recent), check_dtype=False, rtol=1e-9
    )
    assert (got.first_day, got.last_day) == (span.iloc[0].date(), span.iloc[1].date())
    noted = [n for n in got.notes if "unknown time zone" in n]
    assert noted == [
        f"market {x.market} has an unknown time zone {x.timezone!r}: its days are shown in UTC. "
        "Re-import markets with an IANA name such as Asia/Jakarta."
        for x in bad.itertuples()
    ]
