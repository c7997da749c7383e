"""Records the models look up as they are stored, one table each, in a full key's order so every
engine returns the same rows in the same order: the catalogue, creators, hosts' availability,
inventory snapshots, lives and their minutes. Callers keep rows with ``frame(ws, e, col=value)``
(``frame(ws, live_minute_rows, session_id="L0001")``) and filter ranges in pandas.
"""

from __future__ import annotations

import ibis

from livecart.store.query.columns import pick
from livecart.store.query.engine import Tables


def catalog(t: Tables) -> ibis.Table:
    """The products: SKU, product, name, variation, category, list price, unit cost, currency."""
    p = t("products")
    cols = ["sku_id", "product_id", "product_name", "variation", "category", "price"]
    return p.select(*cols, "unit_cost", "currency").order_by(
        ["sku_id", "product_id", "product_name"]
    )


def creator_list(t: Tables) -> ibis.Table:
    """The creators: name (the id without one), kind, markets and categories served,
    followers, fee and commission rate (0 when not given) and the fee's currency."""
    c = t("creators")
    out = c.select(
        "creator_id",
        name=ibis.coalesce(c.name, c.creator_id),
        kind=c.kind,
        markets=c.markets,
        categories=c.categories,
        followers=c.followers.fill_null(0),
        fee=c.fee.fill_null(0.0),
        commission_rate=c.commission_rate.fill_null(0.0),
        currency=c.currency,
    )
    return out.order_by(["creator_id", "kind", "markets"])


def host_availability(t: Tables) -> ibis.Table:
    """Hosts' weekly availability as imported, by host, weekday and start time."""
    a = t("host_availability")
    cols = ["host_id", "weekday", "start_time", "end_time", "markets"]
    return a.select(*cols, "max_hours_day", "max_hours_week").order_by(cols)


def inventory_snapshots(t: Tables) -> ibis.Table:
    """Stock snapshots: SKU, location, date, on hand, inbound with its arrival, lead time."""
    i = t("inventory")
    cols = ["sku_id", "location", "as_of", "on_hand", "inbound", "inbound_arrival"]
    return i.select(*cols, "lead_time_days").order_by(cols)


def session_rows(t: Tables) -> ibis.Table:
    """The lives as recorded, every column, by id."""
    return t("sessions").order_by("session_id")


def live_minute_rows(t: Tables) -> ibis.Table:
    """The lives' per-minute rows as recorded, every column, with the live's market (for
    ``frame(ws, live_minute_rows, market=...)``), by live and minute."""
    lm, s = t("live_minutes"), t("sessions")
    s = pick(s, "market", s_session="session_id")
    j = lm.left_join(s, lm.session_id == s.s_session)
    return j.select(*lm.columns, "market").order_by(["session_id", "minute"])


def buyer_rows(t: Tables) -> ibis.Table:
    """The buyers: market, when they followed and joined the fan club, by buyer."""
    b = t("buyers")
    cols = ["buyer_id", "market", "followed_at", "fan_club_joined_at"]
    return b.select(*cols).order_by(["buyer_id", "market"])


def fx_rates(t: Tables) -> ibis.Table:
    """The exchange rates as imported: date, currency, quote currency, rate."""
    return (
        t("fx_rates")
        .select("date", "currency", "quote", "rate")
        .order_by(["date", "currency", "quote", "rate"])
    )
