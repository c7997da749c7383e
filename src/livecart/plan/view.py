"""What the Plans pages show: the plan with its response-curve charts, and retros."""

from __future__ import annotations

import numpy as np

from livecart.ads import PHASES, curve_charts, fit_response, phase_history
from livecart.plan.retro import retro
from livecart.plan.session import SessionPlan
from livecart.plan.store import load_plan, plan_for_session
from livecart.store import Workspace


def plan_charts(ws: Workspace, plan: SessionPlan, n_boot: int = 40) -> list[dict]:
    """The phase curves with where this plan's spend (in USD) sits on each."""
    model = fit_response(phase_history(ws), n_boot=n_boot)
    rate = float(plan.ads.get("usd_per_unit", 1.0))
    spend = np.array([plan.budget["spend"][p] for p in PHASES]) * rate
    return curve_charts(model, spend, float(plan.budget["budget"]) * rate)


def plan_view(ws: Workspace, plan_id: str) -> dict:
    p = load_plan(ws, plan_id)
    return {"plan": p, "charts": plan_charts(ws, p)}


def retro_view(ws: Workspace, session_id: str) -> dict:
    p = plan_for_session(ws, session_id)
    return {"plan": p, "retro": None if p is None else retro(ws, session_id, p)}
