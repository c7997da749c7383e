"""Stock expressions: what the stock forecast learns from (``stock.history``, ``stock.lostsales``).

Cancelled order lines (status or cancel/return type mentioning a cancellation) never count.
"""

from __future__ import annotations

import ibis

from livecart.store.query.columns import pick
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


_LIVE = (
    "session_id sku_id market host_ids planned_start planned_end actual_start position role price"
)
_STOCK = (
    "stock_start stock_end stockout_minute first_pin_minute pinned_minutes "
    "category unit_cost cost_currency product_name variation"
)


def stock_lineups(t: Tables) -> ibis.Table:
    """One row per line-up SKU of a live: the live's market, hosts and times, the SKU's
    position, role, price (in its currency, else the live's, else its market's), stock at start
    and end, stock-out and first-pin minutes, pinned minutes, and the product's category, unit
    cost (in ``cost_currency``), name and variation (null for a SKU not in the catalogue)."""
    sp, s, p, m = t("session_products"), t("sessions"), t("products"), t("markets")
    s = pick(
        s,
        "market host_ids planned_start planned_end actual_start",
        s_session="session_id",
        s_currency="currency",
    )
    p = pick(
        p,
        "category unit_cost product_name variation",
        p_sku="sku_id",
        cost_currency="currency",
    )
    m = m.select(m_market="market", m_currency="currency")
    j = (
        sp.inner_join(s, sp.session_id == s.s_session)
        .left_join(p, sp.sku_id == p.p_sku)
        .left_join(m, s.market == m.m_market)
    )
    currency = ibis.coalesce(j.currency, j.s_currency, j.m_currency).name("currency")
    return j.select(*_LIVE.split(), currency, *_STOCK.split())


def live_units_sold(t: Tables) -> ibis.Table:
    """Units of each SKU sold in each live: live-channel order lines, not cancelled."""
    o = t("orders")
    o = o.filter(o.channel == "live", o.session_id.notnull(), ~cancelled(o))
    return o.group_by("session_id", "sku_id").aggregate(units=o.quantity.sum())


def warmup_videos(t: Tables) -> ibis.Table:
    """The warm-up videos posted for a live: session_id, sku_id, posted_at and their views,
    product clicks and add-to-carts (null where not reported)."""
    v = t("videos")
    v = v.filter(v.purpose == "warmup", v.session_id.notnull())
    return v.select("session_id", "sku_id", "posted_at", "views", "product_clicks", "add_to_carts")


def session_spend(t: Tables) -> ibis.Table:
    """Ad spend per live and currency (a null currency is its own row)."""
    a = t("ad_spend")
    a = a.filter(a.session_id.notnull())
    return a.group_by("session_id", "currency").aggregate(spend=a.spend.sum())
