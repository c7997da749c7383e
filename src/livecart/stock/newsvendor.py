"""The newsvendor: how much to stock for one selling event whose demand is uncertain.

With underage cost ``cu`` (margin lost per unit short) and overage cost ``co`` (cost of each unit
left over: holding, return shipping, markdown), the expected cost ``cu E[(D-Q)+] + co E[(Q-D)+]``
is smallest at the critical fractile ``Q* = F^-1(cu / (cu + co))`` (Arrow, Harris & Marschak 1951;
Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., section 4.3).

Several SKUs under a purchase budget and a warehouse capacity are solved by Lagrangian relaxation
(Hadley & Whitin 1963; Nahmias, *Production and Operations Analysis*, multi-product newsvendor):
with multipliers ``lam`` (per unit of money spent) and ``mu`` (per unit of space), each SKU's
level is ``max(a_i, F_i^-1((cu_i - lam c_i - mu v_i) / (cu_i + co_i)))`` where ``a_i`` is the stock
already there; ``lam`` and ``mu`` are found by bisection so the constraints hold.

Demand is either `NormalDemand` (closed forms, for textbook checks) or `SampleDemand` (an
equally weighted quantile grid, which is what the forecast hands over).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import stats


class Demand(Protocol):
    def ppf(self, q: float) -> float: ...
    def expected_short(self, level: float) -> float: ...
    def expected_leftover(self, level: float) -> float: ...
    @property
    def mean(self) -> float: ...


@dataclass(frozen=True)
class NormalDemand:
    """Normal demand; the standard normal loss function gives E[(D-Q)+] in closed form."""

    mu: float
    sigma: float

    def ppf(self, q: float) -> float:
        return float(stats.norm.ppf(q, self.mu, self.sigma))

    def expected_short(self, level: float) -> float:
        z = (level - self.mu) / self.sigma
        return float(self.sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z)))

    def expected_leftover(self, level: float) -> float:
        return self.expected_short(level) + level - self.mu

    @property
    def mean(self) -> float:
        return self.mu


@dataclass(frozen=True)
class SampleDemand:
    """Demand as equally likely values (a quantile grid at levels (k - 0.5) / K)."""

    values: np.ndarray

    @classmethod
    def from_quantiles(cls, qfun, k: int = 200) -> SampleDemand:
        """``qfun(levels) -> values``, evaluated on a grid of ``k`` midpoints."""
        levels = (np.arange(k) + 0.5) / k
        return cls(np.maximum(np.sort(np.asarray(qfun(levels), float)), 0.0))

    def ppf(self, q: float) -> float:
        q = float(np.clip(q, 0.0, 1.0))
        return float(np.quantile(self.values, q, method="inverted_cdf")) if q > 0 else 0.0

    def expected_short(self, level: float) -> float:
        return float(np.maximum(self.values - level, 0).mean())

    def expected_leftover(self, level: float) -> float:
        return float(np.maximum(level - self.values, 0).mean())

    @property
    def mean(self) -> float:
        return float(self.values.mean())


def critical_fractile(underage: float, overage: float) -> float:
    """``cu / (cu + co)``: the probability of not running out that minimizes expected cost.
    No margin (cu <= 0) gives 0; no leftover cost gives 1 (stock as much as could sell)."""
    if underage <= 0:
        return 0.0
    if overage <= 0:
        return 1.0
    return underage / (underage + overage)


def expected_cost(d: Demand, level: float, underage: float, overage: float) -> float:
    """``cu E[(D - Q)+] + co E[(Q - D)+]``."""
    return underage * d.expected_short(level) + overage * d.expected_leftover(level)


def optimal_level(d: Demand, underage: float, overage: float, cap_q: float = 0.995) -> float:
    """The newsvendor level ``F^-1(cu / (cu + co))``; a fractile of 1 (no leftover cost) is
    capped at the ``cap_q`` quantile, since an unbounded order is never the answer."""
    return d.ppf(min(critical_fractile(underage, overage), cap_q))


@dataclass(frozen=True)
class Item:
    """One SKU for the joint problem: its demand, costs, unit price of ordering (``buy``),
    space per unit (``space``) and stock already available (``have``)."""

    demand: Demand
    underage: float
    overage: float
    buy: float = 0.0
    space: float = 1.0
    have: float = 0.0


@dataclass(frozen=True)
class Allocation:
    levels: np.ndarray  # stock to hold per item (>= have)
    lam: float  # budget multiplier: expected cost saved per extra unit of money
    mu: float  # capacity multiplier: expected cost saved per extra unit of space
    budget_binds: bool
    capacity_binds: bool


def _levels(items: list[Item], lam: float, mu: float, cap_q: float) -> np.ndarray:
    """Each item's level at multipliers (lam, mu): the fractile (cu - lam c - mu v) / (cu + co),
    since the marginal unit costs lam c + mu v more (the denominator does not change)."""
    out = np.empty(len(items))
    for i, it in enumerate(items):
        gain = it.underage - lam * it.buy - mu * it.space
        if gain <= 0:
            out[i] = it.have
            continue
        total = it.underage + it.overage
        frac = 1.0 if it.overage <= 0 and lam == 0 and mu == 0 else gain / total
        out[i] = max(it.have, it.demand.ppf(min(frac, cap_q)))
    return out


def _spend(items: list[Item], levels: np.ndarray) -> float:
    return float(sum(it.buy * max(q - it.have, 0.0) for it, q in zip(items, levels, strict=True)))


def _bisect(f, hi: float, iters: int = 60) -> float:
    """Smallest x in [0, hi] with f(x) true (f monotone: false then true)."""
    lo = 0.0
    for _ in range(iters):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if f(mid) else (mid, hi)
    return hi


def allocate(
    items: list[Item],
    budget: float | None = None,
    capacity: float | None = None,
    cap_q: float = 0.995,
    integer: bool = False,
) -> Allocation:
    """Stock levels minimizing total expected cost with ``sum buy_i (Q_i - have_i)+ <= budget``
    and ``sum space_i Q_i <= capacity`` (either may be None: no limit). Nested bisection: the
    budget multiplier inside, the capacity multiplier outside (both constraints loosen
    monotonically as their multiplier grows). With ``integer`` the levels are whole units:
    rounded down where a limit binds, then whatever budget and space are left go greedily to
    the unit that saves the most expected cost per unit of money (or space)."""
    lam_hi = max([it.underage / it.buy for it in items if it.buy > 0] or [0.0]) + 1.0
    mu_hi = max([it.underage / it.space for it in items if it.space > 0] or [0.0]) + 1.0

    def with_budget(mu: float) -> tuple[np.ndarray, float]:
        q = _levels(items, 0.0, mu, cap_q)
        if budget is None or _spend(items, q) <= budget + 1e-9:
            return q, 0.0
        lam = _bisect(
            lambda x: _spend(items, _levels(items, x, mu, cap_q)) <= budget + 1e-9, lam_hi
        )
        return _levels(items, lam, mu, cap_q), lam

    def used(q: np.ndarray) -> float:
        return float(sum(it.space * x for it, x in zip(items, q, strict=True)))

    q, lam = with_budget(0.0)
    mu = 0.0
    if capacity is not None and used(q) > capacity + 1e-9:
        mu = _bisect(lambda x: used(with_budget(x)[0]) <= capacity + 1e-9, mu_hi)
        q, lam = with_budget(mu)
    if integer:
        q = _whole_units(items, q, budget, capacity, bound=lam > 0 or mu > 0)
    return Allocation(q, lam, mu, lam > 0, mu > 0)


def _whole_units(
    items: list[Item], q: np.ndarray, budget: float | None, capacity: float | None, bound: bool
) -> np.ndarray:
    have = np.array([it.have for it in items])
    if not bound:  # rounding the unconstrained levels may still break a limit by a unit
        rounded = np.maximum(np.round(q), have)
        over_budget = budget is not None and _spend(items, rounded) > budget + 1e-9
        space = sum(it.space * x for it, x in zip(items, rounded, strict=True))
        if not over_budget and (capacity is None or space <= capacity + 1e-9):
            return rounded
    q = np.maximum(np.floor(q + 1e-9), have)
    money = np.inf if budget is None else budget - _spend(items, q)
    room = (
        np.inf
        if capacity is None
        else capacity - sum(it.space * x for it, x in zip(items, q, strict=True))
    )
    for _ in range(100_000):
        best, best_ratio = -1, 0.0
        for i, it in enumerate(items):
            if it.buy > money + 1e-9 or it.space > room + 1e-9:
                continue
            gain = expected_cost(it.demand, q[i], it.underage, it.overage) - expected_cost(
                it.demand, q[i] + 1, it.underage, it.overage
            )
            ratio = gain / max(it.buy if budget is not None else it.space, 1e-9)
            if gain > 1e-12 and ratio > best_ratio:
                best, best_ratio = i, ratio
        if best < 0:
            return q
        q[best] += 1
        money -= items[best].buy
        room -= items[best].space
    return q
