"""Score the stock forecast and plan against the demo simulator (behind `livecart stock evaluate`).

For each seed a demo workspace is built; its sessions are split in time (the last ``holdout``
share held out); the forecaster learns from the earlier ones only (held-out sessions' history
features still see everything that happened before each of them, as a planner would). Held-out
demand is the simulator's **uncensored** demand: each held-out session is re-simulated with
unlimited stock from the same seed (`livecart.demo.uncensored_demand`), so sold-out SKUs are
scored on what buyers wanted, not on what was on the shelf.

Reported (means over seeds, and per seed):
- ``pinball_loss``: mean pinball (quantile) loss over the 10th, 50th and 90th percentiles, units;
- ``baseline_pinball_loss``: the same for two baselines, ``sku_past_average`` (the SKU's mean units
  in past sessions, same market else any, else the overall mean) and ``warmup_clicks_conversion``
  (warm-up clicks times one conversion fitted on the training sessions; SKUs without warm-ups fall
  back to the past average). Baseline intervals come from the training residuals of log ratios
  (split conformal), so they are judged on the same footing;
- ``coverage_80``: share of held-out demand inside the 10th-90th percentile interval;
- ``cost_saving_pct``: realised cost (lost margin on units short plus leftover cost) of stocking
  at the newsvendor level, against stocking each SKU at its past average, as a percentage saved.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from livecart.demo import build, uncensored_demand
from livecart.stock.costs import StockCosts, unit_costs
from livecart.stock.forecast import DemandForecaster
from livecart.stock.history import add_history, load_rows
from livecart.stock.newsvendor import SampleDemand, optimal_level
from livecart.store import Workspace

LEVELS = np.array([0.1, 0.5, 0.9])
BASELINES = ("sku_past_average", "warmup_clicks_conversion")


def pinball(y: np.ndarray, q: np.ndarray, levels: np.ndarray = LEVELS) -> float:
    """Mean pinball loss over rows and levels: ``max(t (y - q), (t - 1)(y - q))``."""
    d = y[:, None] - q
    return float(np.mean(np.maximum(levels * d, (levels - 1) * d)))


def _log_ratio_interval(
    point_train: np.ndarray, y_train: np.ndarray, point_test: np.ndarray
) -> np.ndarray:
    """Split-conformal multiplicative interval around a point forecast."""
    r = np.log1p(y_train) - np.log1p(point_train)
    qs = np.quantile(r, LEVELS)
    return np.maximum(np.expm1(np.log1p(point_test)[:, None] + qs[None, :]), 0.0)


def _baselines(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, np.ndarray]:
    overall = float(train["sold"].mean())
    past = {
        k: d["sku_past_mean_units"].fillna(overall).to_numpy()
        for k, d in (("train", train), ("test", test))
    }
    out = {
        "sku_past_average": _log_ratio_interval(
            past["train"], train["sold"].to_numpy(), past["test"]
        )
    }
    w = train["w_clicks"] > 0
    conv = float(train.loc[w, "sold"].sum() / max(train.loc[w, "w_clicks"].sum(), 1.0))
    pt = {
        k: np.where(d["w_clicks"] > 0, conv * d["w_clicks"], past[k])
        for k, d in (("train", train), ("test", test))
    }
    out["warmup_clicks_conversion"] = _log_ratio_interval(
        pt["train"], train["sold"].to_numpy(), pt["test"]
    )
    return out


@dataclass
class SeedResult:
    seed: int
    sessions_train: int
    sessions_test: int
    rows_test: int
    pinball_loss: float
    baseline_pinball_loss: dict[str, float]
    coverage_80: float
    cost_model: float
    cost_past_average: float
    cost_saving_pct: float


def evaluate_seed(
    seed: int,
    scale: float = 0.4,
    holdout: float = 0.3,
    costs: StockCosts | None = None,
    workdir: Path | None = None,
) -> SeedResult:
    """Build the demo workspace for ``seed`` and `score_workspace` it."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        build(Path(tmp) / "ws", seed=seed, scale=scale, stage_reviews=False)
        return score_workspace(Path(tmp) / "ws", seed, scale, holdout, costs)


