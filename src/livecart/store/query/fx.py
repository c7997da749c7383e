"""The exchange rates as a lookup table, read through the query layer (so a lake's
``fx_rates`` serves as well as the workspace's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from livecart.model.money import FxTable
from livecart.store.query.engine import frame
from livecart.store.query.records import fx_rates

if TYPE_CHECKING:
    from livecart.store.workspace import Workspace


def fx_table(ws: Workspace) -> FxTable:
    """The ``fx_rates`` the workspace's settings point at, as an FxTable (a missing rate
    raises, never 1.0)."""
    fx = FxTable()
    rows = frame(ws, fx_rates)
    days = pd.to_datetime(rows["date"]).dt.date
    for day, currency, quote, rate in zip(
        days, rows["currency"], rows["quote"], rows["rate"], strict=True
    ):
        fx.add(day, currency, quote, float(rate))
    return fx
