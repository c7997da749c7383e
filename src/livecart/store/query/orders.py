"""Order expressions: paid orders per buyer (what the customer-value models read) and the live
and product with which each buyer first bought (the funnel's first purchases).

A paid order has a buyer, is not cancelled (its status or cancel/return type mentions a
cancellation) and is not waiting for payment. Its time is when it was paid (else created), its
amount the sum of its lines' order amounts (else subtotals).
"""

from __future__ import annotations

import ibis

from livecart.store.query.engine import Tables

UNPAID = ("unpaid", "awaiting payment", "pending")


def _lower(column: ibis.Value) -> ibis.Value:
    return column.fill_null("").lower()


def cancelled(o: ibis.Table) -> ibis.Value:
    """Whether an order line is cancelled: its status or cancel/return type mentions it."""
    return _lower(o.status).contains("cancel") | _lower(o.cancel_return_type).contains("cancel")


def paid_orders(t: Tables) -> ibis.Table:
    """One row per paid order with a buyer: buyer_id, order_id, ts (first paid/created time),
    day (its UTC date), currency (the order's, else its market's), market (the order's, else the
    buyer's, else ''), amount (in that currency)."""
    o = t("orders")
    m = t("markets").select(m_market="market", m_currency="currency")
    b = t("buyers").select(b_buyer="buyer_id", b_market="market")
    paid = o.filter(o.buyer_id.notnull(), ~cancelled(o), ~_lower(o.status).isin(UNPAID))
    j = paid.left_join(m, paid.market == m.m_market).left_join(b, paid.buyer_id == b.b_buyer)
    out = j.group_by(
        "buyer_id",
        "order_id",
        currency=ibis.coalesce(j.currency, j.m_currency),
        market=ibis.coalesce(j.market, j.b_market, ibis.literal("")),
    ).aggregate(
        ts=ibis.coalesce(j.paid_at, j.created_at).min(),
        amount=ibis.coalesce(j.order_amount, j.subtotal, ibis.literal(0.0)).sum(),
    )
    return out.select(
        "buyer_id",
        "order_id",
        "ts",
        day=out.ts.date(),
        currency=out.currency,
        market=out.market,
        amount=out.amount,
    )


def first_purchases(t: Tables) -> ibis.Table:
    """buyer_id with the session_id and sku_id of the buyer's earliest order line (any
    status): where and with what each buyer first bought. Lines at the same instant go by
    order_id then sku_id (an order line's key), so every engine picks the same one line."""
    o = t("orders")
    o = o.filter(o.buyer_id.notnull())
    w = ibis.window(group_by=o.buyer_id, order_by=[o.created_at, o.order_id, o.sku_id])
    ranked = o.mutate(line_rank=ibis.row_number().over(w))
    first = ranked.filter(ranked.line_rank == 0)
    return first.select("buyer_id", "session_id", "sku_id")
