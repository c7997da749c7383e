"""What the Ads page and ``/api/ads`` show: the fitted phase curves with their bands, the
parameters with intervals, and the recommended split of a budget against 2:6:2."""

from __future__ import annotations

import numpy as np

from livecart.ads.curves_chart import curve_charts
from livecart.ads.history import PHASES, phase_history
from livecart.ads.optimize import RULE_262, optimize_split
from livecart.ads.response import fit_response
from livecart.store import Workspace


def ads_overview(ws: Workspace, budget_usd: float | None = None, n_boot: int = 60) -> dict:
    """Fit on every session with ad spend; ``budget_usd`` defaults to the median session's."""
    hist = phase_history(ws)
    out: dict = {"sessions": len(hist), "budget_usd": budget_usd, "charts": [], "split": None}
    if hist.empty:
        return out
    totals = hist[[f"spend_{p}" for p in PHASES]].sum(axis=1)
    budget = float(budget_usd or totals.median())
    model = fit_response(hist, n_boot=n_boot)
    out["budget_usd"] = budget
    if model.curves_ is None:
        return out
    split = optimize_split(model, budget)
    out["split"] = split.as_dict()
    out["parameters"] = model.summary().to_dict("records")
    out["sigma"] = model.sigma_
    out["thin"] = model.thin
    plan_spend = np.array(split.shares) * budget
    out["charts"] = curve_charts(model, plan_spend, budget)
    out["rule_spend"] = (np.array(RULE_262) * budget).tolist()
    return out
