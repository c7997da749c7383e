"""What a unit short and a unit left over cost, per SKU, in the reporting currency.

Short (underage): the margin lost, live price minus landed unit cost, plus an optional
goodwill penalty per unit a buyer wanted and could not get.
Left over (overage): holding until it sells elsewhere (a share of unit cost), return shipping
from an overseas warehouse (per unit), and a markdown to clear it (a share of the live price).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd


def _c(default: float, help: str) -> float:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class StockCosts:
    holding_rate: float = _c(0.15, "cost of holding a leftover unit, as a share of unit cost")
    return_shipping: float = _c(0.0, "return shipping per leftover unit, reporting currency")
    markdown_rate: float = _c(0.10, "markdown to clear a leftover unit, as a share of price")
    stockout_penalty: float = _c(0.0, "goodwill lost per unit short, on top of the margin")

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata["help"] for f in fields(cls)}


def unit_costs(rows: pd.DataFrame, costs: StockCosts) -> tuple[np.ndarray, np.ndarray]:
    """(underage, overage) per row from ``price_rc`` and ``unit_cost_rc`` (a missing unit
    cost counts as zero; the plan flags it)."""
    price = rows["price_rc"].fillna(0.0).to_numpy(float)
    cost = rows["unit_cost_rc"].fillna(0.0).to_numpy(float)
    under = price - cost + costs.stockout_penalty
    over = costs.holding_rate * cost + costs.return_shipping + costs.markdown_rate * price
    return under, over
