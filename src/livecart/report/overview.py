"""The workspace overview: headline numbers and GMV by day, for the dashboard's first page, its
JSON twin ``/api/overview`` and notebooks alike.

GMV variant (see docs/metrics.md): TikTok's "GMV" is payment-based and keeps orders cancelled or
refunded later. The overview shows **net paid GMV**: the sum of order lines' ``subtotal`` (after
seller and platform discounts) over lines that are neither cancelled (``status`` or
``cancel_return_type`` says cancel) nor unpaid, dated by paid time (created time when a line has
none, as cash-on-delivery lines may) in the market's local time. Returns and refunds stay in,
as in TikTok's GMV. Money per market is in the market's currency; the total across markets is
converted to the workspace's reporting currency with the ``fx_rates`` table, day by day. A missing
rate leaves the total empty and says which pair to import: never a silent 1.0.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, Field, WithJsonSchema

from livecart.errors import MissingRateError
from livecart.model.money import FxTable
from livecart.store import Workspace

GMV_LABEL = "Net paid GMV"
GMV_DEFINITION = (
    "Order lines' subtotal after discounts, by paid date (created date when a line has no paid "
    "time) in the market's local time. Cancelled and unpaid lines are excluded; returns and "
    "refunds stay in. TikTok's payment-based GMV also keeps later-cancelled orders, so it can be "
    "higher."
)


class MarketGmv(BaseModel):
    """One market's totals, in its own currency."""

    market: str
    currency: str | None
    timezone: str
    gmv: float
    gmv_reporting: float | None = Field(None, description="GMV in the reporting currency")
    orders: int
    units: int
    buyers: int


class DayGmv(BaseModel):
    """GMV of one market on one local day."""

    day: dt.date
    market: str
    currency: str | None
    gmv: float
    gmv_reporting: float | None


# a wall-clock time in the market's zone (named beside it), so without a UTC offset: not the
# JSON Schema "date-time" format, which requires one
LocalTime = Annotated[
    dt.datetime | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"},
                {"type": "null"},
            ],
            "description": "local date and time, ISO 8601 without offset",
        }
    ),
]


class RecentSession(BaseModel):
    session_id: str
    title: str | None
    market: str
    timezone: str
    start_local: LocalTime = Field(None, description="actual start, market local time")
    hours: float | None
    gmv: float | None
    currency: str | None


class Overview(BaseModel):
    """Headline numbers of a workspace. ``gmv`` is in ``reporting_currency``; it is ``None`` when
    a rate is missing, and ``missing_rates`` says which to import."""

    empty: bool
    reporting_currency: str
    gmv_label: str = GMV_LABEL
    gmv_definition: str = GMV_DEFINITION
    gmv: float | None
    missing_rates: list[str]
    orders: int
    units: int
    buyers: int
    cancelled_lines: int
    unpaid_lines: int
    sessions: int
    live_hours: float
    products: int
    creators: int
    first_day: dt.date | None
    last_day: dt.date | None
    markets: list[MarketGmv]
    gmv_by_day: list[DayGmv]
    recent_sessions: list[RecentSession]
    notes: list[str]


def overview(ws: Workspace, recent: int = 5) -> Overview:
    """Compute the overview of ``ws`` (read-only)."""
    from livecart.store.query import catalog_counts, frame  # imports ibis: only when reading

    counted = _counted_lines_summary(ws)
    quarters = _local_days(ws)
    days = gmv_by_day(quarters)
    rc = ws.settings.reporting_currency
    from livecart.store.query import fx_table

    fx = fx_table(ws)
    days["gmv_reporting"], missing = _convert(days, fx, rc)
    markets = _market_totals(ws, days)
    n_sessions, live_hours = _session_totals(ws)
    total = None if missing or days.empty else float(days["gmv_reporting"].sum())
    if days.empty:
        total = 0.0
    catalog = frame(ws, catalog_counts).iloc[0]
    return Overview(
        empty=counted["lines"] == 0 and n_sessions == 0,
        reporting_currency=rc,
        gmv=total,
        missing_rates=missing,
        orders=counted["orders"],
        units=counted["units"],
        buyers=counted["buyers"],
        cancelled_lines=counted["cancelled"],
        unpaid_lines=counted["unpaid"],
        sessions=n_sessions,
        live_hours=live_hours,
        products=int(catalog["products"]),
        creators=int(catalog["creators"]),
        first_day=_date_or_none(quarters["day"].min()),
        last_day=_date_or_none(quarters["day"].max()),
        markets=markets,
        gmv_by_day=[DayGmv(**_none_for_nan(r)) for r in days.to_dict("records")],
        recent_sessions=recent_sessions(ws, recent),
        notes=_notes(ws, counted),
    )


