"""Short videos: KOC test videos that sample each SKU x market's true fit noisily, and pre-live
warm-up videos whose views follow the session's true expected demand per SKU
(``log views = c0[market] + c1 * log E[units] + noise``, `WARMUP`). Orders placed from videos
become order lines (channel ``video``) and their buyers enter the repeat-purchase process.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from livecart.demo.plans import SessionPlan
from livecart.demo.world import DAYS, MARKET_CODES, MARKETS, START, World

VIDEO = {
    "views_log_mean": 8.75,
    "views_log_sd": 1.1,
    "follower_elasticity": 0.3,
    "quality_sd": 0.3,
    "atc_rate": 0.4,
    "like_rate": 0.05,
    "comment_rate": 0.004,
    "share_rate": 0.002,
    "order_delay_days": 1.5,
    "test_days": 150,
}
WARMUP = {"c1": 0.8, "noise_sd": 0.35, "c0_base": float(np.log(300.0)), "per_session_mean": 2.0}
VIDEO_FOLLOW = {"follow_prob": 0.10, "fan_club_prob": 0.02}


def n_test_videos(scale: float) -> int:
    # small demos keep three times the tests per live (up to 600) so fit stays measurable
    return max(round(2000 * scale), min(600, round(6000 * scale)))


def warmup_c0(m: int) -> float:
    return WARMUP["c0_base"] + float(np.log(MARKETS[m][6]))


def test_videos(w: World) -> pd.DataFrame:
    """KOC tests: market by its share, SKU by a skewed testing priority (some SKUs get many
    tests, some few or none), views by the KOC's audience, clicks and orders by the true rates
    times a per-video quality draw."""
    rng = np.random.default_rng([w.seed, 3])
    n = n_test_videos(w.scale)
    shares = np.array([m[7] for m in MARKETS])
    mk = rng.choice(len(MARKETS), n, p=shares / shares.sum())
    prio = rng.gamma(0.8, 1.0, w.fit.shape) * w.carried
    sku = np.array([rng.choice(len(prio), p=prio[:, m] / prio[:, m].sum()) for m in mk])
    kocs = w.creators[w.creators["kind"] == "koc"]
    by_m = {c: kocs[kocs["markets"] == c]["creator_id"].tolist() for c in MARKET_CODES}
    creator = np.array(
        [rng.choice(by_m[MARKET_CODES[m]] or kocs["creator_id"].tolist()) for m in mk]
    )
    posted = START + pd.to_timedelta(rng.uniform(0, VIDEO["test_days"] * 86400, n), unit="s")
    foll = np.array([w.followers[c] for c in creator], float)
    views = np.round(
        np.exp(rng.normal(VIDEO["views_log_mean"], VIDEO["views_log_sd"], n))
        * (foll / 5000) ** VIDEO["follower_elasticity"]
    ).astype(np.int64)
    ids = [f"V{i + 1:06d}" for i in range(n)]
    return _funnel(w, rng, ids, creator, sku, mk, "test", [None] * n, posted, views)


def warmup_videos(w: World, plans: list[SessionPlan]) -> pd.DataFrame:
    """1-3 warm-ups a session (mean 2) for its line-up SKUs with the highest expected demand,
    posted 12-72 hours before the live by the influencer host or a KOC of the market."""
    rng = np.random.default_rng([w.seed, 4])
    kocs = w.creators[w.creators["kind"] == "koc"]
    rows: dict[str, list] = {k: [] for k in ("sku", "m", "creator", "sid", "posted", "views")}
    for p in plans:
        k = min(len(p.skus), 1 + int(rng.binomial(2, 0.5)))
        top = np.argsort(-p.expected_units, kind="stable")[:k]
        local = kocs[kocs["markets"] == p.market_code]["creator_id"].tolist()
        for j in top:
            host_makes = p.host_id == p.room and p.host_id.startswith("inf_")
            rows["creator"].append(p.host_id if host_makes else str(rng.choice(local)))
            rows["sku"].append(int(p.skus[j]))
            rows["m"].append(p.market)
            rows["sid"].append(p.session_id)
            rows["posted"].append(p.planned_start - dt.timedelta(hours=float(rng.uniform(12, 72))))
            mu = warmup_c0(p.market) + WARMUP["c1"] * np.log(max(p.expected_units[j], 0.1))
            rows["views"].append(int(np.round(np.exp(mu + rng.normal(0, WARMUP["noise_sd"])))))
    n = len(rows["sku"])
    ids = [f"W{i + 1:06d}" for i in range(n)]
    posted = pd.DatetimeIndex(rows["posted"])
    return _funnel(
        w,
        rng,
        ids,
        np.array(rows["creator"]),
        np.array(rows["sku"], int),
        np.array(rows["m"], int),
        "warmup",
        rows["sid"],
        posted,
        np.array(rows["views"], np.int64),
    )


def _funnel(w, rng, ids, creator, sku, mk, purpose, sids, posted, views) -> pd.DataFrame:
    n = len(ids)
    q = np.exp(rng.normal(-(VIDEO["quality_sd"] ** 2) / 2, VIDEO["quality_sd"], n))
    clicks = rng.binomial(views, np.minimum(1.0, w.ctr[sku, mk] * q))
    atc_p = np.maximum(VIDEO["atc_rate"], w.ctor[sku, mk])
    atc = rng.binomial(clicks, atc_p)
    orders = rng.binomial(atc, w.ctor[sku, mk] / atc_p)
    price = w.price[sku, mk]
    posted = pd.DatetimeIndex(posted).tz_convert("UTC").tz_localize(None)
    return pd.DataFrame(
        {
            "video_id": ids,
            "creator_id": creator,
            "sku_id": np.array(w.sku_ids)[sku],
            "market": np.array(MARKET_CODES)[mk],
            "purpose": purpose,
            "session_id": sids,
            "posted_at": posted.as_unit("us"),
            "views": views,
            "likes": rng.binomial(views, VIDEO["like_rate"]),
            "comments": rng.binomial(views, VIDEO["comment_rate"]),
            "shares": rng.binomial(views, VIDEO["share_rate"]),
            "product_clicks": clicks,
            "add_to_carts": atc,
            "orders": orders,
            "gmv": np.round(orders * price, 2),
            "currency": np.array([MARKETS[m][2] for m in mk]),
        }
    )


def video_order_lines(w: World, videos: pd.DataFrame, salt: int) -> pd.DataFrame:
    """One order line (one unit, list price) for each video order, placed in the days after the
    video was posted, each by a new buyer ``<video>-b<n>``."""
    rng = np.random.default_rng([w.seed, 6, salt])
    k = videos["orders"].to_numpy()
    v = videos.loc[videos.index.repeat(k)].reset_index(drop=True)
    n = len(v)
    nth = np.concatenate([np.arange(x) for x in k]) if n else np.zeros(0, int)
    delay = pd.to_timedelta(rng.exponential(VIDEO["order_delay_days"] * 86400, n), unit="s")
    end = pd.Timestamp(START + dt.timedelta(days=DAYS)).tz_localize(None)
    created = (v["posted_at"] + delay).clip(upper=end - pd.Timedelta(seconds=1))
    price = v["gmv"].to_numpy() / np.maximum(v["orders"].to_numpy(), 1)
    oid = v["video_id"] + "-o" + pd.Series(nth, dtype=str)
    return pd.DataFrame(
        {
            "order_id": oid,
            "sku_id": v["sku_id"],
            "buyer_id": v["video_id"] + "-b" + pd.Series(nth, dtype=str),
            "market": v["market"],
            "quantity": 1,
            "unit_price": price,
            "seller_discount": 0.0,
            "subtotal": price,
            "created_at": created.dt.round("ms"),
            "channel": "video",
            "video_id": v["video_id"],
            "session_id": None,
            "currency": v["currency"],
        }
    )
