"""Scoring a workspace: read its test videos, fit the model, hand back the fitted model."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from livecart.errors import LivecartError
from livecart.selection.evidence import cells_from_frames, load_catalogue, load_cells, load_videos
from livecart.selection.fit import FitModel, FitRules
from livecart.store import Workspace


def score_workspace(
    ws: Workspace, rules: FitRules | None = None, as_of: dt.datetime | None = None
) -> FitModel:
    """Fit the market-fit model on every test video in ``ws`` (all markets: priors pool across
    them); with ``as_of``, only on the videos posted by then (each with its counts as stored).
    Works on a workspace with no test videos at all: every product then gets its category
    prior, a wide interval and the verdict "no tests"."""
    if as_of is None:
        cells, videos = load_cells(ws)
    else:
        products, markets = load_catalogue(ws)
        videos = load_videos(ws)
        videos = videos[pd.to_datetime(videos["posted_at"]) <= pd.Timestamp(as_of)]
        cells = cells_from_frames(videos, products, markets)
    return FitModel(rules).fit(cells, videos)


def product_fit(ws: Workspace) -> pd.DataFrame:
    """Each SKU x market's view-to-order rate against its category's benchmark (posterior
    means, no draws): the products' own pull, which the host model takes as an input. Empty
    when the workspace has no products or markets."""
    try:
        cells, videos = load_cells(ws)
    except LivecartError:
        return pd.DataFrame(
            {
                "sku_id": pd.Series([], dtype=object),
                "market": pd.Series([], dtype=object),
                "fit": pd.Series([], dtype=float),
            }
        )
    return fit_table(FitModel().fit(cells, videos, draw=False))


def fit_table(model: FitModel) -> pd.DataFrame:
    means = model.posterior_means()
    bench = model.cells_["benchmark_vto"].to_numpy()
    fit = means["vto_mean"].to_numpy() / np.where(bench > 0, bench, np.nan)
    return pd.DataFrame(
        {"sku_id": means["sku_id"], "market": means["market"], "fit": np.nan_to_num(fit, nan=1.0)}
    )
