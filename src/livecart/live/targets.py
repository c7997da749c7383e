"""The golden hour against a plan: targets per minute for the first 60 minutes (or any horizon).

Targets come from the user (totals for the golden hour, spread evenly over its minutes, or a
session plan) or, by default, from the room's own history: for each minute, the lower quartile,
median and upper quartile over past sessions of the cumulative GMV, orders, entries and ad spend
by that minute, of the viewers online, and of the minute's CTR and CTOR (each session's ratio from
its own summed clicks and impressions: sessions are compared, never their ratios averaged).
Douyin's replay benchmarks use the same lines ("median" = 50%, "excellent" = top 25%).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from livecart.errors import LivecartError
from livecart.live.engine.kpis import ratio
from livecart.live.history import History

GOLDEN_HOUR = 60
CUM_METRICS = ("gmv", "orders", "entries", "ad_spend")
RATE_METRICS = ("ctr", "ctor")


@dataclass
class Plan:
    """``cum[m]`` and ``rate[m]`` are arrays of shape (3, minutes): q25, median, q75 at each
    minute (cumulative by the end of the minute for ``cum``); ``viewers`` likewise."""

    minutes: int
    cum: dict[str, np.ndarray] = field(default_factory=dict)
    rate: dict[str, np.ndarray] = field(default_factory=dict)
    viewers: np.ndarray | None = None
    source: str = "none"
    currency: str | None = None  # of the money targets; None: the user's, in the session's own

    def at(self, kind: str, metric: str, minute: int) -> tuple[float, float, float] | None:
        table = self.cum if kind == "cum" else self.rate
        a = table.get(metric)
        if a is None or not 0 <= minute < a.shape[1]:
            return None  # no target beyond the plan's horizon
        q = a[:, minute]
        return None if np.isnan(q).any() else (float(q[0]), float(q[1]), float(q[2]))

    def to_dict(self) -> dict[str, Any]:
        def arr(a: np.ndarray) -> list:
            return [[None if np.isnan(x) else round(float(x), 6) for x in row] for row in a]

        return {
            "minutes": self.minutes,
            "source": self.source,
            "currency": self.currency,
            "cum": {k: arr(v) for k, v in self.cum.items()},
            "rate": {k: arr(v) for k, v in self.rate.items()},
            "viewers": arr(self.viewers) if self.viewers is not None else None,
        }


def plan_from_history(history: History, minutes: int = GOLDEN_HOUR, min_sessions: int = 3) -> Plan:
    """Quartiles of past sessions, minute by minute. Sessions shorter than a minute leave it.
    The history must be in one currency (GMV and ad spend are money): filter it first."""
    n = len(history)
    found = sorted(set(history.meta["currency"].dropna())) if n else []
    if len(found) > 1:
        raise LivecartError(
            f"a golden-hour plan from history in {', '.join(found)}: money in different "
            f"currencies cannot be compared; load the history of one currency (or market)"
        )
    currency = found[0] if found else None
    if n < min_sessions:
        return Plan(
            minutes, currency=currency, source=f"none: {n} past sessions, need {min_sessions}"
        )
    width = history.per_minute["gmv"].shape[1]
    w = min(minutes, width)
    alive = np.arange(w)[None, :] < history.meta["minutes"].to_numpy()[:, None]
    plan = Plan(minutes, source=f"history of {n} sessions", currency=currency)
    for metric in CUM_METRICS:
        c = history.cum(metric)[:, :w]
        plan.cum[metric] = _quartiles(np.where(alive, c, np.nan))
    pm = history.per_minute
    rates = {
        "ctr": ratio(pm["product_clicks"][:, :w], pm["product_impressions"][:, :w]),
        "ctor": ratio(pm["orders"][:, :w], pm["product_clicks"][:, :w]),
    }
    for metric, r in rates.items():
        plan.rate[metric] = _quartiles(np.where(alive, r, np.nan))
    plan.viewers = _quartiles(np.where(alive, history.viewers[:, :w], np.nan))
    return plan


def _quartiles(a: np.ndarray) -> np.ndarray:
    out = np.full((3, a.shape[1]), np.nan)
    ok = (~np.isnan(a)).sum(axis=0) > 0
    if ok.any():
        out[:, ok] = np.nanpercentile(a[:, ok], [25, 50, 75], axis=0)
    return out


def plan_from_targets(minutes: int = GOLDEN_HOUR, tolerance: float = 0.2, **targets: float) -> Plan:
    """User targets for the golden hour: totals (gmv, orders, entries, ad_spend) reached evenly
    by its last minute, rates (ctr, ctor) and viewers held throughout. The quartile lines are
    the target -/+ ``tolerance``."""
    plan = Plan(minutes, source="user targets")
    band = np.array([1 - tolerance, 1.0, 1 + tolerance])[:, None]
    frac = (np.arange(minutes) + 1) / minutes
    for k, v in targets.items():
        if v is None:
            continue
        if k in CUM_METRICS:
            plan.cum[k] = band * (float(v) * frac)[None, :]
        elif k in RATE_METRICS:
            plan.rate[k] = band * np.full((1, minutes), float(v))
        elif k == "viewers":
            plan.viewers = band * np.full((1, minutes), float(v))
        else:
            raise LivecartError(
                f"unknown plan target {k!r}; use gmv, orders, entries, "
                f"ad_spend, ctr, ctor or viewers"
            )
    return plan


def load_plan(path: str | Path, minutes: int = GOLDEN_HOUR) -> Plan:
    """Golden-hour targets from a JSON file: an object such as {"gmv": 5000, "ctr": 0.08}
    (keys as in ``plan_from_targets``). Every problem is a one-line ``LivecartError``."""
    p = Path(path)
    hint = 'write an object of targets, e.g. {"gmv": 5000, "orders": 120, "ctr": 0.08}'
    try:
        targets = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LivecartError(f"no plan file at {p}: check the --plan path") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise LivecartError(f"the plan {p} is not valid JSON ({e}); {hint}") from None
    if not isinstance(targets, dict) or not targets:
        raise LivecartError(f"the plan {p} holds no targets; {hint}")
    bad = [
        k
        for k, v in targets.items()
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float))
    ]
    if bad:
        raise LivecartError(f"plan target {bad[0]!r} in {p} is not a number; {hint}")
    return plan_from_targets(minutes, **targets)
