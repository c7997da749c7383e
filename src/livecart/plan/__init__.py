"""Session plans (playbook steps 2-5 for one coming live): line-up and run of show, hosts, stock,
the ad budget by phase and minute, golden-hour targets; stored with versions, exported as HTML,
Markdown and JSON, and compared with what happened in a retro.

    from livecart.plan import create_plan, save_plan, retro
    plan = create_plan(ws, "US", "2026-12-01 19:00", 5000, hosts=["host_us_1"])
    save_plan(ws, plan)
"""

from livecart.plan.documents import to_html, to_json, to_markdown
from livecart.plan.retro import Retro, retro
from livecart.plan.runofshow import ROLES, Guidance, Slot
from livecart.plan.session import SessionPlan, create_plan
from livecart.plan.store import edit_plan, list_plans, load_plan, plan_for_session, save_plan
from livecart.plan.view import plan_html

__all__ = [
    "ROLES",
    "Guidance",
    "Retro",
    "SessionPlan",
    "Slot",
    "create_plan",
    "edit_plan",
    "list_plans",
    "load_plan",
    "plan_for_session",
    "plan_html",
    "retro",
    "save_plan",
    "to_html",
    "to_json",
    "to_markdown",
]
