"""Validation: every problem named with file, row and column, all at once, and nothing written
unless the whole file is valid."""

from __future__ import annotations

import pandas as pd
import pytest

from livecart.errors import ImportRejected
from livecart.ingest import import_file, import_frame
from tests.ingest.conftest import counts, write

SKU1, SKU2 = "1729000000000000001", "1729000000000000002"


def rejected(ws, kind, path, **kw) -> ImportRejected:
    with pytest.raises(ImportRejected) as e:
        import_file(ws, kind, path, **kw)
    return e.value


def where(e: ImportRejected) -> set[tuple[int, str]]:
    return {(p.row, p.column) for p in e.problems}


def test_import_rejects_whole_file_and_names_every_bad_row_and_column(shop, tmp_path):
    f = write(
        tmp_path / "orders.csv",
        "order_id,sku_id,quantity,created_at,unit_price,channel\n"
        f"A,{SKU1},1,2024-03-01 10:00,12.99,live\n"
        f"B,{SKU1},two,2024-03-01 10:00,12.99,live\n"
        f"C,{SKU2},1,yesterday,-5,live\n"
        f"D,{SKU2},0,2024-03-01 10:00,1.00,tv\n"
        f"E,{SKU2},,2024-03-01 10:00,1.00,shop\n",
    )
    before = counts(shop)
    e = rejected(shop, "orders", f)
    assert where(e) == {
        (3, "quantity"),
        (4, "created_at"),
        (4, "unit_price"),
        (5, "quantity"),
        (5, "channel"),
        (6, "quantity"),
    }
    assert all(p.file == "orders.csv" for p in e.problems) and not e.truncated
    msgs = {(p.row, p.column): p.message for p in e.problems}
    assert "'two' is not a whole number" in msgs[(3, "quantity")]
    assert "below the minimum" in msgs[(4, "unit_price")]
    assert "not one of: live, video, shop" in msgs[(5, "channel")]
    assert "required" in msgs[(6, "quantity")]
    assert counts(shop) == before  # nothing written, not even the good row A


def test_problems_use_the_files_own_headers(shop, tmp_path):
    f = write(tmp_path / "o.csv", f"Order ID,SKU ID,Quantity,Created Time\nA,{SKU1},x,bad\n")
    e = rejected(shop, "orders", f)
    assert where(e) == {(2, "Quantity"), (2, "Created Time")}


def test_missing_required_column_is_one_problem_naming_it(shop, tmp_path):
    f = write(
        tmp_path / "o.csv",
        f"order_id,sku_id,created_at\nA,{SKU1},2024-03-01\nB,{SKU1},2024-03-01\n",
    )
    e = rejected(shop, "orders", f)
    assert len(e.problems) == 1
    p = e.problems[0]
    assert (p.row, p.column) == (1, "quantity") and "'Quantity'" in p.message


def test_duplicate_keys_in_one_file_name_both_rows(shop, tmp_path):
    f = write(
        tmp_path / "o.csv",
        "order_id,sku_id,quantity,created_at\n"
        f"A,{SKU1},1,2024-03-01\nB,{SKU1},1,2024-03-01\n"
        f"A,{SKU1},2,2024-03-02\n",
    )
    e = rejected(shop, "orders", f)
    assert where(e) == {(4, "order_id")}
    assert "also on row 2" in e.problems[0].message and "order_id=A" in e.problems[0].message


def test_reference_to_an_unknown_sku_says_which_kind_to_import_first(shop, tmp_path):
    f = write(
        tmp_path / "o.csv",
        "order_id,sku_id,quantity,created_at,market\n"
        f"A,{SKU1},1,2024-03-01,US\nB,999,1,2024-03-01,US\n"
        f"C,{SKU1},1,2024-03-01,Thailand\n",
    )
    e = rejected(shop, "orders", f)
    assert where(e) == {(3, "sku_id"), (4, "market")}
    msg = {p.column: p.message for p in e.problems}
    assert "import products first" in msg["sku_id"] and "'999'" in msg["sku_id"]
    assert "'TH'" in msg["market"] and "import markets first" in msg["market"]


def test_session_ending_before_it_starts_is_rejected(shop, tmp_path):
    f = write(
        tmp_path / "s.csv",
        "session_id,market,actual_start,actual_end\n"
        "S1,US,2024-03-01 10:00,2024-03-01 12:00\n"
        "S2,US,2024-03-01 10:00,2024-03-01 09:00\n",
    )
    e = rejected(shop, "sessions", f)
    assert where(e) == {(3, "actual_end")} and "after actual_start" in e.problems[0].message


def test_markets_must_have_iana_time_zones_and_iso_currencies(ws, tmp_path):
    f = write(
        tmp_path / "m.csv",
        "market,currency,timezone\nUS,USD,America/New_York\nUK,pounds,GMT+1\nID,IDR,Asia/Jakarta\n",
    )
    e = rejected(ws, "markets", f)
    assert where(e) == {(3, "currency"), (3, "timezone")}
    assert ws.count("markets") == 0


def test_problem_list_stops_at_the_limit_and_says_it_was_cut(shop, tmp_path):
    rows = "".join(f"O{i},{SKU1},bad,2024-03-01\n" for i in range(300))
    f = write(tmp_path / "o.csv", "order_id,sku_id,quantity,created_at\n" + rows)
    e = rejected(shop, "orders", f)
    assert len(e.problems) == shop.settings.import_problem_limit and e.truncated


def test_ragged_csv_row_is_named(shop, tmp_path):
    f = write(
        tmp_path / "o.csv",
        "order_id,sku_id,quantity,created_at\n"
        f"A,{SKU1},1,2024-03-01\nB,{SKU1},1\nC,{SKU1},x,2024-03-01\n",
    )
    e = rejected(shop, "orders", f)
    assert where(e) == {(3, ""), (4, "quantity")}


