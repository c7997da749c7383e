"""How well product selection works, against the demo simulator's hidden truth on held-out seeds.

For each seed: draw the demo world and its KOC test videos (``make_world`` + ``test_videos``,
no workspace needed), fit the selection model, and compare with the truth:

- **precision at k**: per market, the share of the k products ranked best by posterior expected
  GMV per 1,000 views that are among the k truly best (tested products only); the baseline ranks
  by the raw observed GMV per 1,000 views;
- **regret**: the true GPM the chosen top k gives up against the true top k, as a share;
- **paired differences**: per seed, model minus baseline for precision and regret, with the mean
  over seeds and its standard error (the seeds are independent replications);
- **calibration**: products grouped by their P(beats the benchmark), against the share that truly
  are winners (the simulator's rule); the error is the count-weighted mean gap (ECE);
- **test-allocation saving**: in one market per seed (rotating), start every product carried
  there with one test video, then add videos in batches of 10 placed by ``allocate_tests`` or by
  a uniform split; the saving is how many fewer extra videos the rule needs to reach the target
  precision at k (0.8, or the best the uniform split reaches if lower) on the seed-averaged,
  running-best curves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from livecart.demo.videos import VIDEO, test_videos
from livecart.demo.world import MARKET_CODES, MARKETS, World, make_world
from livecart.selection import FitModel, FitRules, allocate_tests, cells_from_frames

BINS = np.linspace(0, 1, 11)


@dataclass
class SelectionEvaluation:
    seeds: int
    k: int
    precision_at_k: float
    baseline_precision_at_k: float
    regret: float
    baseline_regret: float
    precision_diff: float  # paired per seed: model - baseline, mean over seeds
    precision_diff_se: float | None  # its standard error (sd of per-seed differences / sqrt(n))
    regret_diff: float  # paired per seed: model - baseline (negative: the model gives up less)
    regret_diff_se: float | None  # None with a single seed
    calibration_error: float
    winner_precision: float
    baseline_winner_precision: float
    test_videos_saved_pct: float
    videos_to_target: dict[str, float]
    target_precision: float
    calibration: list[dict[str, float]] = field(default_factory=list)
    allocation_curve: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_selection(
    seeds: int = 20,
    k: int = 5,
    first_seed: int = 1000,
    scale: float = 1.0,
    allocation_seeds: int | None = None,
    target: float = 0.8,
    batch: int = 10,
    rounds: int = 24,
    progress: Callable[[int, int], None] | None = None,
) -> SelectionEvaluation:
    """Run the evaluation on ``seeds`` held-out seeds (``first_seed`` onwards); ``progress(done,
    total)`` is called before each seed's scoring, then before each seed's test allocation
    runs (``total`` counts both)."""
    t0 = time.perf_counter()
    rows, cal = [], []
    n_alloc = seeds if allocation_seeds is None else allocation_seeds
    tell = progress or (lambda done, total: None)
    for i, seed in enumerate(range(first_seed, first_seed + seeds)):
        tell(i, seeds + n_alloc)
        w = make_world(seed, scale)
        r, c = _score_seed(w, k)
        rows.append(r)
        cal.append(c)
    per = pd.DataFrame(rows)
    table, ece = calibration_table(pd.concat(cal))
    curve, need = _allocation(
        range(first_seed, first_seed + n_alloc),
        k,
        scale,
        target,
        batch,
        rounds,
        lambda i: tell(seeds + i, seeds + n_alloc),
    )
    saved = 100 * (1 - need["thompson"] / need["uniform"]) if need["uniform"] > 0 else 0.0
    return SelectionEvaluation(
        seeds=seeds,
        k=k,
        precision_at_k=float(per["precision"].mean()),
        baseline_precision_at_k=float(per["baseline_precision"].mean()),
        regret=float(per["regret"].mean()),
        baseline_regret=float(per["baseline_regret"].mean()),
        **paired(per, "precision", "baseline_precision", "precision_diff"),
        **paired(per, "regret", "baseline_regret", "regret_diff"),
        calibration_error=ece,
        winner_precision=float(per["winner_precision"].mean()),
        baseline_winner_precision=float(per["baseline_winner_precision"].mean()),
        test_videos_saved_pct=float(saved),
        videos_to_target=need,
        target_precision=need["target"],
        calibration=table,
        allocation_curve=curve,
        seconds=time.perf_counter() - t0,
    )


def paired(per: pd.DataFrame, model: str, base: str, name: str) -> dict[str, float | None]:
    """Mean per-seed difference (model - baseline) and its standard error: the seeds are the
    independent replications, and pairing removes the seed-to-seed variation both share."""
    d = (per[model] - per[base]).to_numpy(float)
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else None
    return {name: float(d.mean()), f"{name}_se": se}


def _truth(w: World) -> pd.DataFrame:
    return pd.DataFrame(w.truth["sku_market"])


def _score_seed(w: World, k: int) -> tuple[dict[str, float], pd.DataFrame]:
    v = test_videos(w)
    cells = cells_from_frames(v, w.products, list(MARKET_CODES))
    model = FitModel(FitRules(draws=1000, seed=w.seed)).fit(cells, v)
    s = model.summary(settle=False).merge(_truth(w), on=["sku_id", "market"])
    s = s[s["n_videos"] > 0]
    prec, base, reg, breg = [], [], [], []
    for _m, g in s.groupby("market"):
        if len(g) <= k:
            continue
        best = g.nlargest(k, "gpm_usd")
        for col, p, r in (("gpm_mean", prec, reg), ("raw_gpm", base, breg)):
            chosen = g.nlargest(k, col)
            p.append(len(set(chosen.index) & set(best.index)) / k)
            r.append(1 - chosen["gpm_usd"].sum() / best["gpm_usd"].sum())
    return (
        {
            "precision": np.mean(prec),
            "baseline_precision": np.mean(base),
            "regret": np.mean(reg),
            "baseline_regret": np.mean(breg),
            "winner_precision": _share(s["winner"], s["verdict"] == "winner"),
            "baseline_winner_precision": _share(s["winner"], _naive_winners(s, model)),
        },
        s[["p_beat", "winner"]],
    )


def _naive_winners(s: pd.DataFrame, model: FitModel) -> pd.Series:
    """The spreadsheet rule: raw orders per view at least winner_lift times the raw pooled
    rate of the category in that market, with the same minimum evidence as the model."""
    r = model.rules
    grp = s.groupby(["category", "market"])
    pooled = grp["orders"].transform("sum") / grp["views"].transform("sum")
    enough = (s["n_videos"] >= r.min_videos) & (s["views"] >= r.min_views)
    return enough & (s["orders"] / s["views"] >= r.winner_lift * pooled)


def _share(truth: pd.Series, chosen: pd.Series) -> float:
    return float(truth[chosen].mean()) if chosen.any() else float("nan")


def calibration_table(c: pd.DataFrame) -> tuple[list[dict[str, float]], float]:
    """Reliability table of P(beat) against the true winner share, and its expected
    calibration error (count-weighted mean absolute gap, Naeini et al. 2015)."""
    b = pd.cut(c["p_beat"], BINS, include_lowest=True)
    g = c.groupby(b, observed=True).agg(
        n=("winner", "size"), predicted=("p_beat", "mean"), observed=("winner", "mean")
    )
    table = [
        {
            "bin": f"{iv.left:.1f}-{iv.right:.1f}",
            "n": int(r.n),
            "predicted": float(r.predicted),
            "observed": float(r.observed),
        }
        for iv, r in zip(g.index, g.itertuples(), strict=True)
    ]
    ece = float((g["n"] * (g["predicted"] - g["observed"]).abs()).sum() / g["n"].sum())
    return table, ece


def _allocation(seeds, k, scale, target, batch, rounds, before=lambda i: None):
    curves: dict[str, list[np.ndarray]] = {"thompson": [], "uniform": []}
    for i, seed in enumerate(seeds):
        before(i)
        w = make_world(seed, scale)
        for policy in curves:
            mk = MARKET_CODES[seed % len(MARKET_CODES)]
            curves[policy].append(_simulate(w, mk, k, policy, batch, rounds))
    budget = np.arange(rounds + 1) * batch
    if not curves["uniform"]:
        return [], {"thompson": float("nan"), "uniform": float("nan"), "target": target}
    # Seed-averaged curves, made monotone (best precision so far) so noise cannot make a rule
    # "reach" a level it then falls back from.
    mean = {p: np.maximum.accumulate(np.mean(v, axis=0)) for p, v in curves.items()}
    # Target: ``target``, or the best a uniform split reaches with its whole budget if lower.
    goal = min(target, float(mean["uniform"][-1]))
    need = {p: _first_reach(budget, m, goal) for p, m in mean.items()}
    need["target"] = goal
    curve = [
        {
            "extra_videos": int(b),
            "thompson": float(mean["thompson"][i]),
            "uniform": float(mean["uniform"][i]),
        }
        for i, b in enumerate(budget)
    ]
    return curve, need


def _first_reach(budget: np.ndarray, curve: np.ndarray, target: float) -> float:
    """Budget at which the curve first reaches target (linear interpolation), inf if never."""
    hit = np.flatnonzero(curve >= target)
    if len(hit) == 0:
        return float("inf")
    i = hit[0]
    if i == 0:
        return float(budget[0])
    x0, x1, y0, y1 = budget[i - 1], budget[i], curve[i - 1], curve[i]
    return float(x0 + (target - y0) / (y1 - y0) * (x1 - x0))


def _simulate(w: World, market: str, k: int, policy: str, batch: int, rounds: int) -> np.ndarray:
    """Precision at k in one market after each round of ``batch`` extra videos (every product
    carried there starts with one test video)."""
    truth = _truth(w)
    truth = truth[truth["market"] == market].reset_index(drop=True)
    idx = np.array([w.sku_ids.index(s) for s in truth["sku_id"]])
    mk = np.array([MARKET_CODES.index(m) for m in truth["market"]])
    best = {m: set(g.nlargest(k, "gpm_usd")["sku_id"]) for m, g in truth.groupby("market")}
    rng = np.random.default_rng([w.seed, 31, 0 if policy == "uniform" else 1])
    foll = w.creators.loc[w.creators["kind"] == "koc", "followers"].to_numpy(float)
    keys = zip(truth["sku_id"], truth["market"], strict=True)
    pos = {key: i for i, key in enumerate(keys)}
    vids = _videos(w, rng, idx, mk, foll, 0)
    out = []
    for r in range(rounds + 1):
        cells = cells_from_frames(vids, w.products, [market])
        carried = [key in pos for key in zip(cells["sku_id"], cells["market"], strict=True)]
        cells = cells[carried]
        model = FitModel(FitRules(seed=w.seed)).fit(cells, vids, draw=False)
        means = model.posterior_means()
        prec = [
            len(set(g.nlargest(k, "gpm_mean")["sku_id"]) & best[m]) / k
            for m, g in means.groupby("market")
        ]
        out.append(float(np.mean(prec)))
        if r == rounds:
            break
        j = np.array([pos[p] for p in _pick(model, cells, policy, batch, k, r)])
        vids = pd.concat([vids, _videos(w, rng, idx[j], mk[j], foll, len(vids))], ignore_index=True)
    return np.array(out)


def _pick(
    model: FitModel, cells: pd.DataFrame, policy: str, n: int, k: int, r: int
) -> list[tuple[str, str]]:
    if policy == "uniform":
        order = cells.sort_values(["n_videos", "market", "sku_id"], kind="stable")
        keys = list(zip(order["sku_id"], order["market"], strict=False))
        return [keys[i % len(keys)] for i in range(n)]
    plan = allocate_tests(model, n, k=k, seed=r)
    return [
        (s, m)
        for s, m, v in zip(plan["sku_id"], plan["market"], plan["videos"], strict=False)
        for _ in range(v)
    ]


def _videos(
    w: World, rng: np.random.Generator, sku: np.ndarray, m: np.ndarray, foll: np.ndarray, start: int
) -> pd.DataFrame:
    """Test videos drawn as the demo draws them: views by a KOC's audience, clicks by the true
    CTR times a per-video quality, orders by the true CTOR."""
    n = len(sku)
    f = rng.choice(foll, n)
    views = np.round(
        np.exp(rng.normal(VIDEO["views_log_mean"], VIDEO["views_log_sd"], n))
        * (f / 5000) ** VIDEO["follower_elasticity"]
    ).astype(np.int64)
    q = np.exp(rng.normal(-(VIDEO["quality_sd"] ** 2) / 2, VIDEO["quality_sd"], n))
    clicks = rng.binomial(views, np.minimum(1.0, w.ctr[sku, m] * q))
    orders = rng.binomial(clicks, w.ctor[sku, m])
    return pd.DataFrame(
        {
            "video_id": [f"S{start + i:06d}" for i in range(n)],
            "sku_id": np.array(w.sku_ids)[sku],
            "market": np.array(MARKET_CODES)[m],
            "posted_at": pd.Timestamp("2026-01-01"),
            "views": views,
            "product_clicks": clicks,
            "orders": orders,
            "gmv": orders * w.price[sku, m],
            "currency": np.array([MARKETS[i][2] for i in m]),
        }
    )