def score_workspace(
    path: Path, seed: int, scale: float, holdout: float = 0.3, costs: StockCosts | None = None
) -> SeedResult:
    """Score the forecast and plan on the demo workspace at ``path``, built with ``seed`` and
    ``scale``: the last ``holdout`` share of its lives held out, judged on uncensored demand."""
    costs = costs or StockCosts()
    with Workspace.open(path, read_only=True) as ws:
        rows = add_history(load_rows(ws))
    sessions = rows.drop_duplicates("session_id")["session_id"].tolist()
    cut = int(round(len(sessions) * (1 - holdout)))
    train = rows[rows["session_id"].isin(sessions[:cut])]
    test = rows[rows["session_id"].isin(sessions[cut:])].reset_index(drop=True)
    truth = uncensored_demand(seed, scale, sessions[cut:]).rename(columns={"units": "demand"})
    test = test.merge(truth, on=["session_id", "sku_id"], how="left")
    y = test["demand"].to_numpy(float)
    f = DemandForecaster(seed=seed).fit(train)
    q = f.quantiles(test, LEVELS)
    base = _baselines(train, test)
    grid = f.quantiles(test)
    cu, co = unit_costs(test, costs)
    level = np.array(
        [
            optimal_level(SampleDemand(np.sort(g)), u, o)
            for g, u, o in zip(grid, cu, co, strict=True)
        ]
    )
    level_past = np.round(test["sku_past_mean_units"].fillna(train["sold"].mean()).to_numpy())
    cost = _realised(y, np.round(level), cu, co)
    cost_past = _realised(y, level_past, cu, co)
    return SeedResult(
        seed,
        cut,
        len(sessions) - cut,
        len(test),
        pinball(y, q),
        {k: pinball(y, v) for k, v in base.items()},
        float(np.mean((y >= q[:, 0]) & (y <= q[:, 2]))),
        cost,
        cost_past,
        100.0 * (cost_past - cost) / cost_past if cost_past > 0 else 0.0,
    )


def _realised(demand: np.ndarray, level: np.ndarray, cu: np.ndarray, co: np.ndarray) -> float:
    return float(np.sum(cu * np.maximum(demand - level, 0) + co * np.maximum(level - demand, 0)))


@dataclass
class StockEvaluation:
    seeds: list[int]
    scale: float
    holdout: float
    pinball_loss: float
    baseline_pinball_loss: dict[str, float]
    coverage_80: float
    cost_saving_pct: float
    per_seed: list[SeedResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_stock(
    seeds: int = 20,
    scale: float = 0.4,
    holdout: float = 0.3,
    first_seed: int = 1,
    costs: StockCosts | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> StockEvaluation:
    """Run `evaluate_seed` for ``seeds`` seeds (``jobs`` worker processes; every seed is
    independent, so the figures do not depend on it) and average. ``cost_saving_pct`` is the
    saving on the summed realised cost over all seeds. ``progress(done, total)`` is called
    before the first seed and as each seed is done."""
    ids = list(range(first_seed, first_seed + seeds))
    run = partial(evaluate_seed, scale=scale, holdout=holdout, costs=costs)
    tell = progress or (lambda done, total: None)
    tell(0, len(ids))
    res = []
    if jobs > 1 and len(ids) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(ids))) as pool:
            for r in pool.map(run, ids):
                res.append(r)
                tell(len(res), len(ids))
    else:
        for s in ids:
            res.append(run(s))
            tell(len(res), len(ids))
    total, total_past = sum(r.cost_model for r in res), sum(r.cost_past_average for r in res)
    return StockEvaluation(
        [r.seed for r in res],
        scale,
        holdout,
        float(np.mean([r.pinball_loss for r in res])),
        {b: float(np.mean([r.baseline_pinball_loss[b] for r in res])) for b in BASELINES},
        float(np.mean([r.coverage_80 for r in res])),
        100.0 * (total_past - total) / total_past if total_past > 0 else 0.0,
        res,
    )
