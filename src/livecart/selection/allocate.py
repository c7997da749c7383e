"""What to test next: split N new test videos across products x markets to find the winners and
each market's top k fastest.

Method: Thompson sampling for top-k identification with virtual updates (in the spirit of
top-two Thompson sampling, Russo 2016, Operations Research 2020). Each video in turn: draw every
cell's log GMV per 1,000 views from its posterior (a normal approximation of log CTR + log CTOR,
digamma/trigamma moments); the cells whose place differs between that draw and today's estimate
(in or out of their market's top k, or above or below the winner bar) are the ones a video could
change a decision about; give the video to the most uncertain of them, then shrink that cell's
posterior as one typical video would (expected counts, design effect included) so the next video
goes elsewhere once this one has enough. Each recommendation carries the reason it was chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from livecart.errors import LivecartError
from livecart.selection.fit import FitModel, log_vto_moments

# Which decisions the next videos should settle: each market's top k (default: it found the
# true top products with fewer videos in simulation), the winner verdicts, or both.
GOALS = ("top_k", "winners", "both")


def allocate_tests(
    model: FitModel,
    videos: int,
    k: int = 5,
    markets: list[str] | None = None,
    seed: int = 0,
    goal: str = "top_k",
) -> pd.DataFrame:
    """Recommend how many of ``videos`` new test videos each product x market should get.

    Returns one row per product x market that gets at least one video: sku_id, market,
    videos, and counts of why (``for_top_k``, ``for_winner``) with a sentence ``reason``."""
    if videos < 1:
        raise LivecartError("--videos must be at least 1", dashboard="place at least 1 test video")
    if goal not in GOALS:
        raise LivecartError(f"unknown goal {goal!r}: choose one of {', '.join(GOALS)}")
    c = model.cells_
    keep = np.ones(len(c), bool) if not markets else c["market"].isin(markets).to_numpy()
    if not keep.any():
        raise LivecartError(f"no products in markets {', '.join(markets or [])}")
    c = c[keep].reset_index(drop=True)
    got, why_top, why_win = _thompson(model, c, videos, k, seed, goal)
    out = c[["sku_id", "market", "product_name", "n_videos", "views"]].copy()
    out["videos"], out["for_top_k"], out["for_winner"] = got, why_top, why_win
    a1, b1, a2, b2 = (c[x].to_numpy() for x in ("a_ctr", "b_ctr", "a_ctor", "b_ctor"))
    m, v = log_vto_moments(a1, b1, a2, b2)
    out["p_beat"] = _p_above(m, v, np.log(c["bar_vto"].to_numpy()))
    out = out[out["videos"] > 0].sort_values(
        ["videos", "market", "sku_id"], ascending=[False, True, True]
    )
    out["reason"] = [_reason(r, k) for r in out.itertuples()]
    return out.reset_index(drop=True)


def _p_above(m: np.ndarray, v: np.ndarray, log_bar: np.ndarray) -> np.ndarray:
    return special.ndtr((m - log_bar) / np.sqrt(v))


def _thompson(model: FitModel, c: pd.DataFrame, n: int, k: int, seed: int, goal: str):
    rng = np.random.default_rng([seed, 21])
    a1, b1, a2, b2 = (c[x].to_numpy(float).copy() for x in ("a_ctr", "b_ctr", "a_ctor", "b_ctor"))
    logp = np.log(np.maximum(c["price"].to_numpy(float), 1e-9))
    log_bar = np.log(c["bar_vto"].to_numpy(float))
    market = c["market"].to_numpy()
    groups = [np.flatnonzero(market == mk) for mk in np.unique(market)]
    vv = model.typical_video_views_
    got, why_top, why_win = (np.zeros(len(c), int) for _ in range(3))
    m0, _ = log_vto_moments(a1, b1, a2, b2)
    now_top = _top_mask(m0 + logp, groups, k)
    now_win = m0 > log_bar
    for _ in range(n):
        m, v = log_vto_moments(a1, b1, a2, b2)
        draw = m + np.sqrt(v) * rng.standard_normal(len(m))
        flip_top = _top_mask(draw + logp, groups, k) != now_top
        flip_win = (draw > log_bar) != now_win
        cand = np.flatnonzero((flip_top & (goal != "winners")) | (flip_win & (goal != "top_k")))
        if len(cand) == 0:
            cand = np.arange(len(m))
        j = cand[np.argmax(v[cand])]
        got[j] += 1
        why_top[j] += int(flip_top[j])
        why_win[j] += int(flip_win[j])
        _virtual_video(j, a1, b1, a2, b2, vv, model.sigma2_ctr_, model.sigma2_ctor_)
    return got, why_top, why_win


def _top_mask(score: np.ndarray, groups: list[np.ndarray], k: int) -> np.ndarray:
    mask = np.zeros(len(score), bool)
    for idx in groups:
        if len(idx) <= k:
            mask[idx] = True
        else:
            mask[idx[np.argpartition(-score[idx], k - 1)[:k]]] = True
    return mask


def _virtual_video(j, a1, b1, a2, b2, views, s2_ctr, s2_ctor) -> None:
    """Add one typical video's expected counts to cell j (so its posterior narrows)."""
    p1, p2 = a1[j] / (a1[j] + b1[j]), a2[j] / (a2[j] + b2[j])
    d1 = 1 + s2_ctr * p1 * views
    clicks = views * p1
    d2 = 1 + s2_ctor * p2 * clicks
    a1[j] += clicks / d1
    b1[j] += (views - clicks) / d1
    a2[j] += clicks * p2 / d2
    b2[j] += clicks * (1 - p2) / d2


def _reason(r, k: int) -> str:
    had = f"{int(r.n_videos)} test video{'s' if r.n_videos != 1 else ''} so far"
    parts = []
    if r.for_top_k:
        parts.append(f"its place in the {r.market} top {k} is uncertain")
    if r.for_winner:
        parts.append(f"P(beats the benchmark) is {r.p_beat:.2f}, not yet settled")
    if not parts:
        parts.append("every decision looks settled; this is the most uncertain product left")
    return f"{had}; " + " and ".join(parts)
