"""Live-session expressions: the golden-hour KPIs a retro compares with its plan, the funnel's
per-live counts, and the past lives and line-ups the host model (and through it the roster's
demand by market and local hour) is fitted on.

Local weekday and hour are left to the caller (a market's time zone, read with zoneinfo): time
zone rules are not portable between engines.
"""

from __future__ import annotations

import ibis

from livecart.store.query.engine import Tables

GOLDEN_MINUTES = 60
PHASES = ("pre_live", "live", "closing")


def _start(s: ibis.Table) -> ibis.Value:
    return ibis.coalesce(s.actual_start, s.planned_start)


def session_kpis(t: Tables) -> ibis.Table:
    """One row per live: its market, recorded gmv and orders; the golden hour's (minutes 0-59) gmv,
    orders, entries and ad spend from its minutes (null without minutes) and how many minute
    rows it has (``golden_minutes``, 0 without); ad spend per phase
    (``spend_<phase>``, 0 without any)."""
    s, lm, ad = t("sessions"), t("live_minutes"), t("ad_spend")
    g = (
        lm.filter(lm.minute < GOLDEN_MINUTES)
        .group_by("session_id")
        .aggregate(
            gh_gmv=lm.gmv.sum(),
            gh_orders=lm.orders.sum(),
            gh_entries=lm.entries.sum(),
            gh_ad_spend=lm.ad_spend.sum(),
            gh_minutes=lm.minute.count(),
        )
    )
    a = (
        ad.filter(ad.session_id.notnull())
        .group_by("session_id")
        .aggregate(**{f"p_{p}": (ad.phase == p).ifelse(ad.spend, 0.0).sum() for p in PHASES})
    )
    j = (
        s.select("session_id", "market", "gmv", "orders")
        .left_join(g, "session_id")
        .left_join(a, "session_id")
    )
    return j.select(
        "session_id",
        "market",
        session_gmv=j.gmv,
        session_orders=j.orders,
        gmv=j.gh_gmv,
        orders=j.gh_orders,
        entries=j.gh_entries,
        ad_spend=j.gh_ad_spend,
        golden_minutes=j.gh_minutes.fill_null(0),
        **{f"spend_{p}": j[f"p_{p}"].fill_null(0.0) for p in PHASES},
    )


def funnel_sessions(t: Tables) -> ibis.Table:
    """One row per live: market, host ('' if none), UTC day of its start, viewers, new
    followers (summed from its minutes, else the session's own count) and fan-club joins."""
    s, lm = t("sessions"), t("live_minutes")
    m = lm.group_by("session_id").aggregate(nf=lm.new_followers.sum(), fc=lm.fan_club_joins.sum())
    j = s.left_join(m, "session_id")
    return j.select(
        "session_id",
        "market",
        host=j.host_ids.fill_null(""),
        day=_start(j).date(),
        viewers=j.views.fill_null(0),
        new_followers=ibis.coalesce(j.nf, j.new_followers, ibis.literal(0)),
        fan_club_joins=j.fc.fill_null(0),
    )


def product_shares(t: Tables) -> ibis.Table:
    """One row per live x line-up SKU: its share of the live's audience, by pinned minutes
    (equal shares when nothing was pinned)."""
    sp = t("session_products")
    w = ibis.window(group_by=sp.session_id)
    pinned = sp.pinned_minutes.fill_null(0)
    total, n = pinned.sum().over(w), pinned.count().over(w)  # pinned is never null
    return sp.select("session_id", "sku_id", share=(total > 0).ifelse(pinned / total, 1.0 / n))


def host_sessions(t: Tables) -> ibis.Table:
    """One row per live, in start order: room, hosts, market, currency, start, minutes
    (planned when not run), views, average view seconds, gmv and its ad spend (0 without)."""
    s, ad = t("sessions"), t("ad_spend")
    a = ad.group_by(a_session="session_id").aggregate(spend=ad.spend.sum())
    j = s.left_join(a, s.session_id == a.a_session)
    start = _start(j)
    end = ibis.coalesce(j.actual_end, j.planned_end)
    out = j.select(
        "session_id",
        "room",
        "host_ids",
        "market",
        "currency",
        start=start,
        minutes=(end.epoch_seconds() - start.epoch_seconds()) / 60.0,
        views=j.views,
        avg_view_seconds=j.avg_view_seconds,
        gmv=j.gmv,
        ad_spend=j.spend.fill_null(0.0),
    )
    return out.order_by(["start", "session_id"])


def host_lines(t: Tables) -> ibis.Table:
    """One row per live x line-up SKU: category ('other' if unknown), pinned minutes, price,
    stock-out minute and units sold in the live (0 without orders)."""
    sp, p, o = t("session_products"), t("products"), t("orders")
    units = (
        o.filter(o.channel == "live")
        .group_by(o_session="session_id", o_sku="sku_id")
        .aggregate(units=o.quantity.sum())
    )
    cat = p.select(p_sku="sku_id", category="category")
    j = sp.left_join(cat, sp.sku_id == cat.p_sku).left_join(
        units, (sp.session_id == units.o_session) & (sp.sku_id == units.o_sku)
    )
    return j.select(
        "session_id",
        "sku_id",
        category=j.category.fill_null("other"),
        pinned_minutes=j.pinned_minutes,
        price=j.price,
        stockout_minute=j.stockout_minute,
        units=j.units.fill_null(0),
    )


def past_lives(t: Tables) -> ibis.Table:
    """Lives with stored minutes, latest actual start first (not started last), then by id
    descending: title, market, UTC start, gmv, currency, ``minutes`` (last minute + 1) and
    whether it is ``live`` (started, not ended)."""
    s, lm = t("sessions"), t("live_minutes")
    m = lm.group_by(m_session="session_id").aggregate(minutes=lm.minute.max() + 1)
    j = s.inner_join(m, s.session_id == m.m_session)
    out = j.select(
        "session_id",
        "title",
        "market",
        "actual_start",
        "gmv",
        "currency",
        "minutes",
        live=j.actual_start.notnull() & j.actual_end.isnull(),
    )
    return out.order_by([ibis.desc("actual_start", nulls_first=False), ibis.desc("session_id")])


def sku_sales(t: Tables) -> ibis.Table:
    """Per live x SKU, its order lines not marked 'cancelled': product name (the smallest, as
    recorded on the lines), ``orders`` (lines), units and gmv (order amounts), by live, then
    gmv descending, then SKU."""
    o = t("orders")
    o = o.filter(o.status.fill_null("") != "cancelled")
    out = o.group_by("session_id", "sku_id").aggregate(
        name=o.product_name.min(),
        orders=o.count(),
        units=o.quantity.sum(),
        gmv=o.order_amount.sum(),
    )
    return out.order_by(["session_id", ibis.desc("gmv", nulls_first=False), "sku_id"])
