"""Ad budget (playbook step 5): the 2:6:2 plan and its pacing, phase response curves fitted from
history with a bootstrap, and an optimized split with its expected gain and P(better).

    from livecart.ads import phase_history, fit_response, optimize_split, budget_plan
    model = fit_response(phase_history(ws))
    split = optimize_split(model, budget_usd=5000)
    plan = budget_plan(5000, "USD", shares=split.shares)
"""

from livecart.ads.budget import BudgetPlan, Windows, budget_plan, check_bounds
from livecart.ads.curves_chart import curve_charts
from livecart.ads.history import PHASES, phase_history, usd_rate
from livecart.ads.optimize import RULE_262, Split, optimize_split, simplex_grid, true_optimum
from livecart.ads.overview import ads_overview
from livecart.ads.response import Curves, ResponseModel, fit_response

__all__ = [
    "PHASES",
    "RULE_262",
    "BudgetPlan",
    "Curves",
    "ResponseModel",
    "Split",
    "Windows",
    "ads_overview",
    "budget_plan",
    "check_bounds",
    "curve_charts",
    "fit_response",
    "optimize_split",
    "phase_history",
    "simplex_grid",
    "true_optimum",
    "usd_rate",
]
