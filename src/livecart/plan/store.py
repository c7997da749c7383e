"""Session plans in the workspace: the current version of each plan in ``plans`` and every saved
version in ``plan_versions`` (an edit adds a version; nothing is overwritten). Both tables come from
the store's migration 2."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from livecart.ads import Windows, check_bounds
from livecart.errors import LivecartError, NotFoundError
from livecart.plan import neighbours
from livecart.plan.runofshow import ROLES
from livecart.plan.session import (
    AdSettings,
    SessionPlan,
    check_hosts,
    check_plan,
    plan_ads,
    refresh_slots,
    reschedule,
    target_notes,
    targets,
)
from livecart.store import Workspace


def _local(plan: SessionPlan) -> dt.datetime:
    """The plan's start in its market's time: the date and hour its people call the live by."""
    from zoneinfo import ZoneInfo

    start = plan.start_utc if plan.start_utc.tzinfo else plan.start_utc.replace(tzinfo=dt.UTC)
    return start.astimezone(ZoneInfo(plan.timezone))


def save_plan(ws: Workspace, plan: SessionPlan, change: str = "created") -> SessionPlan:
    """Store ``plan`` (giving it an id on first save) as a new version. The id is chosen inside
    the write transaction (which holds the workspace's lock), so two saves at once cannot both
    take it, and a new plan never replaces a stored one."""
    new = not plan.plan_id
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    start = plan.start_utc.astimezone(dt.UTC).replace(tzinfo=None)
    old_id, old_version = plan.plan_id, plan.version
    try:
        with ws.transaction() as con:
            if new:
                plan.plan_id = _free_id(con, f"{plan.market}-{_local(plan):%Y%m%d-%H%M}")
                plan.version = 1
            else:
                plan.version += 1
                con.execute("DELETE FROM plans WHERE plan_id = ?", [plan.plan_id])
            body = plan.model_dump_json()
            con.execute(
                "INSERT INTO plans VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [plan.plan_id, plan.version, plan.market, start, plan.session_id, plan.title]
                + [now, body],
            )
            con.execute(
                "INSERT INTO plan_versions VALUES (?, ?, ?, ?, ?)",
                [plan.plan_id, plan.version, now, change, body],
            )
    except BaseException:
        plan.plan_id, plan.version = old_id, old_version
        raise
    return plan


def _free_id(con, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``... the first not taken (ids are never reused by
    counting, which would hand out a taken id once any id in the sequence is missing)."""
    rows = con.execute(
        "SELECT plan_id FROM plans WHERE starts_with(plan_id, ?) "
        "UNION SELECT plan_id FROM plan_versions WHERE starts_with(plan_id, ?)",
        [base, base],
    ).fetchall()
    taken = {r[0] for r in rows}
    if base not in taken:
        return base
    k = 2
    while f"{base}-{k}" in taken:
        k += 1
    return f"{base}-{k}"


def list_plans(ws: Workspace) -> pd.DataFrame:
    cols = ["plan_id", "version", "market", "start_utc", "session_id", "title", "updated_at"]
    return ws.query(f"SELECT {', '.join(cols)} FROM plans ORDER BY start_utc, plan_id")


def load_plan(ws: Workspace, plan_id: str, version: int | None = None) -> SessionPlan:
    if version is None:
        r = ws.query("SELECT body FROM plans WHERE plan_id = ?", [plan_id])
    else:
        r = ws.query(
            "SELECT body FROM plan_versions WHERE plan_id = ? AND version = ?",
            [plan_id, version],
        )
    if not r.empty:
        return SessionPlan.model_validate(json.loads(r["body"].iloc[0]))
    known = ", ".join(list_plans(ws)["plan_id"].head(10)) or "none yet"
    raise NotFoundError(
        f"no plan {plan_id!r}: known plans are {known} (see `livecart plan list`)",
        dashboard=f"no plan {plan_id!r}: known plans are {known} (the Plans page lists them)",
    )


def plan_for_session(ws: Workspace, session_id: str) -> SessionPlan | None:
    r = ws.query(
        "SELECT plan_id FROM plans WHERE session_id = ? ORDER BY updated_at DESC", [session_id]
    )
    return None if r.empty else load_plan(ws, r["plan_id"].iloc[0])


def edit_plan(ws: Workspace, plan_id: str, **changes) -> SessionPlan:
    """Apply edits and save a new version. Accepted: ``hosts``, ``title``, ``session_id`` (a
    recorded session of the plan's market; brings in its stock plan), ``budget``,
    ``min_spend`` and ``max_spend`` (per phase; the split is made again as `create_plan` makes
    it), ``move`` (sku, position), ``role`` (sku, role; its live price and talking points are
    rebuilt), ``note`` (sku, text), ``pin_minutes`` (minimum pin). The platform's guidance is
    checked again after every edit."""
    p = load_plan(ws, plan_id)
    done = []
    for key, v in changes.items():
        if v is None:
            continue
        _apply(ws, p, key, v)
        done.append(key)
    if not done:
        raise LivecartError(
            "nothing to change: pass an option such as --host or --move",
            dashboard="nothing to change: fill in at least one field, such as Hosts or Move",
        )
    if AD_KEYS & set(done):
        w = Windows(**p.budget["windows"])
        p.budget, p.ads = plan_ads(ws, ad_settings(p), p.currency, p.start_utc, w, p.market)
    check_plan(p)
    p.targets = targets(ws, p) | {k: v for k, v in p.targets.items() if k not in ("ad_spend",)}
    p.targets["ad_spend"] = round(float(sum(p.budget["per_minute"][:60])), 2)
    p.target_notes = target_notes(p)
    return save_plan(ws, p, change="edited " + ", ".join(done))


AD_KEYS = {"budget", "min_spend", "max_spend"}


def ad_settings(p: SessionPlan) -> AdSettings:
    """The plan's ad settings; for a plan saved before they were stored, its budget with the
    defaults (and the rule, if 2:6:2 was asked for)."""
    if p.ad_settings is None:
        asked = p.ads.get("source") == "2:6:2 rule (asked for)"
        p.ad_settings = AdSettings(budget=float(p.budget["budget"]), use_rule=asked)
    return p.ad_settings


def _slot(p: SessionPlan, sku: str):
    for s in p.lineup:
        if s.sku_id == sku:
            return s
    raise LivecartError(f"SKU {sku!r} is not in plan {p.plan_id}'s line-up")


def _apply(ws: Workspace, p: SessionPlan, key: str, v) -> None:
    if key == "hosts":
        p.notes = check_hosts(ws, list(v), p.market)  # the host notes are the plan's notes
        p.hosts = list(v)
    elif key == "title":
        p.title = v
    elif key == "session_id":
        neighbours.check_session(ws, v, p.market)
        p.session_id = v
        stock, p.stock_source = neighbours.stock_for(ws, v, [s.sku_id for s in p.lineup])
        refresh_slots(ws, p, stock)
    elif key in AD_KEYS:
        s = ad_settings(p)
        if key == "budget":
            s.budget = float(v)
        else:
            setattr(s, key, tuple(float(x) for x in v))
        check_bounds(s.budget, *s.bounds())
    elif key == "move":
        sku, pos = v
        s = _slot(p, sku)
        p.lineup.remove(s)
        p.lineup.insert(_position(pos, len(p.lineup) + 1) - 1, s)
        _renumber(p)
    elif key == "role":
        sku, role = v
        if role not in ROLES:
            raise LivecartError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
        _slot(p, sku).role = role
        _renumber(p)
        refresh_slots(ws, p)
    elif key == "note":
        sku, text = v
        s = _slot(p, sku)
        s.added_points.append(str(text))
        s.talking_points.append(str(text))
    elif key == "pin_minutes":
        p.guidance.min_pin_minutes = int(v)
        reschedule(p)
    else:
        raise LivecartError(f"cannot edit {key!r}")


def _position(pos, n: int) -> int:
    """A line-up position from 1 to ``n``; anything else is refused, never clamped."""
    try:
        k = int(str(pos).strip())
    except ValueError:
        k = 0
    if not 1 <= k <= n:
        raise LivecartError(f"position {pos} is not in the line-up: choose 1-{n}")
    return k


def _renumber(p: SessionPlan) -> None:
    for i, s in enumerate(p.lineup):
        s.position = i + 1
    reschedule(p)
