"""`uncensored_demand`: the demo's lives re-simulated with unlimited stock."""

from __future__ import annotations

import pytest

import livecart
from livecart.demo import uncensored_demand
from livecart.errors import LivecartError

SEED, SCALE = 7, 0.2  # the `demo_path` fixture's demo

SALES_SQL = """
SELECT p.session_id, p.sku_id, p.stock_start, p.stock_end, p.stockout_minute,
       coalesce(o.units, 0) AS sold
FROM session_products p
LEFT JOIN (SELECT session_id, sku_id, sum(quantity) AS units FROM orders
           WHERE channel = 'live' GROUP BY ALL) o USING (session_id, sku_id)
"""


@pytest.fixture(scope="module")
def joined(demo_path):
    with livecart.open(demo_path, read_only=True) as ws:
        sales = ws.query(SALES_SQL)
    return sales.merge(uncensored_demand(SEED, SCALE), on=["session_id", "sku_id"], how="outer")


def test_one_row_per_live_and_lineup_sku(joined):
    assert joined["units"].notna().all() and joined["sold"].notna().all()


def test_matches_stored_sales_where_no_stock_out_happened(joined):
    """A live that ended with 2 or more units of every SKU almost surely refused no order (an
    order asks for 1 + Poisson(0.25) units; a refusal would need one of 3+ units, 2.6% of
    orders, to arrive when only 2 were left; a live that ended with 1 unit of a SKU may well
    have refused an order for 2), so its room stream is the same with unlimited stock: units
    equal the stored sales exactly, every SKU (six such lives in this demo)."""
    clear = joined.groupby("session_id").filter(lambda g: (g["stock_end"] >= 2).all())
    assert clear["session_id"].nunique() >= 4
    assert (clear["units"] == clear["sold"]).all()


def test_sold_out_skus_wanted_more_than_they_sold(joined):
    """Sold-out SKUs: summed over them, buyers wanted more than the shelf held."""
    out = joined[joined["stockout_minute"].notna()]
    assert len(out) >= 10
    assert out["units"].sum() > out["sold"].sum()
    assert (out["sold"] <= out["stock_start"]).all()


def test_selected_sessions_and_unknown_id():
    d = uncensored_demand(SEED, SCALE, ["L0002", "L0005"])
    assert set(d["session_id"]) == {"L0002", "L0005"}
    with pytest.raises(LivecartError, match="no live L9999"):
        uncensored_demand(SEED, SCALE, ["L9999"])
