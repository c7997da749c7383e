"""Everything the Hosts page shows, from one call (the page and ``/api/hosts`` share it): skill
per host and category with intervals, the host x category heatmap, the comparison for a coming
live in the market, and the roster of the week after the last live."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from livecart.errors import LivecartError, NotFoundError
from livecart.hosts.charts import heatmap, skill_chart
from livecart.hosts.performance import HostModel
from livecart.hosts.workspace import compare_for_plan, rank_hosts, roster_for_workspace
from livecart.store import Workspace


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = df.to_dict("records")
    for r in out:
        for k, v in r.items():
            if isinstance(v, float) and not math.isfinite(v):
                r[k] = None
    return out


def next_monday(model: HostModel) -> dt.date:
    last = pd.to_datetime(model.history_.sessions["start"]).max()
    day = (last + pd.Timedelta(days=1)).date()
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def hosts_view(
    ws: Workspace,
    model: HostModel,
    market: str | None = None,
    category: str | None = None,
    roster: bool = True,
) -> dict[str, Any]:
    markets = sorted(model.history_.sessions["market"].unique())
    market = market or (markets[0] if markets else None)
    if market not in markets:
        raise NotFoundError(f"unknown market {market!r}: lives here ran in {', '.join(markets)}")
    cats = model.cats_
    category = category or cats[0]
    ranked = rank_hosts(model, market=market)
    in_cat = ranked[ranked["category"] == category]
    week = next_monday(model)
    s = model.history_.sessions
    budget = float(s.loc[s["market"] == market, "ad_spend"].median())
    when = dt.datetime.combine(week, dt.time(20, 0))
    out: dict[str, Any] = {
        "markets": markets,
        "market": market,
        "categories": cats,
        "category": category,
        "ranking": _records(ranked),
        "charts": {"skill": skill_chart(in_cat), "heatmap": heatmap(ranked)},
        "comparison": None,
        "comparison_live": {"start_local": when.strftime("%Y-%m-%d %H:%M"), "budget": budget},
        "roster": None,
        "notes": [],
    }
    try:
        cmp = compare_for_plan(ws, model, market, when, budget)
        out["comparison"] = {**cmp.as_dict(), "candidates": _records(cmp.rows)}
    except LivecartError as e:
        out["notes"].append(f"no comparison: {e}")
    if roster:
        try:
            _req, opt, greedy = roster_for_workspace(ws, model, week, time_limit=5.0)
            out["roster"] = roster_view(opt, greedy, week)
        except LivecartError as e:
            out["notes"].append(f"no roster: {e}")
    return out


def roster_view(opt, greedy, week: dt.date) -> dict[str, Any]:
    """The roster as a week calendar: days across, markets down, shifts in the cells; a day of
    a market without any shift has the reasons its slots are empty (``gaps``)."""
    a, empty = opt.assignments, opt.unfilled
    days = [(week + dt.timedelta(days=d)).isoformat() for d in range(7)]
    markets = sorted(set(a["market"]) | set(empty["market"]))
    grid: dict[str, dict[str, list[str]]] = {m: {d: [] for d in days} for m in markets}
    for r in a.itertuples():
        day = r.start_local[:10]
        if day in grid[r.market]:
            grid[r.market][day].append(f"{r.start_local[11:]} {r.host_id}")
    gaps: dict[str, dict[str, str]] = {m: {} for m in markets}
    for g in opt.empty_days:
        gaps.setdefault(g["market"], {})[g["day"]] = g["reason"]
    gain = 100 * (opt.objective / greedy.objective - 1) if greedy.objective > 0 else None
    return {
        "week": week.isoformat(),
        "days": days,
        "grid": grid,
        "gaps": gaps,
        "status": opt.status,
        "gap": opt.gap,
        "expected_gmv": opt.objective,
        "greedy_gmv": greedy.objective,
        "gain_pct": gain,
        "currency": a["currency"].iloc[0] if len(a) else "",
        "unfilled": len(empty),
        "notes": opt.notes,
        "shifts": _records(a),
    }