def _local_days(ws: Workspace) -> pd.DataFrame:
    """The query layer's GMV by market and UTC quarter hour, each quarter's local ``day`` in its
    market's time zone beside it (UTC where the zone is unknown)."""
    from livecart.store.local_time import quarter_times
    from livecart.store.query import frame, gmv_quarters

    q = frame(ws, gmv_quarters)
    q["day"] = quarter_times(q["paid_quarter"], q["timezone"]).dt.normalize()
    return q


def gmv_by_day(quarters: pd.DataFrame) -> pd.DataFrame:
    """Counted lines' GMV by market, currency and local day, in day and market order."""
    counted = quarters[quarters["counted"].astype(bool)]
    days = counted.groupby(["market", "currency", "day"], dropna=False, as_index=False)["gmv"]
    return days.sum().sort_values(["day", "market"], kind="stable", ignore_index=True)


def _convert(days: pd.DataFrame, fx: FxTable, quote: str) -> tuple[list[float | None], list[str]]:
    """Each day's GMV in ``quote``; every missing pair is named once (its first missing day)."""
    out: list[float | None] = []
    missing: dict[tuple[str, str], str] = {}
    for r in days.itertuples():
        if r.currency is None or pd.isna(r.currency):
            missing.setdefault(
                ("?", quote),
                f"order lines in market {r.market or '(none)'} "
                "have no currency: import the market with its currency",
            )
            out.append(None)
            continue
        try:
            out.append(r.gmv * fx.rate(r.currency, quote, _date_or_none(r.day)))
        except MissingRateError as e:
            missing.setdefault((r.currency, quote), str(e))
            out.append(None)
    return out, list(missing.values())


def _counted_lines_summary(ws: Workspace) -> dict[str, int]:
    from livecart.store.query import frame, line_counts  # imports ibis: only when reading

    return {k: int(v) for k, v in frame(ws, line_counts).iloc[0].items()}


def _market_totals(ws: Workspace, days: pd.DataFrame) -> list[MarketGmv]:
    from livecart.store.query import frame, market_sales

    rows = frame(ws, market_sales).sort_values(["market", "currency"], kind="stable")
    rows["timezone"] = rows["timezone"].fillna("UTC")
    out = []
    for r in rows.to_dict("records"):
        mine = days[(days["market"] == r["market"]) & (days["currency"] == r["currency"])]
        conv = mine["gmv_reporting"]
        r["gmv_reporting"] = None if conv.isna().any() else float(conv.sum())
        out.append(MarketGmv(**_none_for_nan(r)))
    # Largest first, compared in the reporting currency (local amounts are not comparable).
    if all(m.gmv_reporting is not None for m in out):
        out.sort(key=lambda m: -(m.gmv_reporting or 0.0))
    return out


def _session_totals(ws: Workspace) -> tuple[int, float]:
    from livecart.store.query import frame, live_totals

    n, secs = frame(ws, live_totals).iloc[0]
    return int(n), float(secs) / 3600.0


def recent_sessions(ws: Workspace, n: int = 5) -> list[RecentSession]:
    """The latest ``n`` lives by actual start, with start times in the market's local time."""
    from livecart.store.local_time import local_times, zone_name
    from livecart.store.query import frame, recent_lives

    rows = frame(ws, recent_lives, limit=n)
    rows["timezone"] = rows["timezone"].map(zone_name)
    rows["start_local"] = local_times(rows.pop("actual_start"), rows["timezone"])
    return [RecentSession(**_none_for_nan(r)) for r in rows.to_dict("records")]


def _notes(ws: Workspace, counted: dict[str, int]) -> list[str]:
    notes = []
    if counted["cancelled"]:
        n = counted["cancelled"]
        notes.append(
            f"{n:,} cancelled order line{' is' if n == 1 else 's are'} excluded from GMV, "
            "orders, units and buyers."
        )
    if counted["unpaid"]:
        n = counted["unpaid"]
        notes.append(f"{n:,} unpaid order line{' is' if n == 1 else 's are'} excluded.")
    if counted["no_subtotal"]:
        notes.append(
            f"{counted['no_subtotal']:,} order lines have no subtotal and count as 0 "
            "GMV: re-import them with `SKU Subtotal After Discount` filled."
        )
    from livecart.store.local_time import unknown_zones
    from livecart.store.query import frame, market_zones

    zones = frame(ws, market_zones)
    for r in zones[unknown_zones(zones["timezone"])].itertuples():
        notes.append(
            f"market {r.market} has an unknown time zone {r.timezone!r}: its days are "
            "shown in UTC. Re-import markets with an IANA name such as Asia/Jakarta."
        )
    return notes


def _date_or_none(v: object) -> dt.date | None:
    if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date()
    return v  # type: ignore[return-value]


def _none_for_nan(row: dict) -> dict:
    return {k: (None if _is_missing(v) else v) for k, v in row.items()}


def _is_missing(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
