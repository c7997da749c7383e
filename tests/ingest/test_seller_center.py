"""Seller Center exports import as they come: the OrderSKUList order export and the LIVE list,
as CSV and as XLSX, with no editing."""

from __future__ import annotations

import datetime as dt

import pytest

from livecart.ingest import import_file
from tests.ingest.conftest import counts


@pytest.mark.parametrize("name", ["OrderSKUList.csv", "OrderSKUList.xlsx"])
def test_order_export_imports_unedited(shop, fixtures, name):
    r = import_file(shop, "orders", fixtures / name, timezone="America/Los_Angeles")
    assert (r.rows_written, r.unchanged) == (4, False)
    assert "Phone #" in r.ignored_columns and "Order ID" not in r.ignored_columns
    o = shop.table("orders").set_index(["order_id", "sku_id"]).sort_index()
    line = o.loc[("576612345678901234", "1729000000000000001")]
    assert line.quantity == 2 and line.unit_price == pytest.approx(12.99)
    assert line.subtotal == pytest.approx(24.48) and line.seller_discount == pytest.approx(1.0)
    assert line.market == "US" and line.currency == "USD" and line.buyer_id == "jane_d"
    # 01/03/2024 19:05:12 in Los Angeles (UTC-8 in March before DST) is 03:05:12 UTC next day
    assert line.created_at.to_pydatetime() == dt.datetime(2024, 3, 2, 3, 5, 12)
    assert line.product_name == "Velvet Lip Tint, Long-lasting"
    unpaid = o.loc[("576612345678905678", "1729000000000000001")]
    assert unpaid.paid_at != unpaid.paid_at  # NaT: an unpaid order has no paid time
    big = o.loc[("576612345678909999", "1729000000000000003")]
    assert big.unit_price == pytest.approx(1299.0) and big.subtotal == pytest.approx(3897.0)
    assert big.cancel_return_type == "Cancel" and big.status == "Cancelled"


def test_order_export_explanation_row_is_detected_and_skipped(shop, fixtures):
    r = import_file(shop, "orders", fixtures / "OrderSKUList.csv")
    assert r.skipped_rows == [2]
    assert shop.count("orders") == 4


def test_xlsx_and_csv_of_the_same_export_give_the_same_rows(shop, fixtures):
    import_file(shop, "orders", fixtures / "OrderSKUList.csv")
    a = shop.table("orders").sort_values(["order_id", "sku_id"]).reset_index(drop=True)
    r = import_file(shop, "orders", fixtures / "OrderSKUList.xlsx")
    b = shop.table("orders").sort_values(["order_id", "sku_id"]).reset_index(drop=True)
    assert r.rows_written == 4 and len(b) == 4
    assert a.equals(b)


@pytest.mark.parametrize("name", ["LIVE_list.csv", "LIVE_list.xlsx"])
def test_live_list_export_imports_unedited(shop, fixtures, name):
    r = import_file(shop, "sessions", fixtures / name, market="US", timezone="America/Los_Angeles")
    assert r.rows_written == 2
    assert {"CTR", "CTOR", "Show GPM", "Tap through rate"} <= set(r.ignored_columns)
    s = shop.table("sessions").set_index("title")
    first = s.loc["Spring glow-up LIVE: 50% off serums"]
    assert first.gmv == pytest.approx(1234.56) and first.views == 12345
    assert first.impressions == 150000 and first.product_clicks == 2400
    assert first.avg_view_seconds == pytest.approx(48.5) and first.currency == "USD"
    assert first.actual_start.to_pydatetime() == dt.datetime(2024, 3, 2, 3, 0)
    assert first.session_id.startswith("live-") and first.room == "glowbeauty.us"
    assert s.loc["Weekend restock"].avg_view_seconds == 35  # written as 00:00:35


def test_live_list_ids_are_stable_across_csv_and_xlsx(shop, fixtures):
    kw = {"market": "US", "timezone": "America/Los_Angeles"}
    import_file(shop, "sessions", fixtures / "LIVE_list.csv", **kw)
    ids = set(shop.table("sessions").session_id)
    import_file(shop, "sessions", fixtures / "LIVE_list.xlsx", **kw)
    assert set(shop.table("sessions").session_id) == ids and shop.count("sessions") == 2


