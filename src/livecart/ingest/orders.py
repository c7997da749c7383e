"""Order lines in livecart's own format may leave out ``subtotal`` (the line's GMV). It is then
derived from the columns the file does have:

    subtotal = quantity x unit_price - seller_discount - platform_discount

with a missing or empty discount counting as none. A file without ``unit_price`` keeps
``subtotal`` empty: there is nothing to derive it from. A Seller Center export always carries
``SKU Subtotal After Discount``, which is used as written.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from livecart.ingest.columns import ColumnMap

DISCOUNTS = ("seller_discount", "platform_discount")


def derives_subtotal(cmap: ColumnMap) -> bool:
    """True when the file has no subtotal but has what it is made of."""
    return "subtotal" not in cmap.sources and {"quantity", "unit_price"} <= set(cmap.sources)


def derive_subtotal(table: pa.Table) -> tuple[pa.Table, pa.Array]:
    """The table with ``subtotal`` filled in, and a mask of rows whose discounts exceed
    quantity x unit_price (a negative subtotal, reported as a problem by the caller)."""
    gross = pc.multiply(pc.cast(table.column("quantity"), pa.float64()), table.column("unit_price"))
    subtotal = gross
    inputs_valid = pc.greater_equal(gross, 0.0)  # a negative input is reported on its own
    for name in DISCOUNTS:
        discount = pc.fill_null(table.column(name), 0.0)
        subtotal = pc.subtract(subtotal, discount)
        inputs_valid = pc.and_(inputs_valid, pc.greater_equal(discount, 0.0))
    negative = pc.fill_null(pc.and_(inputs_valid, pc.less(subtotal, 0.0)), False)
    i = table.column_names.index("subtotal")
    return table.set_column(i, "subtotal", subtotal), negative
