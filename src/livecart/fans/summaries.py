"""Parameter tables with intervals, shared by the buy-till-you-die models."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from livecart.fans.likelihood import Optimum, draws


def interval_table(
    opt: Optimum,
    base: Sequence[str],
    covariates: Sequence[str],
    coefficients: Callable[[np.ndarray, Sequence[str]], dict[str, dict[str, float]]],
    level: float,
    n_draws: int = 2000,
) -> pd.DataFrame:
    """Base parameters (Wald interval on the log scale) and covariate multipliers (intervals
    from draws of the asymptotic normal), one row each: estimate, lower, upper."""
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for i, name in enumerate(base):
        se = float(np.sqrt(opt.cov[i, i]))
        est = opt.theta[i]
        rows.append((name, np.exp(est), np.exp(est - z * se), np.exp(est + z * se)))
    if covariates:
        point = coefficients(opt.theta, covariates)
        sims = [coefficients(t, covariates) for t in draws(opt, n_draws, np.random.default_rng(0))]
        for cov in covariates:
            for key, est in point[cov].items():
                vals = np.array([s[cov][key] for s in sims])
                lo, hi = np.quantile(vals, [0.5 - level / 2, 0.5 + level / 2])
                rows.append((f"{cov}.{key}", est, lo, hi))
    return pd.DataFrame(rows, columns=["parameter", "estimate", "lower", "upper"]).set_index(
        "parameter"
    )
