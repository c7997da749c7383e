"""The Ibis query layer on DuckDB gives exactly what the hand-written SQL it replaces gave.

Each reference query below is the SQL its caller ran before it read from the layer; the layer's
frame must equal it row for row (sorted on the key, numbers within rtol 1e-9)."""

from __future__ import annotations

import pandas as pd
import pytest

import livecart
from livecart.store.query import (
    EXPRESSIONS,
    QueryEngineError,
    duckdb_engine,
    engine_for,
    export_parquet,
    frame,
    parquet_engine,
    spark_engine,
)

PAID_ORDERS_SQL = """
    SELECT o.buyer_id, o.order_id, min(coalesce(o.paid_at, o.created_at)) AS ts,
           CAST(min(coalesce(o.paid_at, o.created_at)) AS DATE) AS day,
           coalesce(o.currency, m.currency) AS currency,
           coalesce(o.market, b.market, '') AS market,
           sum(coalesce(o.order_amount, o.subtotal, 0)) AS amount
    FROM orders o
    LEFT JOIN markets m ON m.market = o.market
    LEFT JOIN buyers b ON b.buyer_id = o.buyer_id
    WHERE o.buyer_id IS NOT NULL
      AND NOT (lower(coalesce(o.status, '')) LIKE '%cancel%'
               OR lower(coalesce(o.cancel_return_type, '')) LIKE '%cancel%')
      AND lower(coalesce(o.status, '')) NOT IN ('unpaid', 'awaiting payment', 'pending')
    GROUP BY o.buyer_id, o.order_id, coalesce(o.currency, m.currency),
             coalesce(o.market, b.market, '')
"""
REFERENCE = {
    "paid_orders": (PAID_ORDERS_SQL, ["order_id"]),
    "first_purchases": (
        "SELECT buyer_id, session_id, sku_id FROM orders WHERE buyer_id IS NOT NULL "
        "QUALIFY row_number() OVER (PARTITION BY buyer_id "
        "ORDER BY created_at, order_id, sku_id) = 1",
        ["buyer_id"],
    ),
    "product_shares": (
        """SELECT session_id, sku_id,
           CASE WHEN sum(coalesce(pinned_minutes, 0)) OVER w > 0
                THEN coalesce(pinned_minutes, 0) / sum(coalesce(pinned_minutes, 0)) OVER w
                ELSE 1.0 / count(*) OVER w END AS share
        FROM session_products WINDOW w AS (PARTITION BY session_id)""",
        ["session_id", "sku_id"],
    ),
    "funnel_sessions": (
        "SELECT s.session_id, s.market, coalesce(s.host_ids, '') AS host, "
        "CAST(coalesce(s.actual_start, s.planned_start) AS DATE) AS day, "
        "coalesce(s.views, 0) AS viewers, coalesce(m.nf, s.new_followers, 0) AS new_followers, "
        "coalesce(m.fc, 0) AS fan_club_joins FROM sessions s LEFT JOIN ("
        "  SELECT session_id, sum(new_followers) nf, sum(fan_club_joins) fc FROM live_minutes"
        "  GROUP BY 1) m USING (session_id)",
        ["session_id"],
    ),
    "host_sessions": (
        "SELECT s.session_id, s.room, s.host_ids, s.market, s.currency, "
        "coalesce(s.actual_start, s.planned_start) AS start, "
        "date_diff('second', coalesce(s.actual_start, s.planned_start), "
        "coalesce(s.actual_end, s.planned_end)) / 60.0 AS minutes, "
        "s.views, s.avg_view_seconds, s.gmv, coalesce(a.spend, 0) AS ad_spend "
        "FROM sessions s LEFT JOIN (SELECT session_id, sum(spend) AS spend FROM ad_spend "
        "GROUP BY session_id) a USING (session_id) ORDER BY start, session_id",
        None,  # the order is part of the result
    ),
    "host_lines": (
        "SELECT sp.session_id, sp.sku_id, coalesce(p.category, 'other') AS category, "
        "sp.pinned_minutes, sp.price, sp.stockout_minute, coalesce(o.units, 0) AS units "
        "FROM session_products sp LEFT JOIN products p USING (sku_id) "
        "LEFT JOIN (SELECT session_id, sku_id, sum(quantity) AS units FROM orders "
        "WHERE channel = 'live' GROUP BY session_id, sku_id) o USING (session_id, sku_id)",
        ["session_id", "sku_id"],
    ),
    "product_test_videos": (
        "SELECT video_id, sku_id, market, posted_at, coalesce(views, 0) AS views, "
        "coalesce(product_clicks, 0) AS product_clicks, coalesce(orders, 0) AS orders, "
        "coalesce(gmv, 0) AS gmv, currency FROM videos WHERE purpose = 'test' "
        "ORDER BY posted_at, video_id",
        None,
    ),
    "ad_phases": (
        "SELECT session_id, any_value(market) AS market, phase, any_value(currency) AS currency, "
        "max(ts) AS ts, sum(spend) AS spend, sum(attributed_gmv) AS gmv, "
        "count(*) FILTER (WHERE currency IS NULL OR trim(currency) = '') AS no_currency "
        "FROM ad_spend WHERE session_id IS NOT NULL GROUP BY session_id, phase",
        ["session_id", "phase"],
    ),
    "order_minutes": (
        """SELECT o.session_id, o.sku_id,
           floor(date_diff('second', coalesce(s.actual_start, s.planned_start), o.created_at) / 60)
             AS minute,
           sum(o.quantity) AS units
        FROM orders o JOIN sessions s USING (session_id)
        WHERE o.channel = 'live' AND o.created_at IS NOT NULL
          AND coalesce(s.actual_start, s.planned_start) IS NOT NULL
          AND coalesce(lower(o.cancel_return_type), '') NOT LIKE '%cancel%'
          AND coalesce(lower(o.status), '') NOT LIKE '%cancel%'
        GROUP BY ALL""",
        ["session_id", "sku_id", "minute"],
    ),
    "stock_lineups": (
        """SELECT sp.session_id, sp.sku_id, s.market, s.host_ids, s.planned_start, s.planned_end,
           s.actual_start, sp.position, sp.role, sp.price,
           coalesce(sp.currency, s.currency, m.currency) AS currency, sp.stock_start,
           sp.stock_end, sp.stockout_minute, sp.first_pin_minute, sp.pinned_minutes,
           p.category, p.unit_cost, p.currency AS cost_currency, p.product_name, p.variation
        FROM session_products sp
        JOIN sessions s USING (session_id)
        LEFT JOIN products p USING (sku_id)
        LEFT JOIN markets m ON m.market = s.market""",
        ["session_id", "sku_id"],
    ),
    "live_units_sold": (
        """SELECT session_id, sku_id, sum(quantity) AS units FROM orders
        WHERE channel = 'live' AND session_id IS NOT NULL
          AND coalesce(lower(cancel_return_type), '') NOT LIKE '%cancel%'
          AND coalesce(lower(status), '') NOT LIKE '%cancel%'
        GROUP BY 1, 2""",
        ["session_id", "sku_id"],
    ),
    "warmup_videos": (
        "SELECT session_id, sku_id, posted_at, views, product_clicks, add_to_carts "
        "FROM videos WHERE purpose = 'warmup' AND session_id IS NOT NULL",
        ["session_id", "sku_id", "posted_at", "views", "product_clicks", "add_to_carts"],
    ),
    "session_spend": (
        "SELECT session_id, currency, sum(spend) AS spend FROM ad_spend "
        "WHERE session_id IS NOT NULL GROUP BY 1, 2",
        ["session_id", "currency"],
    ),
    "line_counts": (
        """SELECT count(*) AS lines,
           count(DISTINCT order_id) FILTER (WHERE NOT cancelled AND NOT unpaid) AS orders,
           coalesce(sum(quantity) FILTER (WHERE NOT cancelled AND NOT unpaid), 0) AS units,
           count(DISTINCT buyer_id) FILTER (WHERE NOT cancelled AND NOT unpaid) AS buyers,
           count(*) FILTER (WHERE cancelled) AS cancelled,
           count(*) FILTER (WHERE unpaid AND NOT cancelled) AS unpaid,
           count(*) FILTER (WHERE subtotal IS NULL AND NOT cancelled AND NOT unpaid)
               AS no_subtotal
        FROM (SELECT o.*,
              (lower(coalesce(o.status, '')) LIKE '%cancel%'
               OR lower(coalesce(o.cancel_return_type, '')) LIKE '%cancel%') AS cancelled,
              lower(coalesce(o.status, '')) IN ('unpaid', 'awaiting payment', 'pending')
                AS unpaid
              FROM orders o)""",
        None,
    ),
    "live_totals": (
        "SELECT count(*) AS sessions, coalesce(sum(epoch(actual_end) - epoch(actual_start)) "
        "FILTER (WHERE actual_end > actual_start), 0) AS live_seconds FROM sessions",
        None,
    ),
    # the models' remaining inputs (#16): each caller's SQL before it read from the layer, less
    # the market, session or time it kept (tests/store/test_query_inputs.py checks those)
    "catalog": (
        "SELECT sku_id, product_id, product_name, variation, category, price, unit_cost, "
        "currency FROM products",
        ["sku_id"],
    ),
    "creator_list": (
        "SELECT creator_id, coalesce(name, creator_id) AS name, kind, markets, categories, "
        "coalesce(followers, 0) AS followers, coalesce(fee, 0) AS fee, "
        "coalesce(commission_rate, 0) AS commission_rate, currency FROM creators "
        "ORDER BY creator_id",
        None,
    ),
    "host_availability": (
        "SELECT host_id, weekday, start_time, end_time, markets, max_hours_day, max_hours_week "
        "FROM host_availability ORDER BY host_id, weekday",
        ["host_id", "weekday", "start_time"],
    ),
    "inventory_snapshots": (
        "SELECT sku_id, location, as_of, on_hand, inbound, inbound_arrival, lead_time_days "
        "FROM inventory",
        ["sku_id", "location", "as_of"],
    ),
    "session_rows": ("SELECT * FROM sessions", ["session_id"]),
    "live_minute_rows": (
        "SELECT m.*, s.market FROM live_minutes m LEFT JOIN sessions s USING (session_id)",
        ["session_id", "minute"],
    ),
    "lineup_sessions": (
        "SELECT s.session_id, s.market, coalesce(s.planned_start, s.actual_start) AS start, "
        "count(sp.sku_id) AS skus FROM sessions s JOIN session_products sp USING (session_id) "
        "GROUP BY 1, 2, 3 ORDER BY start DESC NULLS LAST, 1",
        None,
    ),
    "sku_lives": (
        """SELECT sp.sku_id, s.market, s.session_id, s.actual_start, s.planned_start,
               coalesce(c.kind = 'store_account', false) AS store,
               coalesce((SELECT sum(o.quantity) FROM orders o WHERE o.session_id = s.session_id
                         AND o.sku_id = sp.sku_id), 0) AS units
        FROM session_products sp JOIN sessions s USING (session_id)
        LEFT JOIN creators c ON c.creator_id = s.room""",
        ["session_id", "sku_id"],
    ),
    "scale_videos": (
        """SELECT v.video_id, v.sku_id, v.market, v.posted_at FROM videos v
        LEFT JOIN creators c USING (creator_id)
        WHERE v.purpose <> 'test' AND coalesce(c.kind, '') <> 'koc'""",
        ["video_id"],
    ),
    "past_lives": (
        """SELECT s.session_id, s.title, s.market, s.actual_start, s.gmv, s.currency,
                  m.minutes, s.actual_start IS NOT NULL AND s.actual_end IS NULL AS live
           FROM sessions s JOIN (SELECT session_id, max(minute) + 1 AS minutes
                                 FROM live_minutes GROUP BY session_id) m USING (session_id)
           ORDER BY s.actual_start DESC NULLS LAST, s.session_id DESC""",
        None,
    ),
    "sku_sales": (
        """SELECT session_id, sku_id, any_value(product_name) AS name, count(*) AS orders,
                  sum(quantity) AS units, sum(order_amount) AS gmv
           FROM orders WHERE coalesce(status, '') <> 'cancelled'
           GROUP BY session_id, sku_id""",
        ["session_id", "sku_id"],
    ),
    "buyer_rows": (
        "SELECT buyer_id, market, followed_at, fan_club_joined_at FROM buyers",
        ["buyer_id"],
    ),
    "fx_rates": (
        "SELECT date, currency, quote, rate FROM fx_rates",
        ["date", "currency", "quote"],
    ),
}


