"""The weekly store-live roster: which professional host runs which market's room in which slot.

Maximises the expected GMV (the slot's demand, learned from history by market, weekday and local
hour, times the host's conversion fit in the market's category mix) subject to: a host works
only when available and only in markets they serve; at most one room at a time with a rest gap
between shifts; at most so many hours a day (host's local day) and a week; at most one host a
slot (exactly one with ``require_all``). Solved with OR-Tools CP-SAT; the status says whether the
roster is proven optimal, or the remaining gap. Before solving, the capacity is checked so an
impossible request names the constraint that cannot be met instead of a bare INFEASIBLE.

Overlap and rest use clique constraints: slots of one length L whose starts are within L + rest
of each other pairwise conflict, and for each slot the set of slots starting in
[start, start + L + rest) is a clique, so one ``sum <= 1`` per (host, slot) covers every pair.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from livecart.errors import ConflictError
from livecart.hosts.roster_gaps import day_note, empty_days, gap_reasons
from livecart.hosts.roster_request import RosterHost, RosterRequest, host_day


class RosterInfeasible(ConflictError):
    """A roster request that no assignment can meet; the message names the constraint."""


@dataclass
class Roster:
    status: str
    objective: float
    bound: float
    seconds: float
    assignments: pd.DataFrame
    unfilled: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    gap: float = 0.0  # (bound - objective) / bound of the solver's integer objective
    empty_days: list[dict[str, str]] = field(default_factory=list)  # market, day, reason


def check_capacity(req: RosterRequest) -> list[str]:
    """Problems that make ``require_all`` impossible (or leave slots empty), in words."""
    ok = req.allowed()
    problems = []
    for m in sorted({s.market for s in req.slots}):
        idx = [j for j, s in enumerate(req.slots) if s.market == m]
        hosts = [i for i, h in enumerate(req.hosts) if m in h.markets]
        empty = [j for j in idx if not ok[:, j].any()]
        days = max(len({req.slots[j].start_local.date() for j in idx}), 1)
        if not hosts:
            problems.append(
                f"{len(idx)} slots in {m} need a host but no professional host serves {m}"
            )
            continue
        if empty:
            problems.append(
                f"{len(empty)} of {len(idx)} slots in {m} fall outside every {m} host's "
                f"availability ({', '.join(req.hosts[i].host_id for i in hosts)})"
            )
        need = sum(req.slots[j].minutes for j in idx) / 60
        cap = sum(req.hosts[i].max_hours_week for i in hosts)
        if need > cap + 1e-9:
            problems.append(
                f"{len(idx) // days} slots a day need hosts for {m} ({need:g} hours a week) but "
                f"the {len(hosts)} {m} host{'s' if len(hosts) > 1 else ''} available can work "
                f"{cap:g} hours a week"
            )
    return problems


def solve_roster(req: RosterRequest, time_limit: float = 10.0, workers: int = 2) -> Roster:
    """Solve with CP-SAT. With ``require_all`` a request that cannot be met raises
    RosterInfeasible naming the constraint; otherwise empty slots are reported."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    problems = check_capacity(req)
    if req.require_all and problems:
        raise RosterInfeasible("the roster cannot cover every slot: " + "; ".join(problems))
    pairs, rows = constraint_rows(req)
    m = cp_model.CpModel()
    x = {(i, j): m.new_bool_var(f"x{i}_{j}") for i, j in pairs}
    xs = list(x.values())
    for idx, coefs, rhs, equal in rows:
        expr = sum(c * xs[k] for k, c in zip(idx, coefs, strict=True))
        m.add(expr == rhs if equal else expr <= rhs)
    ok = req.allowed()
    # Integer objective: values scaled so the largest is 10,000 (a 0.01% resolution).
    scale = 10_000.0 / max(float(np.abs(req.value[ok]).max()) if ok.any() else 1.0, 1e-9)
    m.maximize(sum(int(round(req.value[i, j] * scale)) * v for (i, j), v in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    # With two workers CP-SAT's default portfolio has no LP-based search and cannot close the
    # gap (19% after 2 s on the 12-host benchmark); the full LP relaxation gives the bound
    # that proves optimality in well under a second.
    if workers <= 2:
        solver.parameters.subsolvers.extend(["max_lp", "default_lp"][:workers])
    code = solver.solve(m)

    status = solver.status_name(code)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RosterInfeasible(
            f"the solver found no roster ({status}): with every slot covered, a host's hours a "
            "day, hours a week or rest gap cannot all be met; allow empty slots or relax them"
        )
    chosen = [(i, j) for (i, j), v in x.items() if solver.value(v)]
    seconds = time.perf_counter() - t0  # the solve; explaining the empty slots comes after
    assignments, unfilled = _frames(req, chosen)
    days = empty_days(req, chosen)
    notes = req.notes + ([] if req.require_all else problems) + [day_note(d) for d in days]
    bound, got = solver.best_objective_bound, solver.objective_value
    return Roster(
        status,
        float(sum(req.value[i, j] for i, j in chosen)),
        float(bound / scale),
        seconds,
        assignments,
        unfilled,
        notes=notes,
        empty_days=days,
        gap=max(0.0, (bound - got) / bound) if bound > 0 else 0.0,
    )


Row = tuple[list[int], list[int], int, bool]  # variable indices, coefficients, rhs, equality


def constraint_rows(req: RosterRequest) -> tuple[list[tuple[int, int]], list[Row]]:
    """The roster as a 0-1 program, solver-neutral: one variable per allowed (host, slot) pair
    and rows ``sum(coef * x) <= rhs`` (``== rhs`` for a slot that must be covered)."""
    ok = req.allowed()
    pairs = [(int(i), int(j)) for i, j in zip(*np.nonzero(ok), strict=True)]
    var = {p: k for k, p in enumerate(pairs)}
    rows: list[Row] = []
    for j in range(len(req.slots)):
        vs = [var[i, j] for i in range(len(req.hosts)) if (i, j) in var]
        if req.require_all:
            rows.append((vs, [1] * len(vs), 1, True))
        elif len(vs) > 1:
            rows.append((vs, [1] * len(vs), 1, False))
    for i, h in enumerate(req.hosts):
        mine = [j for j in range(len(req.slots)) if (i, j) in var]
        rows += [
            ([var[i, j] for j in js], c, cap, False) for js, c, cap in _host_limits(req, h, mine)
        ]
    return pairs, rows


def _host_limits(req: RosterRequest, h: RosterHost, mine: list[int]):
    """(slots, coefficients, cap) of one host's rest cliques and hours a day and a week."""
    out = []
    gap = dt.timedelta(hours=req.rest_hours)
    starts = sorted(mine, key=lambda j: req.slots[j].start_utc)
    for a, j in enumerate(starts):
        s = req.slots[j]
        clique = [j]
        for k in starts[a + 1 :]:
            if req.slots[k].start_utc < s.end_utc + gap:
                clique.append(k)
            else:
                break
        if len(clique) > 1:
            out.append((clique, [1] * len(clique), 1))
    # Hours in units of the slots' common length: with equal slots the limits are plain counts
    # (cardinality constraints), whose relaxation is tight enough to prove optimality fast.
    unit = math.gcd(*[req.slots[j].minutes for j in mine]) if mine else 60
    size = {j: req.slots[j].minutes // unit for j in mine}
    by_day: dict[dt.date, list[int]] = {}
    for j in mine:
        by_day.setdefault(host_day(h, req.slots[j]), []).append(j)
    for limit, groups in ((h.max_hours_day, list(by_day.values())), (h.max_hours_week, [mine])):
        cap = int(limit * 60 // unit)
        for js in groups:
            if sum(size[j] for j in js) > cap:
                out.append((js, [size[j] for j in js], cap))
    return out


def greedy_roster(req: RosterRequest) -> Roster:
    """The rule of thumb: slots in time order, each takes the best free host that still fits
    every limit."""
    t0 = time.perf_counter()
    ok = req.allowed()
    gap = dt.timedelta(hours=req.rest_hours)
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    day_min: dict[tuple[int, dt.date], float] = {}
    week_min: dict[int, float] = {}
    chosen = []
    order = sorted(range(len(req.slots)), key=lambda j: req.slots[j].start_utc)
    for j in order:
        s = req.slots[j]
        best, best_v = None, 0.0
        for i in np.flatnonzero(ok[:, j]):
            h = req.hosts[i]
            d = host_day(h, s)
            clash = any(s.start_utc < b + gap and a < s.end_utc + gap for a, b in busy.get(i, []))
            if clash or day_min.get((i, d), 0) + s.minutes > h.max_hours_day * 60:
                continue
            if week_min.get(i, 0) + s.minutes > h.max_hours_week * 60:
                continue
            if req.value[i, j] > best_v:
                best, best_v = int(i), float(req.value[i, j])
        if best is None:
            continue
        h = req.hosts[best]
        busy.setdefault(best, []).append((s.start_utc, s.end_utc))
        d = host_day(h, s)
        day_min[(best, d)] = day_min.get((best, d), 0) + s.minutes
        week_min[best] = week_min.get(best, 0) + s.minutes
        chosen.append((best, j))
    obj = float(sum(req.value[i, j] for i, j in chosen))
    return Roster("GREEDY", obj, obj, time.perf_counter() - t0, *_frames(req, chosen))


def _frames(req: RosterRequest, chosen: list[tuple[int, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shifts, and the empty slots with the reason each is empty (``roster_gaps``)."""
    rows = []
    for i, j in sorted(chosen, key=lambda p: (req.slots[p[1]].start_utc, req.slots[p[1]].market)):
        s = req.slots[j]
        end_local = s.start_local + dt.timedelta(minutes=s.minutes)
        rows.append(
            {
                "host_id": req.hosts[i].host_id,
                "market": s.market,
                "weekday": s.start_local.strftime("%a"),
                "start_local": s.start_local.strftime("%Y-%m-%d %H:%M"),
                "end_local": end_local.strftime("%Y-%m-%d %H:%M"),
                "timezone": s.timezone,
                "start_utc": s.start_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end_utc": s.end_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "expected_gmv": round(float(req.value[i, j]), 2),
                "currency": req.currency,
            }
        )
    empty = [
        {
            "slot": j,
            "market": req.slots[j].market,
            "start_local": req.slots[j].start_local.strftime("%Y-%m-%d %H:%M"),
            "timezone": req.slots[j].timezone,
            "reason": why,
        }
        for j, why in sorted(gap_reasons(req, chosen).items())
    ]
    cols = ["slot", "market", "start_local", "timezone", "reason"]
    return pd.DataFrame(rows), pd.DataFrame(empty, columns=cols)
