"""The workspace overview's headline counts (``report.overview``): order lines counted and left
out, and lives with their hours. GMV by local day stays in the report, in SQL: it needs each
market's time zone, which is not portable between engines.
"""

from __future__ import annotations

import ibis

from livecart.store.query.engine import Tables
from livecart.store.query.orders import UNPAID, _lower, cancelled


def _count(condition: ibis.Value) -> ibis.Value:
    return ibis.ifelse(condition, 1, 0).sum().fill_null(0)


def line_counts(t: Tables) -> ibis.Table:
    """One row: order lines in all (``lines``); the orders, units and buyers of the lines
    counted (neither cancelled nor unpaid); ``cancelled`` lines, ``unpaid`` lines not
    cancelled, and counted lines with no subtotal (``no_subtotal``)."""
    o = t("orders")
    out, unpaid = cancelled(o), _lower(o.status).isin(UNPAID)
    counted = ~out & ~unpaid
    return o.aggregate(
        lines=o.count(),
        orders=o.order_id.nunique(where=counted),
        units=o.quantity.sum(where=counted).fill_null(0),
        buyers=o.buyer_id.nunique(where=counted),
        cancelled=_count(out),
        unpaid=_count(unpaid & ~out),
        no_subtotal=_count(o.subtotal.isnull() & counted),
    )


def live_totals(t: Tables) -> ibis.Table:
    """One row: ``sessions`` (every live) and ``live_seconds`` (actual end - actual start
    summed over the lives that ran forwards; 0 without any)."""
    s = t("sessions")
    ran = s.actual_end > s.actual_start
    seconds = s.actual_end.delta(s.actual_start, unit="microsecond") / 1e6
    return s.aggregate(sessions=s.count(), live_seconds=seconds.sum(where=ran).fill_null(0.0))