# rows are compared after sorting on these columns (the rest keep their engine's order only
# when the expression orders them, which a distributed engine does not promise otherwise)
KEYS = {
    "paid_orders": ["order_id"],
    "first_purchases": ["buyer_id"],
    "product_shares": ["session_id", "sku_id"],
    "session_kpis": ["session_id"],
    "funnel_sessions": ["session_id"],
    "host_sessions": ["session_id"],
    "host_lines": ["session_id", "sku_id"],
    "product_test_videos": ["video_id"],
    "video_cells": ["sku_id", "market"],
    "ad_phases": ["session_id", "phase"],
    "order_minutes": ["session_id", "sku_id", "minute"],
    "stock_lineups": ["session_id", "sku_id"],
    "live_units_sold": ["session_id", "sku_id"],
    "warmup_videos": ["session_id", "sku_id", "posted_at", "views", "product_clicks"],
    "session_spend": ["session_id", "currency"],
    "line_counts": None,  # one row
    "live_totals": None,
    "gmv_quarters": ["market", "currency", "timezone", "counted", "paid_quarter"],
    "market_sales": ["market", "currency"],
    "recent_lives": ["session_id"],
    "market_zones": ["market"],
    "catalog_counts": None,
    "catalog": ["sku_id", "product_id", "product_name"],
    "creator_list": ["creator_id"],
    "host_availability": ["host_id", "weekday", "start_time"],
    "inventory_snapshots": ["sku_id", "location", "as_of"],
    "session_rows": ["session_id"],
    "live_minute_rows": ["session_id", "minute"],
    "sku_live_history": ["market", "sku_id"],
    "lineup_sessions": ["session_id"],
    "sku_lives": ["session_id", "sku_id"],
    "scale_videos": ["video_id"],
    "past_lives": ["session_id"],
    "sku_sales": ["session_id", "sku_id"],
    "buyer_rows": ["buyer_id"],
    "fx_rates": ["date", "currency", "quote"],
}


