"""Stock for a live (playbook step 3): per-SKU demand forecasts from warm-up videos and history,
with calibrated intervals, and a newsvendor stock plan under a budget and a warehouse capacity.

    from livecart.stock import plan_stock, planned_stock, replan
    plan = plan_stock(ws, "L0042", budget=5000)     # StockPlan: lines per SKU, notes
    planned_stock(ws, "L0042")                       # {sku_id: units}: the live monitor's stock

docs/stock.md describes the model, the plan and every field.
"""

from livecart.stock.costs import StockCosts, unit_costs
from livecart.stock.forecast import DemandForecaster
from livecart.stock.newsvendor import (
    Item,
    NormalDemand,
    SampleDemand,
    allocate,
    critical_fractile,
    expected_cost,
    optimal_level,
)
from livecart.stock.po import purchase_order, purchase_order_csv
from livecart.stock.replan import (
    PlanMove,
    Replan,
    compare,
    replan,
    saved_moves,
)
from livecart.stock.saved import latest_saved, planned_stock, save_plan, saved_plans
from livecart.stock.sizing import (
    PlanLine,
    StockPlan,
    StockPlanError,
    plan_stock,
    sessions_to_plan,
)

__all__ = [
    "DemandForecaster",
    "Item",
    "NormalDemand",
    "PlanLine",
    "PlanMove",
    "Replan",
    "SampleDemand",
    "StockCosts",
    "StockPlan",
    "StockPlanError",
    "allocate",
    "compare",
    "critical_fractile",
    "expected_cost",
    "latest_saved",
    "optimal_level",
    "plan_stock",
    "planned_stock",
    "purchase_order",
    "purchase_order_csv",
    "replan",
    "save_plan",
    "saved_plans",
    "sessions_to_plan",
    "saved_moves",
    "unit_costs",
]
