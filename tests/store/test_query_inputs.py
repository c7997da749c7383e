"""The models' inputs that keep only some rows of a layer expression (a market, a live, a time)
give what the SQL they ran before gave with that condition (#16). Each reference below is the
caller's old query, parameters and all; numbers within rtol 1e-9, everything else exact."""

from __future__ import annotations

import pandas as pd
import pytest

import livecart
from livecart.errors import LivecartError
from livecart.store.query import frame, past_lives, sku_live_history
from tests.store.test_query_layer import same


@pytest.fixture(scope="module")
def demo(demo_path):
    ws = livecart.open(demo_path, read_only=True)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def markets(demo) -> list[str]:
    m = demo.query("SELECT DISTINCT market FROM sessions WHERE market IS NOT NULL ORDER BY 1")
    assert len(m) > 1
    return m["market"].tolist()


def _middle(demo, sql: str) -> pd.Timestamp:
    """A time halfway through the demo's history: some rows before it, some after."""
    lo, hi = demo.query(sql).iloc[0]
    return pd.Timestamp(lo) + (pd.Timestamp(hi) - pd.Timestamp(lo)) / 2


LIVE_HISTORY_SQL = """
    WITH lives AS (
        SELECT DISTINCT sp.session_id, sp.sku_id, date_diff('minute',
               coalesce(s.actual_start, s.planned_start),
               coalesce(s.actual_end, s.planned_end)) AS minutes
        FROM session_products sp JOIN sessions s USING (session_id) WHERE s.market = ?),
    sold AS (SELECT session_id, sku_id, sum(quantity) AS units, sum(subtotal) AS gmv
             FROM orders GROUP BY 1, 2)
    SELECT l.sku_id, count(*) AS lives, sum(l.minutes) AS minutes,
           coalesce(sum(o.units), 0) AS units, coalesce(sum(o.gmv), 0) AS gmv
    FROM lives l LEFT JOIN sold o USING (session_id, sku_id) GROUP BY l.sku_id"""


def test_a_markets_live_history_equals_the_plans_old_sql(demo, markets):
    for m in markets:
        want = demo.query(LIVE_HISTORY_SQL, [m])
        got = frame(demo, sku_live_history, market=m).drop(columns="market")
        assert len(want) > 0
        same(got, want, ["sku_id"])


def test_golden_history_equals_the_medians_of_the_old_sql(demo, markets):
    from livecart.plan.neighbours import golden_history

    for m in markets:
        h = demo.query(
            "SELECT m.session_id, sum(m.gmv) AS gmv, sum(m.orders) AS orders, "
            "sum(m.entries) AS entries FROM live_minutes m JOIN sessions s USING (session_id) "
            "WHERE s.market = ? AND m.minute < 60 GROUP BY m.session_id",
            [m],
        )
        s = demo.query("SELECT gmv, orders FROM sessions WHERE market = ?", [m])
        assert len(h) > 0
        want = {k: float(h[k].median()) for k in ("gmv", "orders", "entries")}
        want |= {f"session_{k}": float(s[k].median()) for k in ("gmv", "orders")}
        assert golden_history(demo, m) == pytest.approx(want | {"n": len(h)}, rel=1e-9)
    assert golden_history(demo, "nowhere") == {}


def test_stock_on_hand_is_each_skus_latest_snapshot_by_the_day(demo, markets):
    from livecart.stock.sizing import _inventory

    day = _middle(demo, "SELECT min(as_of), max(as_of) FROM inventory").date()
    skus = demo.query("SELECT DISTINCT sku_id FROM inventory ORDER BY 1")["sku_id"].tolist()
    for m in markets:
        want = demo.query(
            "SELECT sku_id, location, as_of, on_hand, inbound, inbound_arrival, lead_time_days "
            "FROM inventory WHERE location = ? AND as_of <= ? "
            "QUALIFY row_number() OVER (PARTITION BY sku_id ORDER BY as_of DESC) = 1",
            [m, day],
        ).set_index("sku_id")
        assert len(want) > 0
        got = _inventory(demo, skus, m, day, day)
        assert set(got.index[got["known"]]) == set(want.index)
        known = got.loc[want.index]
        assert known["on_hand"].tolist() == want["on_hand"].fillna(0).astype(int).tolist()
        assert known["lead_time_days"].tolist() == want["lead_time_days"].tolist()


