"""The split of a session's ad budget across pre-live, live and closing that maximises expected
GMV (or profit, or GMV at a ROAS floor) under the fitted response curves, with its expected gain
over 2:6:2 and the probability that it is really better.

Method: exhaustive search over a 1% grid of the simplex (three phases make that 5,151 splits, so
a grid is exact to the grid step and cannot stop in a local optimum), then expected GMV is the
mean over the bootstrap draws of the curves (expected utility under parameter uncertainty rather
than the plug-in point fit). P(better) is the share of draws in which the chosen split beats
2:6:2; it is computed on the draws the split was chosen with, so it leans optimistic, which is
why a split is only recommended when that probability clears ``min_probability``.

Trust region: by default only splits whose phase shares lie within the 5-95% range of past
sessions' shares are searched (and, for profit and ROAS, totals within past totals); a budget
outside past totals keeps 2:6:2. Outside that region the curves are extrapolated from the Hill
shape rather than measured, and a confident-looking P(better) there is an artefact of the shape
(the bootstrap cannot see data it does not have). ``extrapolate=True`` searches the simplex.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from livecart.ads.history import PHASES
from livecart.ads.response import Curves, ResponseModel
from livecart.errors import LivecartError

RULE_262 = (0.2, 0.6, 0.2)
OBJECTIVES = ("gmv", "profit", "roas")


def simplex_grid(step: float = 0.01) -> np.ndarray:
    """Every split (a, b, c) with a + b + c = 1 on a grid of ``step``."""
    n = round(1 / step)
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = i + j <= n
    a, b = i[keep], j[keep]
    return np.stack([a, b, n - a - b], axis=1) / n


def feasible(grid: np.ndarray, budget: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    s = grid * budget
    return ((s >= lo - 1e-9) & (s <= hi + 1e-9)).all(axis=1)


@dataclass
class Split:
    """The recommended split, what it is expected to earn, and how sure that is."""

    shares: tuple[float, float, float]
    recommended: bool
    reason: str
    objective: str
    budget_usd: float
    spend_usd: float
    expected_gmv_usd: float
    expected_gmv_262_usd: float
    gain_vs_262_pct: float
    gain_interval_pct: tuple[float, float]
    p_better: float
    optimum_shares: tuple[float, float, float]
    notes: list[str] = field(default_factory=list)

    @property
    def unspent_usd(self) -> float:
        """What the split leaves unspent (``profit`` and ``roas`` may spend less)."""
        return max(self.budget_usd - self.spend_usd, 0.0)

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["phases"] = list(PHASES)
        d["unspent_usd"] = self.unspent_usd
        d["spent_share"] = self.spend_usd / self.budget_usd if self.budget_usd else 0.0
        return d


def _value(draws: list[Curves], spend: np.ndarray) -> np.ndarray:
    """(n_draws, n_splits) total GMV of each split under each draw: `Curves.response` summed
    over the phases, worked out phase by phase on contiguous columns, and for pre-live (which
    no carry-over reaches) on its distinct amounts only, so a profit search over ~150,000
    splits and 200 draws moves a fraction of the memory (the same formula; equal to
    `response(spend).sum(-1)` within 1e-12 relative, tested)."""
    s = np.ascontiguousarray(np.asarray(spend, float).T)
    pre, back = np.unique(s[0], return_inverse=True)
    out = np.empty((len(draws), s.shape[1]))
    for d, c in enumerate(draws):
        w = c.half_sat**c.shape
        out[d] = _hill(c, w, 0, pre)[back]
        out[d] += _hill(c, w, 1, s[1] + c.carryover * s[0])
        out[d] += _hill(c, w, 2, s[2] + c.carryover * s[1])
    return out


def _hill(c: Curves, w: np.ndarray, k: int, x: np.ndarray) -> np.ndarray:
    xs = np.maximum(x, 0.0) ** c.shape[k]
    return c.beta[k] * xs / (xs + w[k])


def _score(
    v: np.ndarray, total: np.ndarray, objective: str, margin: float, floor: float
) -> np.ndarray:
    mean = v.mean(axis=0)
    if objective == "gmv":
        return mean
    if objective == "profit":
        return margin * mean - total
    roas = mean / np.maximum(total, 1e-9)
    return np.where(roas >= floor, mean, -np.inf)


def optimize_split(
    model: ResponseModel,
    budget_usd: float,
    *,
    lo_usd: np.ndarray | None = None,
    hi_usd: np.ndarray | None = None,
    objective: str = "gmv",
    margin: float = 0.4,
    roas_floor: float = 2.0,
    min_probability: float = 0.8,
    step: float = 0.01,
    extrapolate: bool = False,
) -> Split:
    """Search the split; keep 2:6:2 when the evidence is thin or the gain is not convincing.
    ``profit`` and ``roas`` may also spend less than the budget (totals from 10% to 100%):
    then ``shares`` add up to the part of the budget spent.

    By default the search stays in a trust region: each phase's share within the 5-95% range of
    past sessions' shares, and (for a total that may vary) the total within past totals, because
    outside it the curves are extrapolated from their shape, not measured. A budget outside
    past totals keeps 2:6:2. ``extrapolate=True`` searches the whole simplex."""
    if objective not in OBJECTIVES:
        raise LivecartError(f"unknown objective {objective!r}: choose gmv, profit or roas")
    if not np.isfinite(budget_usd) or budget_usd <= 0:
        raise LivecartError(f"the budget must be a finite amount above zero (got {budget_usd:g})")
    lo = np.zeros(3) if lo_usd is None else np.asarray(lo_usd, float)
    hi = np.full(3, np.inf) if hi_usd is None else np.asarray(hi_usd, float)
    draws = model.draws_ or ([model.curves_] if model.curves_ else [])
    rule_ok = bool(feasible(np.array([RULE_262]), budget_usd, lo, hi)[0])
    if model.thin or not draws:
        why = (
            f"thin evidence: {model.n_sessions_} sessions with ad spend, need {model.min_sessions}"
        )
        return _keep(model, draws, budget_usd, objective, why)
    region = not extrapolate and model.share_range_ is not None
    outside = _budget_outside(model, budget_usd) if region and objective == "gmv" else None
    if outside and rule_ok:
        return _keep(model, draws, budget_usd, objective, outside)
    grid = simplex_grid(step)
    totals = np.array([1.0]) if objective == "gmv" else _totals(model, budget_usd, region)
    spend = (totals[:, None, None] * grid[None] * budget_usd).reshape(-1, 3)
    ok = feasible(spend / budget_usd, budget_usd, lo, hi)
    if not ok.any():
        raise LivecartError(
            "no split meets the phase bounds: lower the minimums or raise the maximums "
            f"(minimums add up to {lo.sum():,.0f} USD against a budget of {budget_usd:,.0f} USD)"
        )
    spend = spend[ok]
    v = _value(draws, spend)
    score = _score(v, spend.sum(axis=1), objective, margin, roas_floor)
    if not np.isfinite(score).any():
        raise LivecartError(
            f"no split reaches a ROAS of {roas_floor:g}: lower --roas-floor",
            dashboard=f"no split reaches a ROAS of {roas_floor:g}: lower the ROAS floor",
        )
    notes = [outside] if outside else []
    inside = _in_region(model, spend, objective == "gmv") if region else np.ones(len(spend), bool)
    if region and not (inside & np.isfinite(score)).any():
        why = "no split within past sessions' range meets the constraints"
        if rule_ok:
            return _keep(model, draws, budget_usd, objective, why + " (pass --extrapolate)")
        inside[:] = True
        notes.append(why + ": searched outside it")
    best = int(np.argmax(np.where(inside, score, -np.inf)))
    if region:
        notes += _beyond(spend, score, best, budget_usd)
    obj = (objective, margin, roas_floor)
    s = _compare(model, draws, spend[best], budget_usd, obj, rule_ok, min_probability, extrapolate)
    s.notes = notes + s.notes
    return s


def _totals(model: ResponseModel, budget: float, region: bool) -> np.ndarray:
    """Shares of the budget a profit or ROAS split may spend: 10% to 100%, plus (in the trust
    region) steps across past sessions' totals, so a large budget can still spend what worked."""
    t = np.linspace(0.1, 1.0, 19)
    if region and model.total_range_ is not None:
        past = np.linspace(*model.total_range_, 19) / budget
        t = np.union1d(t, past[past <= 1.0])
    return t


