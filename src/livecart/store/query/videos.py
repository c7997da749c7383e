"""Test-video evidence per product x market: the sums the product-testing model reads.

Null counts are read as 0. ``views_sq`` and ``clicks_sq`` (sums of squared per-video counts) let
the model tell real video-to-video spread from binomial noise.
"""

from __future__ import annotations

import ibis

from livecart.store.query.engine import Tables

COUNTS = ("views", "product_clicks", "orders", "gmv")


def videos_of(purpose: str):
    """An expression: the videos of one purpose, null counts as 0, in posting order."""

    def videos(t: Tables) -> ibis.Table:
        v = t("videos")
        v = v.filter(v.purpose == purpose)
        out = v.select(
            "video_id",
            "sku_id",
            "market",
            "posted_at",
            **{c: v[c].fill_null(0) for c in COUNTS},
            currency=v.currency,
        )
        return out.order_by(["posted_at", "video_id"])

    videos.__name__ = f"videos_{purpose}"
    return videos


product_test_videos = videos_of("test")
product_test_videos.__name__ = "product_test_videos"


def video_cells(t: Tables) -> ibis.Table:
    """Test videos summed per sku_id x market: views, clicks, orders, gmv, views_sq, clicks_sq,
    n_videos, currency (the earliest video's), first_video and last_video."""
    v = product_test_videos(t)
    views, clicks = v.views.cast("float64"), v.product_clicks.cast("float64")
    return v.group_by("sku_id", "market").aggregate(
        views=v.views.sum(),
        clicks=v.product_clicks.sum(),
        orders=v.orders.sum(),
        gmv=v.gmv.sum(),
        views_sq=(views * views).sum(),
        clicks_sq=(clicks * clicks).sum(),
        n_videos=v.video_id.count(),
        currency=v.currency.argmin(v.posted_at),
        first_video=v.posted_at.min(),
        last_video=v.posted_at.max(),
    )
