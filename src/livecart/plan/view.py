"""What the Plans pages show: the plan with its response-curve charts, and retros."""

from __future__ import annotations

import numpy as np

from livecart.ads import PHASES, curve_charts, fit_response, phase_history
from livecart.plan.documents import to_html
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


def plan_html(ws: Workspace, plan: SessionPlan) -> str:
    """The standalone HTML page with the response-curve charts the dashboard shows."""
    return to_html(plan, plan_charts(ws, plan))


def plan_view(ws: Workspace, plan_id: str) -> dict:
    p = load_plan(ws, plan_id)
    return {"plan": p, "charts": plan_charts(ws, p)}


def retro_view(ws: Workspace, session_id: str) -> dict:
    """The session's retro against its linked plan. ``known``: the workspace holds the session;
    ``missing`` says, when there is no retro, why and what to do."""
    from livecart.store.query import frame, host_sessions

    if frame(ws, host_sessions, session_id=session_id).empty:
        return {
            "known": False,
            "plan": None,
            "retro": None,
            "missing": f"no session {session_id!r} in this workspace: open a retro from a "
            "plan linked to a recorded session (see /plans)",
        }
    p = plan_for_session(ws, session_id)
    if p is None:
        why = (
            f"no plan is linked to session {session_id}: open its plan on the Plans page and "
            f"enter {session_id} under 'Link session' in its edit form"
        )
        return {"known": True, "plan": None, "retro": None, "missing": why}
    return {"known": True, "plan": p, "retro": retro(ws, session_id, p), "missing": None}
