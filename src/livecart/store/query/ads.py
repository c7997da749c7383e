"""Ad spend per session x phase: what the ads response curves are fitted to (``ads.history``).

Amounts stay in the rows' own currency; converting to USD at the day's rate is the caller's work.
``no_currency`` counts the rows with no currency, which the caller refuses rather than guess.
"""

from __future__ import annotations

import ibis

from livecart.store.query.engine import Tables


def ad_phases(t: Tables) -> ibis.Table:
    """One row per session_id x market x phase of the ad_spend rows with a session: currency
    (the largest seen; a session phase has one), ts (the latest), spend and gmv (attributed GMV)
    summed, no_currency (rows with a null or blank currency). Filter on ``market`` with
    ``frame(ws, ad_phases, market=...)``: it is a key, so the filter keeps whole groups."""
    a = t("ad_spend")
    a = a.filter(a.session_id.notnull())
    blank = a.currency.isnull() | (a.currency.strip() == "")
    return a.group_by("session_id", "market", "phase").aggregate(
        currency=a.currency.max(),
        ts=a.ts.max(),
        spend=a.spend.sum(),
        gmv=a.attributed_gmv.sum(),
        no_currency=ibis.ifelse(blank, 1, 0).sum(),
    )
