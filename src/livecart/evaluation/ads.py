"""`livecart plan evaluate`: the ad-budget models against the demo simulator's truth.

For each seed the harness draws the demo's world and session plans (`make_world`,
`make_plans`; no room simulation, no workspace), takes each session's spend per phase in USD, and
draws its attributed GMV exactly as the simulator does (`livecart.demo.tables.hill` of the
effective spend with carry-over, times log-normal noise). It fits the response curves to that
history, then plays ``future`` new sessions, with budgets drawn from the same history, three ways:
the recommended split, 2:6:2 and an even split. Realised GMV is the true curve times fresh noise,
the same noise for all three (common random numbers), so the gains measure the splits, not luck.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from livecart.ads import PHASES, Curves, fit_response, optimize_split, true_optimum
from livecart.demo.plans import ADS, make_plans
from livecart.demo.tables import hill
from livecart.demo.world import make_world
from livecart.errors import LivecartError

EVEN = np.full(3, 1 / 3)
RULE = np.array([0.2, 0.6, 0.2])


def true_curves() -> Curves:
    return Curves(
        np.array([ADS["beta_usd"][p] for p in PHASES]),
        np.array([ADS["half_sat_usd"][p] for p in PHASES]),
        np.array([ADS["shape"][p] for p in PHASES]),
        float(ADS["carryover"]),
    )


def simulated_history(seed: int, scale: float = 1.0) -> pd.DataFrame:
    """The demo's per-session spend per phase (USD) with GMV drawn as the simulator draws it."""
    w = make_world(seed, scale)
    rng = np.random.default_rng([seed, 77])
    th, rows = ADS["carryover"], []
    for p in make_plans(w):
        t = np.arange(p.minutes)
        paid, closing = p.spend > 0, t >= p.closing_from
        s = (
            np.array(
                [p.pre_spend.sum(), p.spend[paid & ~closing].sum(), p.spend[paid & closing].sum()]
            )
            * p.usd
        )
        x = np.array([s[0], s[1] + th * s[0], s[2] + th * s[1]])
        g = [
            float(hill(x[i], k)) * np.exp(rng.normal(0, ADS["noise_sd"]))
            for i, k in enumerate(PHASES)
        ]
        rows.append(
            {f"spend_{k}": s[i] for i, k in enumerate(PHASES)}
            | {f"gmv_{k}": g[i] for i, k in enumerate(PHASES)}
        )
    return pd.DataFrame(rows)


def recovery_errors(fit: Curves, truth: Curves) -> dict[str, float]:
    """Relative errors of beta and K, absolute errors of shape and carry-over, per phase."""
    out = {}
    for i, p in enumerate(PHASES):
        out[f"beta_rel.{p}"] = float(fit.beta[i] / truth.beta[i] - 1)
        out[f"half_sat_rel.{p}"] = float(fit.half_sat[i] / truth.half_sat[i] - 1)
        out[f"shape_abs.{p}"] = float(fit.shape[i] - truth.shape[i])
    out["carryover_abs"] = fit.carryover - truth.carryover
    return out


def evaluate_seed(seed: int, scale: float = 1.0, future: int = 12, n_boot: int = 50) -> dict:
    hist = simulated_history(seed, scale)
    truth = true_curves()
    model = fit_response(hist, n_boot=n_boot, seed=seed)
    rng = np.random.default_rng([seed, 78])
    budgets = rng.choice(hist[[f"spend_{p}" for p in PHASES]].sum(axis=1).to_numpy(), future)
    noise = np.exp(rng.normal(0, ADS["noise_sd"], (future, 3)))
    got = {"optimized": 0.0, "rule": 0.0, "even": 0.0}
    for b, eps in zip(budgets, noise, strict=True):
        split = np.array(optimize_split(model, float(b)).shares)
        for k, sh in (("optimized", split), ("rule", RULE), ("even", EVEN)):
            got[k] += float((truth.response(sh * b) * eps).sum())
    med = float(np.median(budgets))
    opt = np.array(optimize_split(model, med).optimum_shares)
    # Compared within the same trust region the optimizer searches (past sessions' share range).
    best = true_optimum(truth, med, share_range=model.share_range_)
    q = model.summary(level=0.95)
    true_v = np.concatenate([truth.beta, truth.half_sat, truth.shape, [truth.carryover]])
    cover = float(((q["low"] <= true_v) & (true_v <= q["high"])).mean())
    return {
        "seed": seed,
        "interval_coverage_95": cover,
        "sessions": len(hist),
        "gain_vs_262_pct": (got["optimized"] / got["rule"] - 1) * 100,
        "gain_vs_even_pct": (got["optimized"] / got["even"] - 1) * 100,
        "optimum_share_distance": float(np.abs(opt - best).max()),
        "optimum_gmv_shortfall_pct": float(
            (1 - truth.response(opt * med).sum() / truth.response(best * med).sum()) * 100
        ),
        **recovery_errors(model.curves_, truth),
    }


def evaluate(seeds: int = 20, scale: float = 1.0, future: int = 12, first_seed: int = 1) -> dict:
    """Mean and spread (standard deviation across seeds) of each figure."""
    if seeds < 1:
        raise LivecartError(f"--seeds must be at least 1 (got {seeds}): the worlds to simulate")
    if future < 1:
        raise LivecartError(
            f"--future must be at least 1 (got {future}): the new sessions played per world"
        )
    if not scale > 0:
        raise LivecartError(f"--scale must be above zero (got {scale:g}), e.g. 1.0")
    rows = pd.DataFrame(
        [evaluate_seed(s, scale, future) for s in range(first_seed, first_seed + seeds)]
    )
    out: dict = {"seeds": seeds, "scale": scale, "future_sessions_per_seed": future}
    for k in ("gain_vs_262_pct", "gain_vs_even_pct"):
        out[k] = float(rows[k].mean())
        out[k.replace("_pct", "_sd_pct")] = float(rows[k].std(ddof=1)) if seeds > 1 else 0.0
    out["interval_coverage_95"] = float(rows["interval_coverage_95"].mean())
    out["optimum_share_distance_mean"] = float(rows["optimum_share_distance"].mean())
    out["optimum_gmv_shortfall_pct_mean"] = float(rows["optimum_gmv_shortfall_pct"].mean())
    err_cols = [c for c in rows.columns if "_rel." in c or "_abs" in c]
    out["recovery_errors"] = {
        c: {"mean": float(rows[c].mean()), "mean_abs": float(rows[c].abs().mean())}
        for c in err_cols
    }
    out["per_seed"] = rows.to_dict(orient="records")
    return out