def same(a: pd.DataFrame, b: pd.DataFrame, key: list[str] | None) -> None:
    """Equal frames: same columns and rows (after sorting on ``key``), numbers within 1e-9."""
    assert list(a.columns) == list(b.columns)
    if key is not None:
        a = a.sort_values(key, ignore_index=True)
        b = b.sort_values(key, ignore_index=True)
    for c in a.columns:  # DuckDB's DATE comes back in seconds or microseconds by path
        if a[c].dtype.kind == "M":
            a[c], b[c] = a[c].astype("datetime64[us]"), b[c].astype("datetime64[us]")
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, rtol=1e-9
    )


def close(a, b) -> None:
    """Equal, numbers within rtol 1e-9 (sums added in another order), at any depth."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            close(a[k], b[k])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            close(x, y)
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-9)
    else:
        assert a == b


@pytest.fixture(scope="module")
def demo(demo_path):
    ws = livecart.open(demo_path, read_only=True)
    yield ws
    ws.close()


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_layer_equals_the_sql_it_replaces(demo, name):
    sql, key = REFERENCE[name]
    want = demo.query(sql)
    got = duckdb_engine(demo).frame(EXPRESSIONS[name])
    assert len(got) > 0
    same(got, want, key)
    # and through frame(ws, ...), the callers' path (SQL compiled once, run on a cursor)
    same(frame(demo, EXPRESSIONS[name]), want, key)
    same(frame(demo, EXPRESSIONS[name]), want, key)


def test_frame_keeps_the_rows_equal_to_the_values_given(demo):
    sid = demo.query("SELECT min(session_id) s FROM sessions")["s"].iloc[0]
    one = frame(demo, EXPRESSIONS["session_kpis"], session_id=sid)
    assert one["session_id"].tolist() == [sid]
    with pytest.raises(QueryEngineError, match="no column session"):
        frame(demo, EXPRESSIONS["paid_orders"], session="x")


def test_video_cells_equal_the_per_video_sums_of_the_evaluation_path(demo):
    """``sum_videos`` is what the evaluation runs on simulated videos, in pandas."""
    from livecart.selection.evidence import sum_videos

    v = demo.query("SELECT * FROM videos WHERE purpose = 'test'")
    for c in ("views", "product_clicks", "orders", "gmv"):
        v[c] = pd.to_numeric(v[c]).fillna(0)
    got = duckdb_engine(demo).frame(EXPRESSIONS["video_cells"])
    assert len(got) > 0
    same(got, sum_videos(v), ["sku_id", "market"])


def test_session_kpis_equal_the_retros_golden_hour_sums(demo):
    got = duckdb_engine(demo).frame(EXPRESSIONS["session_kpis"]).set_index("session_id")
    want = demo.query(
        "SELECT session_id, sum(gmv) AS gmv, sum(orders) AS orders, sum(entries) AS entries, "
        "sum(ad_spend) AS ad_spend FROM live_minutes WHERE minute < 60 GROUP BY 1"
    ).set_index("session_id")
    assert len(want) > 0 and set(want.index) <= set(got.index)
    pd.testing.assert_frame_equal(
        got.loc[want.index, list(want.columns)], want, check_dtype=False, rtol=1e-9
    )
    spend = demo.query("SELECT session_id, phase, sum(spend) s FROM ad_spend GROUP BY ALL")
    for r in spend.itertuples():
        assert got.loc[r.session_id, f"spend_{r.phase}"] == pytest.approx(r.s, rel=1e-9)
    sessions = demo.query("SELECT session_id, gmv, orders FROM sessions").set_index("session_id")
    assert got["session_gmv"].sort_index().tolist() == sessions["gmv"].sort_index().tolist()


def test_parquet_source_gives_the_same_frames_as_the_workspace_file(demo, tmp_path):
    assert set(KEYS) == set(EXPRESSIONS), "a new expression needs its sort key in KEYS"
    folder = export_parquet(demo, tmp_path / "lake")
    on_file, on_lake = duckdb_engine(demo), parquet_engine(folder)
    for name, expression in EXPRESSIONS.items():
        a, b = on_file.frame(expression), on_lake.frame(expression)
        assert len(a) > 0, name
        same(a, b, KEYS[name])


def test_a_source_folder_without_a_table_says_which_file_it_wanted(tmp_path):
    (tmp_path / "lake").mkdir()
    engine = parquet_engine(tmp_path / "lake")
    with pytest.raises(QueryEngineError, match=r"no orders table .*orders\.parquet"):
        engine.frame(EXPRESSIONS["paid_orders"])
    with pytest.raises(QueryEngineError, match="is not a folder"):
        parquet_engine(tmp_path / "missing")


def test_spark_without_a_parquet_source_says_to_set_one():
    with pytest.raises(QueryEngineError, match="set query_source"):
        spark_engine("", "local[1]")


def test_an_unknown_engine_setting_is_refused_with_the_choices(tmp_path, monkeypatch):
    monkeypatch.setenv("LIVECART_QUERY_ENGINE", "presto")
    ws = livecart.init(tmp_path / "ws")
    try:
        with pytest.raises(QueryEngineError, match="not one of duckdb, spark"):
            engine_for(ws)
    finally:
        ws.close()


def test_ad_phases_of_one_market_equal_the_sql_filtered_on_it(demo):
    """ads.history filters on market before grouping; the layer's market is a group key."""
    markets = demo.query("SELECT DISTINCT market FROM ad_spend WHERE market IS NOT NULL")
    assert len(markets) > 1
    sql = REFERENCE["ad_phases"][0].replace("IS NOT NULL", "IS NOT NULL AND market = ?")
    for m in markets["market"]:
        want = demo.query(sql, [m])
        assert len(want) > 0
        same(frame(demo, EXPRESSIONS["ad_phases"], market=m), want, ["session_id", "phase"])


