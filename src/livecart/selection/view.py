"""Everything the products page and its API show, from one call: the ranking per market with
intervals, the stage board, and one product's evidence over time."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from livecart.selection.charts import evidence_chart, interval_chart
from livecart.selection.evidence import check_market, load_videos
from livecart.selection.fit import FitModel, log_vto_moments
from livecart.selection.rank import rank_products, split_evidence
from livecart.selection.score import score_workspace
from livecart.selection.stages import stage_board, stage_log
from livecart.store import Workspace


def evidence_history(
    model: FitModel, videos: pd.DataFrame, sku_id: str, market: str
) -> pd.DataFrame:
    """Posterior GPM (mean, 80% band) and P(beat) after each of the cell's test videos in time
    order, with today's fitted priors held fixed (log-normal approximation of CTR x CTOR)."""
    c = model.cells_
    hit = c[(c["sku_id"] == sku_id) & (c["market"] == market)]
    if hit.empty:
        return pd.DataFrame()
    row = hit.iloc[0]
    v = videos[(videos["sku_id"] == sku_id) & (videos["market"] == market)]
    v = v.sort_values("posted_at")
    if v.empty:
        return pd.DataFrame()
    d1, d2 = float(row["deff_ctr"]), float(row["deff_ctor"])
    n1 = v["views"].cumsum().to_numpy(float)
    k1 = v["product_clicks"].cumsum().to_numpy(float)
    k2 = v["orders"].cumsum().to_numpy(float)
    # today's priors: the posterior minus today's effective counts
    a1 = row["a_ctr"] - row["clicks"] / d1
    b1 = row["b_ctr"] - (row["views"] - row["clicks"]) / d1
    a2 = row["a_ctor"] - row["orders"] / d2
    b2 = row["b_ctor"] - (row["clicks"] - row["orders"]) / d2
    A1, B1 = a1 + k1 / d1, b1 + (n1 - k1) / d1
    A2, B2 = a2 + k2 / d2, b2 + (k1 - k2) / d2
    m, var = log_vto_moments(A1, B1, A2, B2)
    sd = np.sqrt(var)
    z = stats.norm.ppf(0.5 + model.rules.interval / 2)
    scale = 1000 * float(row["price"])
    return pd.DataFrame(
        {
            "posted_at": v["posted_at"].astype(str).to_numpy(),
            "video_id": v["video_id"].to_numpy(),
            "cum_views": n1,
            "cum_orders": k2,
            "gpm_mean": scale * (A1 / (A1 + B1)) * (A2 / (A2 + B2)),
            "gpm_lo": scale * np.exp(m - z * sd),
            "gpm_hi": scale * np.exp(m + z * sd),
            "p_beat": stats.norm.sf((np.log(row["bar_vto"]) - m) / sd),
            "bar_gpm": scale * float(row["bar_vto"]),
        }
    )


def _clean(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in records:
        for key, val in r.items():
            if isinstance(val, float) and not math.isfinite(val):
                r[key] = None
    return records


def ranking_records(
    ws: Workspace, market: str | None = None, k: int = 5, goal: str = "gpm"
) -> list[dict[str, Any]]:
    """The ranking (one market, or all) as JSON-ready records: products with evidence ranked
    first, then untested products with ``rank`` and ``p_top_k`` None and ``evidence`` False."""
    model = score_workspace(ws)
    check_market(model.cells_, market)
    return _clean(rank_products(model, market=market, goal=goal, k=k).to_dict("records"))


def products_view(
    ws: Workspace, market: str | None = None, k: int = 5, goal: str = "gpm", sku: str | None = None
) -> dict[str, Any]:
    """Ranking, stage board and (for ``sku`` in ``market``) the evidence history, as plain
    data plus inline SVG charts. ``market`` defaults to the one with most test videos."""
    model = score_workspace(ws)
    check_market(model.cells_, market)
    markets = sorted(model.cells_["market"].unique())
    if market is None:
        tested = model.cells_.groupby("market")["n_videos"].sum()
        market = str(tested.idxmax()) if len(tested) else markets[0]
    ranked, untested = split_evidence(rank_products(model, market=market, goal=goal, k=k))
    board = stage_board(ws, market=market, model=model)
    sku = sku or (str(ranked["sku_id"].iloc[0]) if len(ranked) else None)
    hist = evidence_history(model, load_videos(ws), sku, market) if sku else pd.DataFrame()
    return {
        "market": market,
        "markets": markets,
        "goal": goal,
        "k": k,
        "sku": sku,
        "rules": model.rules.as_dict(),
        "ranking": _clean(ranked.to_dict("records")),
        "untested": _clean(untested.to_dict("records")),
        "board": board.as_dict(),
        "history": _clean(hist.to_dict("records")),
        "log": _clean(stage_log(ws, sku, market).astype(str).to_dict("records")),
        "charts": {"ranking": interval_chart(ranked.head(25)), "history": evidence_chart(hist)},
    }
