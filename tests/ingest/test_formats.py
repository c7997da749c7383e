"""Files are read by what they are, not what they are called: encodings, files that lie about
their format, truncated Parquet, and streaming in batches with progress."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from livecart.errors import ImportRejected
from livecart.ingest import files, import_file
from tests.ingest.conftest import write

MARKETS = "market,name,currency,timezone\nUS,Étas-Unis café,USD,America/New_York\n"


def only_problem(ws, kind, path) -> str:
    with pytest.raises(ImportRejected) as e:
        import_file(ws, kind, path)
    assert len(e.value.problems) == 1 and e.value.problems[0].file == path.name
    assert ws.count(kind) == 0
    return e.value.problems[0].message


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_bom_imports(ws, tmp_path, bom):
    f = tmp_path / "m.csv"
    f.write_bytes(bom + MARKETS.encode())
    import_file(ws, "markets", f)
    assert ws.table("markets").name[0] == "Étas-Unis café"


def test_non_utf8_file_is_a_clear_error_naming_the_file(ws, tmp_path):
    f = write(tmp_path / "m.csv", MARKETS, encoding="cp1252")
    assert "re-save the file as 'CSV UTF-8'" in only_problem(ws, "markets", f)


def test_non_utf8_bytes_deep_in_a_large_file_are_caught(ws, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "CSV_BLOCK", 1 << 12)
    rows = "".join(f"M{i},n,USD,UTC\n" for i in range(20000))
    f = tmp_path / "m.csv"
    f.write_bytes(
        ("market,name,currency,timezone\n" + rows).encode() + "X,café,USD,UTC\n".encode("latin-1")
    )
    assert "not UTF-8" in only_problem(ws, "markets", f)


def test_utf16_file_is_a_clear_error(ws, tmp_path):
    f = write(tmp_path / "m.csv", "\ufeff" + MARKETS, encoding="utf-16-le")
    assert "UTF-16" in only_problem(ws, "markets", f)


def test_xlsx_that_is_really_csv_is_a_clear_problem(ws, tmp_path):
    f = write(tmp_path / "m.xlsx", MARKETS)
    msg = only_problem(ws, "markets", f)
    assert "named .xlsx but holds CSV text" in msg


def test_renamed_copy_of_an_imported_csv_is_still_a_format_problem_not_unchanged(ws, tmp_path):
    import_file(ws, "markets", write(tmp_path / "m.csv", MARKETS))
    renamed = write(tmp_path / "m.xlsx", MARKETS)  # the same bytes: same hash as the import
    with pytest.raises(ImportRejected) as e:
        import_file(ws, "markets", renamed)
    assert "named .xlsx but holds CSV text" in e.value.problems[0].message
    assert ws.count("markets") == 1


def test_csv_that_is_really_xlsx_is_a_clear_problem(ws, tmp_path, fixtures):
    f = tmp_path / "orders.csv"
    f.write_bytes((fixtures / "OrderSKUList.xlsx").read_bytes())
    assert "holds an XLSX workbook" in only_problem(ws, "orders", f)


def test_truncated_parquet_is_a_clear_problem(ws, tmp_path):
    f = tmp_path / "m.parquet"
    pq.write_table(pa.table({"market": ["US"], "currency": ["USD"], "timezone": ["UTC"]}), f)
    f.write_bytes(f.read_bytes()[:-20])
    assert "truncated Parquet" in only_problem(ws, "markets", f)


def test_damaged_xlsx_is_a_clear_problem(ws, tmp_path, fixtures):
    f = tmp_path / "o.xlsx"
    f.write_bytes((fixtures / "OrderSKUList.xlsx").read_bytes()[:2000])
    assert "not a readable XLSX" in only_problem(ws, "orders", f)


def test_empty_file_is_a_clear_problem(ws, tmp_path):
    assert "empty" in only_problem(ws, "markets", write(tmp_path / "m.csv", ""))


def test_parquet_with_typed_columns_imports(shop, tmp_path):
    f = tmp_path / "o.parquet"
    df = pd.DataFrame(
        {
            "order_id": ["A", "B"],
            "sku_id": ["1729000000000000001"] * 2,
            "quantity": [1, 3],
            "unit_price": [1.5, 2.0],
            "created_at": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00"]),
        }
    )
    df.to_parquet(f)
    r = import_file(shop, "orders", f)
    assert r.format == "parquet" and r.rows_written == 2
    assert shop.table("orders").quantity.sum() == 4


def test_semicolon_csv_is_read(ws, tmp_path):
    f = write(tmp_path / "m.csv", "market;currency;timezone\nUS;USD;America/New_York\n")
    import_file(ws, "markets", f)
    assert ws.count("markets") == 1


def test_large_csv_streams_in_batches_with_progress_and_right_row_numbers(
    shop, tmp_path, monkeypatch
):
    monkeypatch.setattr(files, "CSV_BLOCK", 1 << 12)  # ~4 KB blocks: many batches
    n = 5000
    body = "".join(
        f"O{i},1729000000000000001,{'x' if i == n - 3 else 1},2024-03-01\n" for i in range(n)
    )
    f = write(tmp_path / "o.csv", "order_id,sku_id,quantity,created_at\n" + body)
    seen: list[tuple[int, int | None]] = []
    with pytest.raises(ImportRejected) as e:
        import_file(shop, "orders", f, progress=lambda d, t: seen.append((d, t)))
    assert shop.count("orders") == 0  # batches before the bad row were staged, never written
    assert [(p.row, p.column) for p in e.value.problems] == [(n - 3 + 2, "quantity")]
    assert len(seen) > 10 and seen[-1] == (f.stat().st_size, f.stat().st_size)
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))
    fixed = write(
        tmp_path / "o2.csv", "order_id,sku_id,quantity,created_at\n" + body.replace(",x,", ",1,")
    )
    assert import_file(shop, "orders", fixed).rows_written == n
    assert shop.count("orders") == n


def test_xlsx_row_numbers_match_the_sheet(shop, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    sh = wb.active
    sh.append(["Order ID", "SKU ID", "Quantity", "Created Time"])
    sh.append(["A", "1729000000000000001", 1, "01/03/2024 10:00:00"])
    sh.append([None, None, None, None])
    sh.append(["B", "1729000000000000001", "many", "01/03/2024 10:00:00"])
    wb.save(tmp_path / "o.xlsx")
    with pytest.raises(ImportRejected) as e:
        import_file(shop, "orders", tmp_path / "o.xlsx")
    assert [(p.row, p.column) for p in e.value.problems] == [(4, "Quantity")]


def test_sheet_without_a_header_row_is_a_clear_problem(ws, tmp_path):
    import openpyxl

    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    assert "no header row" in only_problem(ws, "markets", tmp_path / "empty.xlsx")
