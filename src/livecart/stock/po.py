"""The purchase order of a stock plan: one row per SKU to order, as CSV-ready records."""

from __future__ import annotations

import csv
import io

from livecart.stock.sizing import StockPlan

PO_COLUMNS = (
    "session_id",
    "sku_id",
    "product",
    "order_qty",
    "unit_cost",
    "line_cost",
    "currency",
    "latest_order_date",
    "target",
    "available",
    "note",
)


def purchase_order(plan: StockPlan) -> list[dict[str, object]]:
    """SKUs with something to order, largest spend first."""
    rows = []
    for ln in plan.lines:
        if ln.order_qty <= 0:
            continue
        cost = ln.unit_cost or 0.0
        rows.append(
            {
                "session_id": plan.session_id,
                "sku_id": ln.sku_id,
                "product": ln.name,
                "order_qty": ln.order_qty,
                "unit_cost": round(cost, 4),
                "line_cost": round(cost * ln.order_qty, 2),
                "currency": plan.currency,
                "latest_order_date": ln.latest_order_date.isoformat()
                if ln.latest_order_date
                else "",
                "target": ln.target,
                "available": ln.available,
                "note": "LATE: expedite" if ln.order_late else "",
            }
        )
    return sorted(rows, key=lambda r: -float(r["line_cost"]))


def purchase_order_csv(plan: StockPlan) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=PO_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(purchase_order(plan))
    return buf.getvalue()
