"""An own-format orders file without ``subtotal``: it is derived as quantity x unit_price minus
the discounts, so GMV is not silently empty."""

from __future__ import annotations

import pytest

from livecart.errors import ImportRejected
from livecart.ingest import import_file
from tests.ingest.conftest import write

SKU = "1729000000000000001"


def _subtotals(ws) -> dict[str, float | None]:
    t = ws.table("orders").set_index("order_id").subtotal
    return {k: (None if v != v else v) for k, v in t.items()}


def test_subtotal_is_quantity_times_unit_price_less_both_discounts(shop, tmp_path):
    f = write(
        tmp_path / "o.csv",
        "order_id,sku_id,quantity,unit_price,seller_discount,platform_discount,created_at,market\n"
        f"A,{SKU},2,10,1.5,0.5,2024-03-01,US\n"
        f"B,{SKU},3,4,,,2024-03-01,US\n",  # empty discounts are none
    )
    r = import_file(shop, "orders", f)
    assert _subtotals(shop) == {"A": pytest.approx(18.0), "B": pytest.approx(12.0)}
    assert any("subtotal = quantity x unit_price - discounts" in n for n in r.notes)


def test_subtotal_without_discount_columns_is_quantity_times_unit_price(shop, tmp_path):
    f = write(
        tmp_path / "o.csv",
        f"order_id,sku_id,quantity,unit_price,created_at,market\nA,{SKU},2,10,2024-03-01,US\n",
    )
    import_file(shop, "orders", f)
    assert _subtotals(shop) == {"A": pytest.approx(20.0)}


def test_subtotal_given_in_the_file_is_kept_as_written(shop, tmp_path):
    f = write(
        tmp_path / "o.csv",
        "order_id,sku_id,quantity,unit_price,seller_discount,subtotal,created_at,market\n"
        f"A,{SKU},2,10,1,17.25,2024-03-01,US\n",
    )
    import_file(shop, "orders", f)
    assert _subtotals(shop) == {"A": pytest.approx(17.25)}


def test_without_unit_price_the_subtotal_stays_empty(shop, tmp_path):
    f = write(tmp_path / "o.csv", f"order_id,sku_id,quantity,created_at\nA,{SKU},2,2024-03-01\n")
    import_file(shop, "orders", f, market="US")
    assert _subtotals(shop) == {"A": None}


def test_discounts_above_the_line_amount_are_a_problem_naming_row_and_column(shop, tmp_path):
    f = write(
        tmp_path / "o.csv",
        "order_id,sku_id,quantity,unit_price,Seller Discount,created_at,market\n"
        f"A,{SKU},1,10,2,2024-03-01,US\n"
        f"B,{SKU},1,10,12,2024-03-01,US\n",
    )
    with pytest.raises(ImportRejected) as e:
        import_file(shop, "orders", f)
    assert [(p.row, p.column) for p in e.value.problems] == [(3, "Seller Discount")]
    assert "-2.0" in e.value.problems[0].message
    assert shop.count("orders") == 0