def _budget_outside(model: ResponseModel, budget: float) -> str | None:
    r = model.total_range_
    if r is None or r[0] - 1e-9 <= budget <= r[1] + 1e-9:
        return None
    return (
        f"the budget of {budget:,.0f} USD is outside past sessions' totals "
        f"({r[0]:,.0f}-{r[1]:,.0f} USD): the curves there are extrapolated (pass --extrapolate "
        "to optimize anyway)"
    )


def _in_region(model: ResponseModel, spend: np.ndarray, fixed_total: bool) -> np.ndarray:
    """Splits whose phase shares (and, when the total varies, total) lie within past sessions'
    5-95% ranges: the trust region where the curves rest on data."""
    r = model.share_range_
    total = spend.sum(axis=1)
    shares = spend / np.maximum(total, 1e-9)[:, None]
    ok = ((shares >= r[0] - 1e-9) & (shares <= r[1] + 1e-9)).all(axis=1)
    t = model.total_range_
    if not fixed_total and t is not None:
        ok &= (total >= t[0] - 1e-9) & (total <= t[1] + 1e-9)
    return ok


def _beyond(spend: np.ndarray, score: np.ndarray, best: int, budget: float) -> list[str]:
    """Name the unrestricted optimum when it lies elsewhere: the user may opt in to it."""
    top = int(np.argmax(score))
    base = abs(score[best])
    if top == best or score[top] - score[best] <= 0.005 * base:
        return []
    sh = ", ".join(f"{x:.0%}" for x in spend[top] / budget)
    gain = (score[top] - score[best]) / max(base, 1e-9) * 100
    return [
        f"outside past sessions' range the fitted curves favour {sh} ({gain:+.1f}% on the "
        "extrapolated curves); not recommended without --extrapolate"
    ]


