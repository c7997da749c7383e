"""The workspace overview's numbers (``report.overview``): order lines counted and left out,
lives with their hours, GMV by market and UTC quarter hour, sales by market, the latest lives.

Nothing here converts to a market's local time (time zone rules are not portable between
engines): the expressions group by UTC quarter hour and carry each market's time zone name, and
``livecart.store.local_time`` converts the small result in pandas, exactly.
"""

from __future__ import annotations

import ibis

from livecart.store.local_time import QUARTER
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


def quarter(ts: ibis.Value) -> ibis.Value:
    """The UTC quarter hour of a timestamp: whole ``QUARTER``-second buckets since the epoch
    (``livecart.store.local_time`` turns it into a market's local day or hour, exactly)."""
    return ts.epoch_seconds() // QUARTER


def _lines(t: Tables) -> ibis.Table:
    """Order lines with the market ('' if none), the currency (the line's, else its market's)
    and the market's time zone name (as recorded: unknown names read as UTC later)."""
    o = t("orders")
    m = t("markets").select(m_market="market", m_currency="currency", timezone="timezone")
    j = o.left_join(m, o.market == m.m_market)
    return j.mutate(
        market=j.market.fill_null(""),
        currency=ibis.coalesce(j.currency, j.m_currency),
        counted=~cancelled(j) & ~_lower(j.status).isin(UNPAID),
    )


def gmv_quarters(t: Tables) -> ibis.Table:
    """Order lines by market, currency, time zone, UTC quarter hour of their paid (else
    created) time and whether they count (neither cancelled nor unpaid): ``gmv`` (subtotals,
    null as 0) and ``lines``. The overview's GMV by local day and its first and last day."""
    j = _lines(t)
    return j.group_by(
        "market",
        "currency",
        "timezone",
        "counted",
        paid_quarter=quarter(ibis.coalesce(j.paid_at, j.created_at)),
    ).aggregate(gmv=j.subtotal.fill_null(0).sum(), lines=j.count())


def market_sales(t: Tables) -> ibis.Table:
    """Counted order lines by market and currency, with the market's time zone name: ``gmv``
    (subtotals, null as 0), distinct ``orders``, ``units`` (0 without) and distinct ``buyers``."""
    j = _lines(t)
    j = j.filter(j.counted)
    return j.group_by("market", "currency", "timezone").aggregate(
        gmv=j.subtotal.fill_null(0).sum(),
        orders=j.order_id.nunique(),
        units=j.quantity.sum().fill_null(0),
        buyers=j.buyer_id.nunique(),
    )


def recent_lives(t: Tables) -> ibis.Table:
    """One row per live, latest actual start first (not started last, then by id): title,
    market ('' if none), its time zone name, UTC ``actual_start``, ``hours`` live, gmv and the
    currency (the live's, else its market's)."""
    s = t("sessions")
    m = t("markets").select(m_market="market", m_currency="currency", timezone="timezone")
    j = s.left_join(m, s.market == m.m_market)
    # a float before dividing: Spark reads 1e6 as a decimal and would return decimals
    seconds = j.actual_end.delta(j.actual_start, unit="microsecond").cast("float64") / 1e6
    out = j.select(
        "session_id",
        "title",
        market=j.market.fill_null(""),
        timezone=j.timezone,
        actual_start=j.actual_start,
        hours=seconds / 3600.0,
        gmv=j.gmv,
        currency=ibis.coalesce(j.currency, j.m_currency),
    )
    return out.order_by([ibis.desc("actual_start", nulls_first=False), "session_id"])


def market_zones(t: Tables) -> ibis.Table:
    """Each market's currency and time zone name, by market."""
    m = t("markets")
    return m.select("market", "currency", "timezone").order_by("market")


def catalog_counts(t: Tables) -> ibis.Table:
    """One row: how many ``products`` and ``creators`` the source holds."""
    p, c = t("products"), t("creators")
    return p.aggregate(products=p.count()).cross_join(c.aggregate(creators=c.count()))
