"""The retro: a session against its plan. GMV and orders for the whole live and its golden hour,
ad spend per phase, entries, and each SKU's stock (stock-outs and leftovers, with what is left
worth at the live price), with the largest gaps named: the three largest relative gaps, the
sold-out SKUs and the leftovers worth most (money tied up in stock). Amounts are in the
market's currency, as the plan has them.

The retro's actuals are the workspace's own records (sessions, live_minutes, ad_spend,
session_products), the same rows the response curves are fitted to, so a finished session enters
the next plan's fit without a separate step."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from livecart.errors import LivecartError
from livecart.plan.session import SessionPlan
from livecart.store import Workspace

PHASES = ("pre_live", "live", "closing")


@dataclass
class Retro:
    session_id: str
    plan_id: str
    currency: str
    rows: list[dict] = field(default_factory=list)  # metric, planned, actual, gap, gap_pct
    skus: list[dict] = field(default_factory=list)
    largest: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _actuals(ws: Workspace, sid: str) -> dict[str, float]:
    from livecart.store.query import frame, session_kpis

    k = frame(ws, session_kpis, session_id=sid)
    if k.empty:
        raise LivecartError(
            f"no session {sid!r} in this workspace: see `livecart live` or import it",
            dashboard=f"no session {sid!r} in this workspace: the Live page lists the lives; "
            "import others on the Import page",
        )
    out = k.iloc[0].drop(["session_id", "market"])
    return {
        c: float(v) if v is not None and not pd.isna(v) else float("nan") for c, v in out.items()
    }


LABELS = {
    "session_gmv": "GMV of the live",
    "session_orders": "orders of the live",
    "gmv": "golden-hour GMV",
    "orders": "golden-hour orders",
    "entries": "golden-hour entries",
    "ad_spend": "golden-hour ad spend",
    "spend_pre_live": "pre-live ad spend",
    "spend_live": "live ad spend",
    "spend_closing": "closing ad spend",
}


def _skus(ws: Workspace, plan: SessionPlan, sid: str) -> list[dict]:
    from livecart.store.query import frame, stock_lineups

    cols = ["sku_id", "price", "stock_start", "stock_end", "stockout_minute"]
    sp = frame(ws, stock_lineups, session_id=sid)[cols].set_index("sku_id")
    out = []
    for s in plan.lineup:
        r = sp.loc[s.sku_id] if s.sku_id in sp.index else None
        out.append(
            {
                "sku_id": s.sku_id,
                "role": s.role,
                "planned_stock": s.stock,
                "in_session": r is not None,
                "stock_start": None if r is None else _int(r["stock_start"]),
                "left": None if r is None else _int(r["stock_end"]),
                "stockout_minute": None if r is None else _int(r["stockout_minute"]),
                "left_value": None if r is None else _value(r),
            }
        )
    planned = {s.sku_id for s in plan.lineup}
    for sku in sp.index.difference(list(planned)):
        r = sp.loc[sku]
        out.append(
            {
                "sku_id": sku,
                "role": "not in plan",
                "planned_stock": None,
                "in_session": True,
                "stock_start": _int(r["stock_start"]),
                "left": _int(r["stock_end"]),
                "stockout_minute": _int(r["stockout_minute"]),
                "left_value": _value(r),
            }
        )
    return out


def _int(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _value(r) -> float | None:
    """What the units left are worth at the session's live price: the money tied up."""
    left, price = _int(r["stock_end"]), r["price"]
    return None if left is None or price is None or pd.isna(price) else round(left * price, 2)


BIG_LEFTOVER = 0.10  # a leftover worth this share of the live's GMV is named among the gaps


def _leftovers(skus: list[dict], gmv: float, cur: str) -> str | None:
    """The (at most three) leftovers worth most, each worth at least BIG_LEFTOVER of the live's
    GMV, with the stock left in all."""
    left = [s for s in skus if s["left_value"]]
    floor = BIG_LEFTOVER * gmv if gmv > 0 else 0.0
    big = sorted((s for s in left if s["left_value"] >= floor), key=lambda s: -s["left_value"])
    if not big:
        return None
    named = ", ".join(
        f"{s['sku_id']} {s['left']} of {s['stock_start']} units ({s['left_value']:,.0f} {cur})"
        for s in big[:3]
    )
    total = sum(s["left_value"] for s in left)
    return f"left over, at the live price: {named}; {total:,.0f} {cur} of stock left in all"


def retro(ws: Workspace, session_id: str, plan: SessionPlan) -> Retro:
    """Compare the recorded session with its plan; name the three largest gaps."""
    act = _actuals(ws, session_id)
    planned = dict(plan.targets)
    planned |= {f"spend_{p}": plan.budget["spend"][p] for p in PHASES}
    r = Retro(session_id, plan.plan_id, plan.currency)
    for k, label in LABELS.items():
        p, a = planned.get(k), act.get(k)
        if p is None or a is None or pd.isna(a):
            continue
        gap = a - p
        pct = gap / p * 100 if p else None  # nothing planned: no percentage to show
        r.rows.append(
            {"metric": k, "label": label, "planned": p, "actual": a, "gap": gap, "gap_pct": pct}
        )
    r.skus = _skus(ws, plan, session_id)
    ranked = sorted(
        (x for x in r.rows if x["gap_pct"] is not None and not pd.isna(x["gap_pct"])),
        key=lambda x: -abs(x["gap_pct"]),
    )
    r.largest = [
        f"{x['label']}: {x['actual']:,.0f} against {x['planned']:,.0f} planned "
        f"({x['gap_pct']:+.0f}%)"
        for x in ranked[:3]
    ]
    outs = [s["sku_id"] for s in r.skus if s["stockout_minute"] is not None]
    if outs:
        r.largest.append(f"sold out: {', '.join(outs)}")
    big = _leftovers(r.skus, act.get("session_gmv", float("nan")), plan.currency)
    if big:
        r.largest.append(big)
    return r
