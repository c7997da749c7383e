"""Stock expressions: what the stock forecast learns from (``stock.history``, ``stock.lostsales``).

Cancelled order lines (status or cancel/return type mentioning a cancellation) never count.
"""

from __future__ import annotations

import ibis

from livecart.store.query.engine import Tables
from livecart.store.query.orders import cancelled


def order_minutes(t: Tables) -> ibis.Table:
    """Units of each SKU sold in a live per minute after its start (actual, else planned):
    session_id, sku_id, minute (whole minutes since the start, floored), units. Only live-channel
    order lines with a time, of lives with a start, not cancelled."""
    o, s = t("orders"), t("sessions")
    s = s.select(s_session="session_id", start=ibis.coalesce(s.actual_start, s.planned_start))
    live = o.filter(o.channel == "live", o.created_at.notnull(), ~cancelled(o))
    j = live.inner_join(s, live.session_id == s.s_session).filter(s.start.notnull())
    # whole seconds each, as DuckDB's date_diff('second', ...) counts them
    seconds = j.created_at.epoch_seconds().floor() - j.start.epoch_seconds().floor()
    return j.group_by("session_id", "sku_id", minute=(seconds / 60).floor()).aggregate(
        units=j.quantity.sum()
    )
