"""Line-up expressions: what each product's past lives showed (the plan's candidates, the
product stages) and which lives have a line-up to size stock for (``stock.sizing``).

Range conditions the callers bring (a market, a time "by now") are left to them: a market with
``frame(ws, e, market=...)``, a time in pandas on the small result.
"""

from __future__ import annotations

import ibis

from livecart.store.query.columns import pick
from livecart.store.query.engine import Tables


def _minute(ts: ibis.Value) -> ibis.Value:
    """Whole minutes since the epoch (a timestamp's minute)."""
    return (ts.epoch_seconds() / 60).floor()


def sku_live_history(t: Tables) -> ibis.Table:
    """Per market x SKU: its ``lives`` (line-ups), their ``minutes`` (minute boundaries from
    start to end, actual else planned, as DuckDB's date_diff('minute') counts them), and the
    ``units`` and ``gmv`` (subtotals) of its order lines in those lives (any status, 0 without)."""
    sp, s, o = t("session_products"), t("sessions"), t("orders")
    s = s.select(
        s_session="session_id",
        market="market",
        minutes=_minute(ibis.coalesce(s.actual_end, s.planned_end))
        - _minute(ibis.coalesce(s.actual_start, s.planned_start)),
    )
    lives = (
        sp.inner_join(s, sp.session_id == s.s_session)
        .select("session_id", "sku_id", "market", "minutes")
        .distinct()
    )
    sold = o.group_by(o_session="session_id", o_sku="sku_id").aggregate(
        units=o.quantity.sum(), gmv=o.subtotal.sum()
    )
    j = lives.left_join(sold, (lives.session_id == sold.o_session) & (lives.sku_id == sold.o_sku))
    out = j.group_by("market", "sku_id").aggregate(
        lives=j.count(),
        minutes=j.minutes.sum(),
        units=j.units.sum().fill_null(0),
        gmv=j.gmv.sum().fill_null(0.0),
    )
    return out.order_by([ibis.asc("market", nulls_first=True), "sku_id"])


def lineup_sessions(t: Tables) -> ibis.Table:
    """Lives with a line-up, latest start (planned, else actual) first, then by id: market,
    start and how many line-up rows (``skus``)."""
    s, sp = t("sessions"), t("session_products")
    s = s.select("session_id", "market", start=ibis.coalesce(s.planned_start, s.actual_start))
    lines = sp.select(sp_session="session_id", sku_id="sku_id")
    j = s.inner_join(lines, s.session_id == lines.sp_session)
    out = j.group_by("session_id", "market", "start").aggregate(skus=j.sku_id.count())
    return out.order_by([ibis.desc("start", nulls_first=False), "session_id"])


def sku_lives(t: Tables) -> ibis.Table:
    """One row per line-up row of a live: SKU, the live's market, id and starts, whether its
    room is a store account (``store``), and the units of the SKU's order lines in the live (any
    status, 0 without)."""
    sp, s, c, o = t("session_products"), t("sessions"), t("creators"), t("orders")
    s = pick(s, "market room actual_start planned_start", s_session="session_id")
    c = c.select(c_creator="creator_id", kind="kind")
    sold = o.group_by(o_session="session_id", o_sku="sku_id").aggregate(units=o.quantity.sum())
    j = (
        sp.inner_join(s, sp.session_id == s.s_session)
        .left_join(c, s.room == c.c_creator)
        .left_join(sold, (sp.session_id == sold.o_session) & (sp.sku_id == sold.o_sku))
    )
    out = j.select(
        "sku_id",
        "market",
        "session_id",
        "actual_start",
        "planned_start",
        store=(j.kind == "store_account").fill_null(False),
        units=j.units.fill_null(0),
    )
    return out.order_by(["session_id", "sku_id", "store", "units"])


def scale_videos(t: Tables) -> ibis.Table:
    """Videos that scale a product: not product tests and not by a KOC (a creator of another
    kind, or unknown). SKU, market, posting time (null if unknown), by video id."""
    v, c = t("videos"), t("creators")
    c = c.select(c_creator="creator_id", kind="kind")
    j = v.left_join(c, v.creator_id == c.c_creator)
    j = j.filter(j.purpose != "test", j.kind.fill_null("") != "koc")
    return j.select("video_id", "sku_id", "market", "posted_at").order_by(
        ["video_id", "sku_id", "market", ibis.asc("posted_at", nulls_first=True)]
    )