def _utility(v: np.ndarray, spend: np.ndarray, objective: str, margin: float) -> np.ndarray:
    """Per draw and split: GMV, or for ``profit`` margin x GMV - spend."""
    return margin * v - spend.sum(axis=1) if objective == "profit" else v


def _compare(
    model: ResponseModel,
    draws: list[Curves],
    best: np.ndarray,
    budget: float,
    obj: tuple[str, float, float],
    rule_ok: bool,
    min_p: float,
    extrapolate: bool = False,
) -> Split:
    """Gain and P(better) in the objective's own terms (GMV, or profit); for ``roas`` a 2:6:2
    below the floor does not count as an alternative."""
    objective, margin, floor = obj
    rule = np.array(RULE_262) * budget
    both = np.stack([best, rule])
    v = _value(draws, both)
    u = _utility(v, both, objective, margin)
    diff = (u[:, 0] - u[:, 1]) / np.abs(u[:, 1]) * 100
    p = float((diff > 0).mean())
    gain = float((u[:, 0].mean() - u[:, 1].mean()) / abs(u[:, 1].mean()) * 100)
    opt = tuple(float(x) for x in best / best.sum())
    notes = [] if rule_ok else ["2:6:2 breaks the phase bounds; the optimized split is used"]
    if objective == "roas" and v[:, 1].mean() / budget < floor:
        rule_ok = False
        notes.append(f"2:6:2 of the whole budget falls below the ROAS floor of {floor:g}")
    extra = _extrapolation(model, np.array(opt))
    notes += extra
    # An optimum outside the data is only recommended when the user opted in to extrapolation.
    go = (p >= min_p and gain > 0.5 and (extrapolate or not extra)) or not rule_ok
    what = "profit" if objective == "profit" else "GMV"
    reason = (
        f"2:6:2 is ruled out ({notes[0]}): the best split that meets the constraints"
        if not rule_ok
        else f"P(better than 2:6:2) = {p:.0%}, expected {what} gain {gain:+.1f}%"
        if go
        else f"keeping 2:6:2: the best split lies outside past sessions' range ({extra[0]})"
        if extra and p >= min_p and gain > 0.5
        else f"keeping 2:6:2: P(better) = {p:.0%} and expected {what} gain {gain:+.1f}% "
        "are not convincing"
    )
    use = best if go else rule
    return Split(
        shares=tuple(float(x) for x in use / budget) if go else RULE_262,
        recommended=go,
        reason=reason,
        objective=objective,
        budget_usd=budget,
        spend_usd=float(use.sum()),
        expected_gmv_usd=float(_value(draws, use[None])[:, 0].mean()),
        expected_gmv_262_usd=float(v[:, 1].mean()),
        gain_vs_262_pct=gain if go else 0.0,
        gain_interval_pct=(float(np.quantile(diff, 0.05)), float(np.quantile(diff, 0.95))),
        p_better=p,
        optimum_shares=opt,
        notes=notes,
    )


def _extrapolation(model: ResponseModel, shares: np.ndarray) -> list[str]:
    """Name each phase whose share lies outside what past sessions spent (5-95%): there the
    curves are extrapolated, and the gain rests on the model's shape more than on data."""
    r = model.share_range_
    if r is None:
        return []
    return [
        f"{PHASES[k]} share {shares[k]:.0%} is outside past sessions' {r[0][k]:.0%}-{r[1][k]:.0%}:"
        " the curve there is extrapolated; set a phase minimum to stay within the data"
        for k in range(3)
        if not r[0][k] - 1e-9 <= shares[k] <= r[1][k] + 1e-9
    ]


def _keep(
    model: ResponseModel, draws: list[Curves], budget: float, objective: str, why: str
) -> Split:
    rule = np.array(RULE_262) * budget
    g = float(_value(draws, rule[None])[:, 0].mean()) if draws else float("nan")
    return Split(
        RULE_262,
        False,
        f"keeping 2:6:2: {why}",
        objective,
        budget,
        budget,
        g,
        g,
        0.0,
        (float("nan"), float("nan")),
        float("nan"),
        RULE_262,
    )


def true_optimum(
    curves: Curves,
    budget_usd: float,
    step: float = 0.005,
    share_range: np.ndarray | None = None,
) -> np.ndarray:
    """The GMV-maximising split under known curves (the simulator's truth), on a fine grid;
    with ``share_range`` (2 x 3, low and high share per phase) only within that trust region."""
    grid = simplex_grid(step)
    if share_range is not None:
        r = np.asarray(share_range)
        grid = grid[((grid >= r[0] - 1e-9) & (grid <= r[1] + 1e-9)).all(axis=1)]
    v = curves.response(grid * budget_usd).sum(axis=1)
    return grid[int(np.argmax(v))]