@pytest.mark.parametrize("first", [None, "Asia/Jakarta"])
def test_live_list_reimported_with_a_corrected_timezone_replaces_its_sessions(
    shop, fixtures, first
):
    f = fixtures / "LIVE_list.csv"
    import_file(shop, "sessions", f, market="US", timezone=first)
    ids = set(shop.table("sessions").session_id)
    r = import_file(shop, "sessions", f, market="US", timezone="America/Los_Angeles")
    assert r.rows_written == 2 and not r.unchanged
    s = shop.table("sessions")
    assert shop.count("sessions") == 2 and set(s.session_id) == ids
    starts = set(s.actual_start.dt.to_pydatetime())
    assert dt.datetime(2024, 3, 2, 3, 0) in starts  # 19:00 in Los Angeles (PST) is 03:00 UTC


def test_live_list_takes_the_workspace_only_market(ws, fixtures):
    import_file(ws, "markets", fixtures / "markets.csv")
    ws.con.execute("DELETE FROM markets WHERE market = 'ID'")
    r = import_file(ws, "sessions", fixtures / "LIVE_list.csv")
    assert r.rows_written == 2 and set(ws.table("sessions").market) == {"US"}


def test_second_import_of_the_same_file_changes_no_counts(shop, fixtures):
    import_file(shop, "orders", fixtures / "OrderSKUList.csv")
    before = counts(shop)
    again = import_file(shop, "orders", fixtures / "OrderSKUList.csv")
    assert again.unchanged and again.rows_written == 0
    assert counts(shop) == before


def test_reimport_of_the_same_rows_in_another_file_upserts(shop, fixtures, tmp_path):
    import_file(shop, "orders", fixtures / "OrderSKUList.csv")
    before = counts(shop)
    copy = tmp_path / "copy.csv"
    copy.write_bytes((fixtures / "OrderSKUList.csv").read_bytes() + b"\r\n")
    r = import_file(shop, "orders", copy)
    assert not r.unchanged and r.rows_written == 4
    assert counts(shop) == before


def test_same_file_with_another_timezone_is_imported_again(shop, fixtures):
    import_file(shop, "orders", fixtures / "OrderSKUList.csv")
    utc = shop.query("SELECT min(created_at) AS t FROM orders")["t"].iloc[0]
    r = import_file(shop, "orders", fixtures / "OrderSKUList.csv", timezone="Asia/Jakarta")
    assert not r.unchanged
    local = shop.query("SELECT min(created_at) AS t FROM orders")["t"].iloc[0]
    assert (utc - local).total_seconds() == 7 * 3600  # Jakarta is UTC+7: stored 7 h earlier


def test_reimporting_an_older_file_undoes_a_later_correction(shop, fixtures, tmp_path):
    original = fixtures / "OrderSKUList.csv"
    import_file(shop, "orders", original)
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(original.read_bytes().replace(b"Awaiting payment", b"Shipped"))
    import_file(shop, "orders", fixed)
    assert "Shipped" in set(shop.table("orders")["status"])
    r = import_file(shop, "orders", original)  # the same bytes as an earlier, not the latest
    assert not r.unchanged
    assert "Shipped" not in set(shop.table("orders")["status"])


def test_live_list_ratio_columns_are_cross_checked_not_stored(shop, fixtures, tmp_path):
    r = import_file(shop, "sessions", fixtures / "LIVE_list.csv", market="US")
    assert "cross-checked 10 ratio columns (not stored; recomputed from counts): 0 differ" in (
        r.notes
    )
    off = tmp_path / "LIVE_off.csv"
    off.write_text((fixtures / "LIVE_list.csv").read_text().replace("$15.43", "$25.00"))
    r = import_file(shop, "sessions", off, market="US")
    assert any("1 differ" in n for n in r.notes)
    assert any(n.startswith("row 2: AOV is 25.00") for n in r.notes)
    assert r.rows_written == 2  # a note, not a rejection
