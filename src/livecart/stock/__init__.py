"""Stock for a live (playbook step 3): per-SKU demand forecasts from warm-up videos and history,
with calibrated intervals, and a newsvendor stock plan under a budget and a warehouse capacity.

    from livecart.stock import plan_stock, planned_stock, replan
    plan = plan_stock(ws, "L0042", budget=5000)     # StockPlan: lines per SKU, notes
    planned_stock(ws, "L0042")                       # {sku_id: units}: the live monitor's stock

docs/stock.md describes the model, the plan and every field.

The names below load on first use (PEP 562): the live monitor reads saved plans
(``latest_saved``) on every start and must not wait for the forecaster's SciPy (about 1 s).
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {  # exported name -> the submodule that defines it
    "StockCosts": "costs",
    "unit_costs": "costs",
    "DemandForecaster": "forecast",
    "Item": "newsvendor",
    "NormalDemand": "newsvendor",
    "SampleDemand": "newsvendor",
    "allocate": "newsvendor",
    "critical_fractile": "newsvendor",
    "expected_cost": "newsvendor",
    "optimal_level": "newsvendor",
    "purchase_order": "po",
    "purchase_order_csv": "po",
    "PlanMove": "replanning",
    "Replan": "replanning",
    "compare": "replanning",
    "replan": "replanning",
    "saved_moves": "replanning",
    "latest_saved": "saved",
    "planned_stock": "saved",
    "save_plan": "saved",
    "saved_plans": "saved",
    "PlanLine": "sizing",
    "StockPlan": "sizing",
    "StockPlanError": "sizing",
    "plan_stock": "sizing",
    "sessions_to_plan": "sizing",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
