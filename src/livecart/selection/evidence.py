"""Test-video evidence per product x market: the counts the fit model reads.

One row ("cell") per SKU x market for every SKU in the catalogue and every market the workspace
knows, so that a product with no test videos, one video or zero views still gets a row (and an
honest, wide posterior) instead of an error. Counts are summed over the cell's test videos;
``views_sq`` (the sum of squared views per video) lets the model measure how much of the spread
between videos is real video-to-video variation rather than binomial noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from livecart.errors import LivecartError, NotFoundError
from livecart.store import Workspace

CELL_KEY = ["sku_id", "market"]
VIDEO_COLUMNS = [
    "video_id",
    "sku_id",
    "market",
    "posted_at",
    "views",
    "product_clicks",
    "orders",
    "gmv",
    "currency",
]


class NoProductsError(LivecartError):
    """The workspace has no products (or no markets) to score."""


def load_videos(ws: Workspace, purpose: str = "test") -> pd.DataFrame:
    """The workspace's videos of one purpose (test by default), with null counts read as 0,
    from the query layer (on the engine the workspace's settings name)."""
    from livecart.store.query import frame, videos_of

    return frame(ws, videos_of(purpose))


def load_catalogue(ws: Workspace) -> tuple[pd.DataFrame, list[str]]:
    """Products (sku_id, product_name, category, list price) and market codes."""
    from livecart.store.query import catalog, frame, market_zones

    products = frame(ws, catalog)
    products = products[["sku_id", "product_name", "variation", "category", "price", "currency"]]
    products["product_name"] = products["product_name"].fillna(products["sku_id"])
    markets = frame(ws, market_zones)["market"].tolist()
    if products.empty:
        raise NoProductsError(
            f"{ws.path} has no products to score: import them with "
            f"`livecart import {ws.path} products FILE` (or build the demo)",
            dashboard=f"{ws.path} has no products to score: import them on the Import page "
            "(products)",
        )
    if not markets:
        raise NoProductsError(
            f"{ws.path} has no markets: import them with `livecart import {ws.path} markets FILE`",
            dashboard=f"{ws.path} has no markets: import them on the Import page (markets)",
        )
    return products, markets


def cells_from_frames(
    videos: pd.DataFrame, products: pd.DataFrame, markets: list[str]
) -> pd.DataFrame:
    """Sum test videos into SKU x market cells over the full catalogue x markets grid.

    Adds a ``price`` per cell in the market's currency: the cell's own GMV per order when it has
    orders, otherwise the list price times the market's price level (the median ratio of GMV per
    order to list price among the market's cells with orders), so no FX table is needed."""
    return cells_from_sums(sum_videos(videos), products, markets)


def sum_videos(videos: pd.DataFrame) -> pd.DataFrame:
    """Test videos summed per SKU x market, as the query layer's ``video_cells`` sums a
    workspace's (the evaluation's simulated videos never pass through a workspace)."""
    v = videos.sort_values(["posted_at", "video_id"])
    v["views_sq"] = v["views"].astype(float) ** 2
    v["clicks_sq"] = v["product_clicks"].astype(float) ** 2
    return v.groupby(CELL_KEY, as_index=False).agg(
        views=("views", "sum"),
        clicks=("product_clicks", "sum"),
        orders=("orders", "sum"),
        gmv=("gmv", "sum"),
        views_sq=("views_sq", "sum"),
        clicks_sq=("clicks_sq", "sum"),
        n_videos=("video_id", "count"),
        currency=("currency", "first"),
        first_video=("posted_at", "min"),
        last_video=("posted_at", "max"),
    )


def cells_from_sums(agg: pd.DataFrame, products: pd.DataFrame, markets: list[str]) -> pd.DataFrame:
    """Per-cell video sums (``sum_videos`` or the query layer's ``video_cells``) spread over the
    full catalogue x markets grid, with a price per cell (see ``cells_from_frames``)."""
    grid = pd.MultiIndex.from_product([products["sku_id"], markets], names=CELL_KEY)
    cells = grid.to_frame(index=False).merge(
        products[["sku_id", "product_name", "variation", "category", "price", "currency"]].rename(
            columns={"price": "list_price", "currency": "list_currency"}
        ),
        on="sku_id",
        how="left",
    )
    # Videos of SKUs or markets outside the catalogue are kept too: evidence is never dropped.
    cells = cells.merge(agg, on=CELL_KEY, how="outer")
    for c in ("views", "clicks", "orders", "gmv", "views_sq", "clicks_sq", "n_videos"):
        cells[c] = pd.to_numeric(cells[c]).fillna(0).astype(float)
    cells["category"] = cells["category"].fillna("other")
    cells["product_name"] = cells["product_name"].fillna(cells["sku_id"])
    # Clicks can never exceed views nor orders clicks in a binomial model; exports sometimes
    # disagree (clicks counted over a longer window), so cap rather than fail.
    cells["clicks"] = np.minimum(cells["clicks"], cells["views"])
    cells["orders"] = np.minimum(cells["orders"], cells["clicks"])
    _price(cells)
    return cells.sort_values(CELL_KEY, ignore_index=True)


def _price(cells: pd.DataFrame) -> None:
    has = (cells["orders"] > 0) & (cells["gmv"] > 0)
    aov = cells["gmv"] / cells["orders"].where(has)
    level = (aov / cells["list_price"]).where(has & (cells["list_price"] > 0))
    per_market = level.groupby(cells["market"]).median()
    mlevel = cells["market"].map(per_market)
    fallback = cells["list_price"] * mlevel.fillna(1.0)
    cells["price"] = aov.where(has, fallback).fillna(0.0)
    cur = cells.groupby("market")["currency"].agg(
        lambda s: s.dropna().iloc[0] if s.notna().any() else None
    )
    cells["currency"] = cells["currency"].fillna(cells["market"].map(cur))
    # No order anywhere in the market to learn its price level from: the price is the list
    # price, so it is labelled with the list price's currency, never relabelled unconverted.
    bare = ~has & mlevel.isna()
    cells.loc[bare, "currency"] = cells.loc[bare, "list_currency"]


def load_cells(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cells, test videos) of a workspace: every market, because the model's priors pool
    across markets; filter the fitted summary, not the evidence."""
    from livecart.store.query import frame, video_cells

    products, markets = load_catalogue(ws)
    videos = load_videos(ws)
    return cells_from_sums(frame(ws, video_cells), products, markets), videos


def check_market(cells: pd.DataFrame, market: str | None) -> None:
    """A clear error for a market the workspace does not have."""
    known = sorted(cells["market"].unique())
    if market is not None and market not in known:
        raise NotFoundError(f"unknown market {market!r}: the workspace has {', '.join(known)}")