def test_order_minutes_count_whole_seconds_as_date_diff_does():
    """A line 59.2 s after the start by the clock but 60 whole seconds after it is in minute 1."""
    import ibis

    from livecart.store.query import order_minutes

    con = ibis.duckdb.connect()
    con.raw_sql(
        "CREATE TABLE orders AS SELECT * FROM (VALUES "
        "('L1', 'A', 'live', TIMESTAMP '2026-01-01 00:01:00.1', 2, 'paid', NULL::VARCHAR), "
        "('L1', 'A', 'live', TIMESTAMP '2026-01-01 00:00:00.9', 1, 'Cancelled', NULL)) "
        "o(session_id, sku_id, channel, created_at, quantity, status, cancel_return_type)"
    )
    con.raw_sql(
        "CREATE TABLE sessions AS SELECT 'L1' AS session_id, "
        "TIMESTAMP '2026-01-01 00:00:00.9' AS actual_start, NULL::TIMESTAMP AS planned_start"
    )
    got = con.to_pyarrow(order_minutes(con.table)).to_pylist()
    assert [(r["minute"], r["units"]) for r in got] == [(1, 2)]  # the cancelled line left out


def test_a_first_purchase_at_one_instant_is_one_line_chosen_by_its_key():
    """Two lines of one buyer at the same second: the first by order_id, and its session and
    SKU come from that same line (two separate arg_mins could mix lines)."""
    import ibis

    from livecart.store.query import first_purchases

    con = ibis.duckdb.connect()
    con.raw_sql(
        "CREATE TABLE orders AS SELECT * FROM (VALUES "
        "('b1', 'O2', 'L1', 'A', TIMESTAMP '2026-01-01 10:00:00'), "
        "('b1', 'O1', 'L2', 'B', TIMESTAMP '2026-01-01 10:00:00'), "
        "('b1', 'O0', 'L3', 'C', TIMESTAMP '2026-01-01 10:00:01'), "
        "(NULL, 'O9', 'L9', 'Z', TIMESTAMP '2025-01-01 00:00:00')) "
        "o(buyer_id, order_id, session_id, sku_id, created_at)"
    )
    for _ in range(3):  # the same line every time
        got = con.to_pyarrow(first_purchases(con.table)).to_pylist()
        assert got == [{"buyer_id": "b1", "session_id": "L2", "sku_id": "B"}]


def test_line_counts_equal_the_sql_on_a_workspace_with_cancelled_and_unpaid_lines(tmp_path):
    """The demo has no cancelled or unpaid lines; the report's sample workspace has both."""
    from tests.report.sample_workspace import build

    ws = livecart.open(build(tmp_path / "ws"), read_only=True)
    try:
        got, want = frame(ws, EXPRESSIONS["line_counts"]), ws.query(REFERENCE["line_counts"][0])
        assert want["cancelled"].iloc[0] > 0 and want["unpaid"].iloc[0] > 0
        same(got, want, None)
    finally:
        ws.close()
