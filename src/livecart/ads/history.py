"""Each session's ad spend and attributed GMV per phase, in USD: the data the response curves are
fitted to. Local amounts are converted at the session day's rate from ``fx_rates`` (a missing rate
raises MissingRateError, never a guessed 1.0)."""

from __future__ import annotations

import pandas as pd

from livecart.errors import LivecartError
from livecart.store import Workspace

PHASES = ("pre_live", "live", "closing")
BASE = "USD"


def _check_currency(rows: pd.DataFrame) -> None:
    """A row with no currency cannot be converted: refuse it rather than assume USD."""
    bad = rows[rows["no_currency"] > 0]
    if bad.empty:
        return
    sessions = sorted(bad["session_id"].astype(str).unique())
    more = f" and {len(sessions) - 5} more" if len(sessions) > 5 else ""
    phases = ", ".join(sorted(bad["phase"].astype(str).unique()))
    raise LivecartError(
        f"{int(bad['no_currency'].sum())} ad_spend row(s) with no currency in session(s) "
        f"{', '.join(sessions[:5])}{more} (phases {phases}): ad spend is never assumed to be "
        "USD; fill the currency column (e.g. USD, GBP) and import the rows again"
    )


def phase_history(ws: Workspace, market: str | None = None) -> pd.DataFrame:
    """One row per session: ``spend_<phase>`` and ``gmv_<phase>`` in USD for each phase, plus
    ``session_id``, ``market`` and ``day``. Sessions with no spend at all are left out."""
    from livecart.store.query import ad_phases, frame  # imports ibis: only when reading

    rows = frame(ws, ad_phases, **({"market": market} if market else {}))
    cols = ["session_id", "market", "day"] + [f"{k}_{p}" for k in ("spend", "gmv") for p in PHASES]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    _check_currency(rows)
    from livecart.store.query import fx_table

    fx = fx_table(ws)
    day = pd.to_datetime(rows["ts"]).dt.date
    rate = [fx.rate(c, BASE, d) for c, d in zip(rows["currency"], day, strict=True)]
    rows = rows.assign(spend=rows["spend"].fillna(0) * rate, gmv=rows["gmv"].fillna(0) * rate)
    wide = rows.pivot_table(
        index="session_id", columns="phase", values=["spend", "gmv"], aggfunc="sum", fill_value=0.0
    )
    out = pd.DataFrame(index=wide.index)
    for k in ("spend", "gmv"):
        for p in PHASES:
            out[f"{k}_{p}"] = wide[(k, p)] if (k, p) in wide.columns else 0.0
    meta = rows.groupby("session_id").agg(market=("market", "first"), day=("ts", "max"))
    out = out.join(meta).reset_index()
    out["day"] = pd.to_datetime(out["day"]).dt.date
    spent = out[[f"spend_{p}" for p in PHASES]].sum(axis=1) > 0
    return out.loc[spent, cols].sort_values("day", kind="stable").reset_index(drop=True)


def usd_rate(ws: Workspace, currency: str, day) -> float:
    """USD per unit of ``currency`` on ``day`` (the latest rate on or before it)."""
    from livecart.store.query import fx_table

    return fx_table(ws).rate(currency, BASE, day)