def test_choices_and_market_names_are_normalised(shop, tmp_path):
    f = write(tmp_path / "c.csv", "creator_id,kind,currency\nann,Pro host,usd\nbo,KOC,USD\n")
    import_file(shop, "creators", f)
    assert sorted(shop.table("creators").kind) == ["koc", "pro_host"]
    assert set(shop.table("creators").currency) == {"USD"}


def test_missing_currency_takes_the_markets_currency(shop, tmp_path):
    f = write(
        tmp_path / "o.csv",
        "order_id,sku_id,quantity,created_at,market,subtotal\n"
        f"A,{SKU1},1,2024-03-01,Indonesia,100000\n"
        f"B,{SKU1},1,2024-03-01,US,5\n",
    )
    import_file(shop, "orders", f)
    cur = shop.table("orders").set_index("order_id").currency
    assert cur["A"] == "IDR" and cur["B"] == "USD"


def test_frame_import_goes_through_the_same_validation(shop):
    good = pd.DataFrame(
        {
            "order_id": ["A", "B"],
            "sku_id": [SKU1, SKU2],
            "quantity": [1, 2],
            "created_at": pd.to_datetime(["2024-03-01", "2024-03-02"]),
            "market": ["US", "US"],
        }
    )
    r = import_frame(shop, "orders", good, source="sim")
    assert (r.rows_written, r.file) == (2, "sim")
    bad = good.assign(quantity=[1, -1], sku_id=[SKU1, "nope"])
    with pytest.raises(ImportRejected) as e:
        import_frame(shop, "orders", bad, source="sim")
    assert where(e.value) == {(3, "quantity"), (3, "sku_id")}
    assert shop.count("orders") == 2


def test_frame_with_aware_timestamps_is_stored_in_utc(shop):
    t = pd.to_datetime(["2024-03-01 10:00"]).tz_localize("Asia/Jakarta")
    import_frame(
        shop,
        "orders",
        pd.DataFrame({"order_id": ["A"], "sku_id": [SKU1], "quantity": [1], "created_at": t}),
    )
    assert str(shop.table("orders").created_at[0]) == "2024-03-01 03:00:00"


def test_unknown_kind_and_bad_timezone_are_clear_errors(shop, fixtures):
    from livecart.errors import UnknownKindError

    with pytest.raises(UnknownKindError, match="known kinds"):
        import_file(shop, "order", fixtures / "OrderSKUList.csv")
    e = rejected(shop, "orders", fixtures / "OrderSKUList.csv", timezone="Mars/Olympus")
    assert "IANA" in e.problems[0].message


def test_file_of_the_wrong_kind_says_so(shop, fixtures):
    e = rejected(shop, "inventory", fixtures / "markets.csv")
    assert "is this the right kind?" in e.problems[0].message


def test_bad_time_message_shows_the_forms_accepted(shop, tmp_path):
    f = write(tmp_path / "o.csv", f"order_id,sku_id,quantity,created_at\nA,{SKU1},1,03/25/2024\n")
    e = rejected(shop, "orders", f)
    assert where(e) == {(2, "created_at")} and "DD/MM/YYYY" in e.problems[0].message


def test_arrow_table_imports_like_a_frame(shop):
    import pyarrow as pa

    t = pa.table(
        {
            "Order ID": ["A"],
            "SKU ID": [SKU1],
            "Quantity": [2],
            "Created Time": ["01/03/2024 19:05:12"],
            "Country": ["United States"],
        }
    )
    r = import_frame(shop, "orders", t, source="arrow")
    assert r.rows_written == 1 and shop.table("orders").market[0] == "US"


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-inf", "Infinity", "1e400"])
def test_import_refuses_non_finite_numbers_naming_row_and_column(shop, tmp_path, bad):
    """NaN passes a ``>= 0`` check and infinity passes a minimum: both would poison every sum
    they enter, so a number must be finite (issue #14)."""
    f = write(
        tmp_path / "orders.csv",
        "order_id,sku_id,quantity,created_at,unit_price\n"
        f"A,{SKU1},1,2024-03-01 10:00,12.99\n"
        f"B,{SKU1},1,2024-03-01 10:00,{bad}\n",
    )
    e = rejected(shop, "orders", f)
    assert where(e) == {(3, "unit_price")}
    assert len(e.problems) == 1 and "number" in e.problems[0].message


def test_batches_converted_in_threads_report_what_one_thread_reports(shop, tmp_path, monkeypatch):
    # Small CSV blocks make many batches; bad values, a ragged row and a late explanation-like
    # row spread over them. Problems, their order, the limit and the total match a one-thread run.
    from livecart.ingest import files, importer

    monkeypatch.setattr(files, "CSV_BLOCK", 2048)
    lines = []
    for i in range(3000):
        qty = "x" if i % 9 == 5 else ("-2" if i % 13 == 7 else "1")
        when = "31/02/2024 10:00" if i % 17 == 11 else "2024-03-01"
        lines.append(f"O{i},{SKU1},{qty},{when}\n" if i != 10 else f"O{i},{SKU1}\n")
    f = write(tmp_path / "o.csv", "order_id,sku_id,quantity,created_at\n" + "".join(lines))
    found = {}
    for threads in (1, 3):
        monkeypatch.setattr(importer, "CONVERT_THREADS", threads)
        e = rejected(shop, "orders", f)
        found[threads] = ([(p.row, p.column, p.message) for p in e.problems], e.truncated)
    assert found[1] == found[3]
    problems, truncated = found[3]
    assert truncated and len(problems) == shop.settings.import_problem_limit
    assert max(r for r, _, _ in problems) < 1000  # the first problems of the file, in order
    assert counts(shop)["orders"] == 0
