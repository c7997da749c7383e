"""The budget plan of one session: spend per phase (2:6:2 by default) and its pacing, per hour
before the live and per minute during it, front-loaded into the golden hour.

The pre-live window ramps up linearly towards the start (warm-up spend matters most just before
the room opens); the live phase gives each golden-hour minute ``golden_weight`` times the weight
of a later minute; the closing window is spent evenly. Window lengths and weights are settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from livecart.ads.history import PHASES
from livecart.ads.optimize import RULE_262
from livecart.errors import LivecartError


@dataclass(frozen=True)
class Windows:
    """Phase windows: hours of pre-live warm-up, live minutes, closing minutes (the last
    ``closing_minutes`` of the live), the golden hour and its spend weight."""

    pre_live_hours: int = 24
    live_minutes: int = 120
    closing_minutes: int = 30
    golden_minutes: int = 60
    golden_weight: float = 1.6

    def check(self) -> None:
        if self.pre_live_hours < 1:
            raise LivecartError(
                "the pre-live window needs at least 1 hour (--pre-live-hours)",
                dashboard="the pre-live window needs at least 1 hour",
            )
        if self.live_minutes < 2:
            raise LivecartError(
                "the live must last at least 2 minutes (--minutes)",
                dashboard="the live must last at least 2 minutes",
            )
        if not 1 <= self.closing_minutes < self.live_minutes:
            raise LivecartError(
                f"the closing window ({self.closing_minutes} min) must be at least 1 minute "
                f"and shorter than the live ({self.live_minutes} min): set --closing-minutes",
                dashboard=f"the closing window ({self.closing_minutes} min) must be at least 1 "
                f"minute and shorter than the live ({self.live_minutes} min)",
            )
        if self.golden_weight <= 0:
            raise LivecartError("the golden-hour weight must be above zero")


@dataclass
class BudgetPlan:
    """Spend per phase (local currency) and its pacing: ``pre_live_hourly`` (one value an hour,
    the last hour just before the start) and ``per_minute`` (one value per live minute, the
    closing phase included)."""

    budget: float
    currency: str
    shares: tuple[float, float, float]
    spend: dict[str, float]
    windows: Windows
    pre_live_hourly: list[float] = field(default_factory=list)
    per_minute: list[float] = field(default_factory=list)
    source: str = "2:6:2 rule"

    def golden_hour_spend(self) -> float:
        return float(sum(self.per_minute[: self.windows.golden_minutes]))

    def as_dict(self) -> dict:
        return {
            "budget": self.budget,
            "currency": self.currency,
            "shares": dict(zip(PHASES, self.shares, strict=True)),
            "spend": self.spend,
            "windows": self.windows.__dict__,
            "pre_live_hourly": self.pre_live_hourly,
            "per_minute": self.per_minute,
            "golden_hour_spend": self.golden_hour_spend(),
            "source": self.source,
        }


def check_bounds(budget: float, lo: np.ndarray, hi: np.ndarray) -> None:
    """Phase minimums and maximums that some split of ``budget`` can meet, or a clear error.
    The budget and the minimums must be finite numbers; a maximum may be infinite (no cap)."""
    if not math.isfinite(budget):
        raise LivecartError(
            f"the budget must be a finite amount (got {budget:g}): pass --budget",
            dashboard=f"the budget must be a finite amount (got {budget:g}): enter an amount",
        )
    if budget <= 0:
        raise LivecartError(
            f"the budget must be above zero (got {budget:g}): pass --budget",
            dashboard=f"the budget must be above zero (got {budget:g}): enter an amount",
        )
    if np.isnan(lo).any() or np.isnan(hi).any() or not np.isfinite(lo).all():
        raise LivecartError(
            "each phase minimum must be a finite amount and each maximum an amount (not nan): "
            "check --min-spend and --max-spend",
            dashboard="each phase minimum must be a finite amount and each maximum an amount "
            "(not nan): check the phase minimums and maximums",
        )
    if (lo < 0).any() or (lo > hi).any():
        raise LivecartError("each phase minimum must be at least 0 and at most its maximum")
    if lo.sum() > budget + 1e-9:
        raise LivecartError(
            f"the phase minimums add up to {lo.sum():,.2f}, more than the budget "
            f"{budget:,.2f}: lower a minimum or raise the budget"
        )
    if hi.sum() < budget - 1e-9:
        raise LivecartError(
            f"the phase maximums add up to {hi.sum():,.2f}, less than the budget "
            f"{budget:,.2f}: raise a maximum or lower the budget"
        )


def clamp_shares(shares: np.ndarray, budget: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The split nearest ``shares`` that meets the bounds: clip, then move the remainder to the
    phases with room, in proportion to their share (a few passes settle it)."""
    s = np.clip(np.asarray(shares, float) * budget, lo, hi)
    for _ in range(10):
        gap = budget - s.sum()
        if abs(gap) < 1e-9:
            break
        room = (hi - s) if gap > 0 else (s - lo)
        room = np.where(np.isfinite(room), room, budget)
        if room.sum() <= 0:
            break
        w = room * np.maximum(np.asarray(shares, float), 1e-3)
        s = np.clip(s + gap * w / w.sum(), lo, hi)
    return s / budget


def budget_plan(
    budget: float,
    currency: str = "USD",
    *,
    shares: tuple[float, float, float] = RULE_262,
    windows: Windows | None = None,
    min_spend: tuple[float, float, float] | None = None,
    max_spend: tuple[float, float, float] | None = None,
    source: str = "2:6:2 rule",
) -> BudgetPlan:
    """Spend per phase and pacing for a session budget (local currency)."""
    w = windows or Windows()
    w.check()
    lo = np.zeros(3) if min_spend is None else np.asarray(min_spend, float)
    hi = np.full(3, np.inf) if max_spend is None else np.asarray(max_spend, float)
    check_bounds(budget, lo, hi)
    if abs(sum(shares) - 1) > 1e-6 or min(shares) < 0:
        raise LivecartError(f"phase shares must be at least 0 and add up to 1 (got {shares})")
    sh = clamp_shares(np.asarray(shares), budget, lo, hi)
    amounts = sh * budget
    if sh.tolist() != list(shares):
        source += ", moved to meet the phase bounds"
    return BudgetPlan(
        budget=float(budget),
        currency=currency,
        shares=tuple(round(float(x), 6) for x in sh),
        spend={p: round(float(a), 2) for p, a in zip(PHASES, amounts, strict=True)},
        windows=w,
        pre_live_hourly=_round(pre_live_pacing(amounts[0], w)),
        per_minute=_round(live_pacing(amounts[1], amounts[2], w)),
        source=source,
    )


def pre_live_pacing(amount: float, w: Windows) -> np.ndarray:
    """Hourly pre-live spend ramping from half to one and a half times the mean."""
    ramp = np.linspace(0.5, 1.5, w.pre_live_hours)
    return amount * ramp / ramp.sum()


def live_pacing(live: float, closing: float, w: Windows) -> np.ndarray:
    """Per-minute spend: live amount over the minutes before the closing window, golden-hour
    minutes weighted up; closing amount spread evenly over the closing window."""
    t = np.arange(w.live_minutes)
    close_from = w.live_minutes - w.closing_minutes
    live_w = np.where(t < w.golden_minutes, w.golden_weight, 1.0) * (t < close_from)
    close_w = (t >= close_from).astype(float)
    return live * live_w / live_w.sum() + closing * close_w / close_w.sum()


def _round(a: np.ndarray) -> list[float]:
    return [round(float(x), 4) for x in a]
