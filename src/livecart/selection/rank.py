"""Ranking and winners: order products within a market by a posterior goal (GMV per 1,000 views
by default) and give each the Monte Carlo probability of being in the market's top k."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livecart.errors import LivecartError
from livecart.selection.fit import FitModel

GOALS = {
    "gpm": "GMV per 1,000 views",
    "vto": "orders per view",
    "ctr": "clicks per view",
    "ctor": "orders per click",
}


def rank_products(
    model: FitModel,
    market: str | None = None,
    goal: str = "gpm",
    k: int = 5,
    summary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The fitted summary ranked within each market by the posterior mean of ``goal``.

    Only products with evidence (at least one test video) are ranked: an untested product's
    posterior is its category prior, driven by price for GMV goals, and ranking it would put
    guesses above measured products. Rows: products with evidence first, ``rank`` 1 = best and
    ``p_top_k`` the share of posterior draws in which the product is among the ``k`` best
    products with evidence in its market (ties broken by draw order, which is random); then
    untested products, ``evidence`` False, ``rank`` and ``p_top_k`` None."""
    if goal not in GOALS:
        raise LivecartError(f"unknown goal {goal!r}: choose one of {', '.join(GOALS)}")
    if k < 1:
        raise LivecartError("k must be at least 1")
    s = model.summary() if summary is None else summary
    draws = getattr(model, f"{goal}_draws_")
    tested = (s["n_videos"].fillna(0) > 0).to_numpy()
    p = np.full(len(s), np.nan)
    p[tested] = top_k_probability(draws[tested], s["market"].to_numpy()[tested], k)
    s = s.assign(evidence=tested, p_top_k=p, goal=goal, k=k)
    s = s.sort_values(
        ["market", "evidence", f"{goal}_mean"], ascending=[True, False, False], kind="stable"
    )
    n = s.groupby(["market", "evidence"]).cumcount() + 1
    ranks = [int(r) if e else None for r, e in zip(n, s["evidence"], strict=True)]
    s["rank"] = pd.Series(ranks, index=s.index, dtype=object)
    if market is not None:
        s = s[s["market"] == market]
    return s.reset_index(drop=True)


def top_k_probability(draws: np.ndarray, market: np.ndarray, k: int) -> np.ndarray:
    """Per row of ``draws`` (cells x draws): share of draws in which it is in its market's top k."""
    out = np.zeros(len(draws))
    for m in np.unique(market):
        idx = np.flatnonzero(market == m)
        d = draws[idx]
        if len(idx) <= k:
            out[idx] = 1.0
            continue
        # rank within the market in each draw; argsort of argsort gives ranks (0 = largest)
        order = np.argsort(-d, axis=0, kind="stable")
        in_top = np.zeros_like(d, dtype=bool)
        np.put_along_axis(in_top, order[:k], True, axis=0)
        out[idx] = in_top.mean(axis=1)
    return out


def split_evidence(ranked: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked products with evidence, untested products) of a `rank_products` frame."""
    e = ranked["evidence"].astype(bool)
    return ranked[e].reset_index(drop=True), ranked[~e].reset_index(drop=True)


def winners(ranked: pd.DataFrame) -> pd.DataFrame:
    """Rows the winner rule calls winners (P(beat) over the threshold with enough evidence)."""
    return ranked[ranked["verdict"] == "winner"].reset_index(drop=True)