def test_product_stages_count_only_the_lives_and_videos_by_now(demo):
    from livecart.selection.stages import live_evidence

    now = _middle(
        demo,
        "SELECT min(coalesce(actual_start, planned_start)), "
        "max(coalesce(actual_start, planned_start)) FROM sessions",
    )
    lives = demo.query(
        "SELECT sp.sku_id, s.market, count(*) AS lives "
        "FROM session_products sp JOIN sessions s USING (session_id) "
        "WHERE coalesce(s.actual_start, s.planned_start) <= ? GROUP BY 1, 2",
        [now.to_pydatetime()],
    )
    videos = demo.query(
        """SELECT v.sku_id, v.market, count(*) AS scale_videos FROM videos v
        LEFT JOIN creators c USING (creator_id)
        WHERE v.purpose <> 'test' AND coalesce(c.kind, '') <> 'koc'
          AND coalesce(v.posted_at <= ?, true)
        GROUP BY 1, 2""",
        [now.to_pydatetime()],
    )
    everything = demo.query("SELECT count(*) AS n FROM session_products")["n"].iloc[0]
    assert 0 < lives["lives"].sum() < everything  # the cut leaves some lives out
    got = live_evidence(demo, now).set_index(["sku_id", "market"])
    want = lives.set_index(["sku_id", "market"])["lives"]
    assert got.loc[got["lives"] > 0, "lives"].sort_index().tolist() == want.sort_index().tolist()
    if len(videos):
        want = videos.set_index(["sku_id", "market"])["scale_videos"].sort_index()
        has = got.loc[got["scale_videos"] > 0, "scale_videos"].sort_index()
        assert has.tolist() == want.tolist()


def test_the_dashboards_past_lives_and_products_equal_the_old_sql(demo):
    from livecart.live.past import _products

    want = demo.query(
        """SELECT s.session_id, s.title, s.market, s.actual_start, s.gmv, s.currency,
                  m.minutes, s.actual_start IS NOT NULL AND s.actual_end IS NULL AS live
           FROM sessions s JOIN (SELECT session_id, max(minute) + 1 AS minutes
                                 FROM live_minutes GROUP BY session_id) m USING (session_id)
           ORDER BY s.actual_start DESC NULLS LAST, s.session_id DESC LIMIT ?""",
        [5],
    )
    same(frame(demo, past_lives, limit=5), want, None)
    sid = want["session_id"].iloc[0]
    old = demo.query(
        """SELECT sku_id, any_value(product_name) AS name, count(*) AS orders,
                  sum(quantity) AS units, sum(order_amount) AS gmv
           FROM orders WHERE session_id = ? AND coalesce(status, '') <> 'cancelled'
           GROUP BY sku_id ORDER BY gmv DESC""",
        [sid],
    )
    got = pd.DataFrame(_products(demo, sid))[list(old.columns)]
    assert len(old) > 0
    same(got, old, None)  # the same order too: gmv descending


def test_linking_an_unknown_session_names_the_markets_latest_lives(demo, markets):
    from livecart.plan.neighbours import check_session

    m = markets[0]
    near = demo.query(
        "SELECT session_id FROM sessions WHERE market = ? "
        "ORDER BY coalesce(actual_start, planned_start) DESC NULLS LAST LIMIT 5",
        [m],
    )["session_id"]
    with pytest.raises(LivecartError) as e:
        check_session(demo, "L-none", m)
    assert f"(latest in {m}: {', '.join(near)})" in str(e.value)
    other = demo.query("SELECT session_id FROM sessions WHERE market <> ? LIMIT 1", [m])
    with pytest.raises(LivecartError, match=f"the plan is for {m}"):
        check_session(demo, other["session_id"].iloc[0], m)


def test_fx_rates_come_from_the_lake_the_settings_name(demo, tmp_path, monkeypatch):
    """Every conversion's rates (hosts, roster, stock, reports, fans, ads) are read through the
    layer: the workspace's rates as imported, and a lake's when ``query_source`` names one."""
    from livecart.store.query import export_parquet, fx_table

    rows = demo.query("SELECT date, currency, quote, rate FROM fx_rates")
    assert len(rows) > 0
    fx = fx_table(demo)
    for r in rows.itertuples():
        assert fx.rate(r.currency, r.quote, pd.Timestamp(r.date).date()) == r.rate
    lake = export_parquet(demo, tmp_path / "lake")
    doubled = pd.read_parquet(lake / "fx_rates.parquet").assign(rate=lambda d: d["rate"] * 2)
    doubled.to_parquet(lake / "fx_rates.parquet")
    monkeypatch.setenv("LIVECART_QUERY_SOURCE", str(lake))
    with livecart.open(demo.path, read_only=True) as ws:
        on_lake = fx_table(ws)
    r = rows.iloc[0]
    day = pd.Timestamp(r["date"]).date()
    assert on_lake.rate(r["currency"], r["quote"], day) == 2 * r["rate"]
