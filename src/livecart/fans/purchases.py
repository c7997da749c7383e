"""Buyers and their purchase days from a workspace, in the reporting currency.

A purchase is a buyer's day with at least one paid, not-cancelled order (several orders on one
day count once, as `lifetimes` does), valued at the sum of its order amounts converted to the
reporting currency with the day's rate. Times are whole UTC days; models read weeks (days / 7).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from livecart.errors import FitError, MissingRateError
from livecart.store import Workspace


@dataclass(frozen=True)
class Purchases:
    """``days``: buyer_id, day (int, days since ``origin``), value (reporting currency).
    ``buyers``: buyer_id, market, first_day, follow_day, fan_club_day (float, NaN if never),
    ``has_follow_data`` False when the workspace has no buyers table rows at all.
    ``orders``: buyer_id, t (days since ``origin``, exact), value: one row per order, what the
    models read (collapsing a heavy buyer's orders into days would bias her rate down)."""

    days: pd.DataFrame
    buyers: pd.DataFrame
    origin: pd.Timestamp
    end_day: int
    currency: str
    has_follow_data: bool
    notes: tuple[str, ...] = ()
    orders: pd.DataFrame | None = None

    def before(self, cut_day: int) -> Purchases:
        """The shop as it stood at ``cut_day``: purchases before it, buyers first seen before
        it, and follows or fan-club joins from then on not yet made (for holdouts)."""
        b = self.buyers[self.buyers["first_day"] < cut_day].copy()
        for col in ("follow_day", "fan_club_day", "follow_t", "fan_club_t"):
            if col in b:
                b[col] = b[col].where(b[col] < cut_day)
        orders = None if self.orders is None else self.orders[self.orders["t"] < cut_day]
        days = self.days[self.days["day"] < cut_day]
        return replace(self, days=days, buyers=b, end_day=cut_day, orders=orders)


def load_purchases(ws: Workspace) -> Purchases:
    """Read orders and buyers from ``ws`` (read-only)."""
    from livecart.store.query import buyer_rows, frame, paid_orders

    # paid orders with a buyer (livecart.store.query.orders), in a fixed order
    raw = frame(ws, paid_orders).sort_values(["buyer_id", "ts", "order_id"], ignore_index=True)
    if raw.empty:
        raise FitError("no orders with a buyer id: import orders (with buyer ids) first")
    rc = ws.settings.reporting_currency
    raw["value"], notes = _to_reporting(raw, ws, rc)
    raw["day"] = pd.to_datetime(raw["day"])
    origin = raw["day"].min()
    raw["d"] = (raw["day"] - origin).dt.days.astype(np.int64)
    days = raw.groupby(["buyer_id", "d"], as_index=False).agg(
        value=("value", "sum"), market=("market", "first")
    )
    days = days.rename(columns={"d": "day"})
    t = (pd.to_datetime(raw["ts"]) - origin).dt.total_seconds().to_numpy() / 86400
    orders = pd.DataFrame({"buyer_id": raw["buyer_id"], "t": t, "value": raw["value"]})
    meta = frame(ws, buyer_rows)
    first = days.groupby("buyer_id", as_index=False).agg(
        first_day=("day", "min"), order_market=("market", "first")
    )
    buyers = first.merge(meta, on="buyer_id", how="left")
    buyers["market"] = buyers["market"].fillna(buyers.pop("order_market"))
    for col, out in (("followed_at", "follow"), ("fan_club_joined_at", "fan_club")):
        when = pd.to_datetime(buyers.pop(col))
        buyers[f"{out}_day"] = (when.dt.normalize() - origin).dt.days.astype(float)
        buyers[f"{out}_t"] = (when - origin).dt.total_seconds() / 86400
    # a fan-club member follows the account
    for unit in ("day", "t"):
        buyers[f"follow_{unit}"] = buyers[f"follow_{unit}"].fillna(buyers[f"fan_club_{unit}"])
    if meta.empty:
        notes.append(
            "no buyers table: follower and fan-club status unknown, every buyer counted as a "
            "non-follower (import buyers with followed_at / fan_club_joined_at to use them)"
        )
    end_day = int(days["day"].max()) + 1
    return Purchases(days, buyers, origin, end_day, rc, not meta.empty, tuple(notes), orders)


def _to_reporting(raw: pd.DataFrame, ws: Workspace, quote: str) -> tuple[np.ndarray, list[str]]:
    """Amounts in ``quote``; a missing rate drops those amounts to NaN and is named once."""
    from livecart.store.query import fx_table

    fx = fx_table(ws)
    keys = raw[["currency", "day"]]
    pairs = keys.drop_duplicates(ignore_index=True)  # one rate per currency and day
    rates = np.full(len(pairs), np.nan)
    notes: list[str] = []
    for i, (cur, day) in enumerate(zip(pairs["currency"], pairs["day"], strict=True)):
        if cur is None or pd.isna(cur):
            notes.append("some orders have no currency: their value is left out")
            continue
        try:
            rates[i] = fx.rate(cur, quote, pd.Timestamp(day).date())
        except MissingRateError as e:
            notes.append(str(e))
    rate = keys.merge(pairs.assign(rate=rates), on=["currency", "day"], how="left")["rate"]
    out = raw["amount"].to_numpy(dtype=float) * rate.to_numpy(dtype=float)
    return out, sorted(set(notes))[:5]
