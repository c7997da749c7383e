"""The demo simulator's lives as the host model's frames, without building a workspace (the
room simulation is the same one the build runs; only DuckDB is skipped), and the simulator's
true expected GMV of a planned live under any host (``true_gmv_usd``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd

from livecart.demo import hosting, room, tables
from livecart.demo import plans as plans_mod
from livecart.demo.videos import test_videos
from livecart.demo.world import MARKET_CODES, MARKETS, World, make_world
from livecart.hosts.history import HostHistory, history_from_frames
from livecart.selection import FitModel, cells_from_frames, fit_table


@dataclass
class SimulatedBusiness:
    world: World
    plans: list[plans_mod.SessionPlan]
    history: HostHistory


def simulate_business(seed: int, scale: float) -> SimulatedBusiness:
    w = make_world(seed, scale)
    plans = plans_mod.make_plans(w)
    srows, lines = [], []
    for p in plans:
        log = room.simulate(p, seed)
        lm = tables.live_minutes(log)
        row = tables.session_row(log, lm, np.random.default_rng([seed, 5, p.index]))
        row["ad_spend"] = float(p.pre_spend.sum() + p.spend.sum())
        row["start"] = row["actual_start"]
        row["minutes"] = float(p.minutes)
        srows.append(row)
        sp = tables.session_products(log)
        lines.append(
            pd.DataFrame(
                {
                    "session_id": p.session_id,
                    "sku_id": sp["sku_id"],
                    "pinned_minutes": sp["pinned_minutes"],
                    "price": sp["price"],
                    "units": sp["stock_start"] - sp["stock_end"],
                    "stockout_minute": sp["stockout_minute"],
                }
            )
        )
    ln = pd.concat(lines, ignore_index=True)
    ln["category"] = ln["sku_id"].map(w.products.set_index("sku_id")["category"])
    markets = w.markets[["market", "currency", "timezone"]]
    history = history_from_frames(pd.DataFrame(srows), ln, w.creators, markets, product_fit_of(w))
    return SimulatedBusiness(w, plans, history)


def product_fit_of(w: World) -> pd.DataFrame:
    """The product-testing model's estimates from the world's KOC test videos."""
    v = test_videos(w)
    products = w.products[["sku_id", "product_name", "variation", "category", "price", "currency"]]
    cells = cells_from_frames(v, products, list(MARKET_CODES))
    return fit_table(FitModel().fit(cells, v, draw=False))


def _reach(w: World, host: str, room_id: str) -> float:
    kind = str(w.creators.set_index("creator_id").at[host, "kind"])
    if host != room_id:
        return hosting.REACH["hosted_store_live"]
    return hosting.reach_multiplier(w.followers[room_id]) if kind == "influencer" else 1.0


def store_room(w: World, market: str) -> str:
    return next(cid for cid, mk in plans_mod._store_markets(w) if market in mk)


def plan_with_host(w: World, plan: plans_mod.SessionPlan, host: str) -> plans_mod.SessionPlan:
    """``plan`` as ``host`` would run it (influencers and store accounts in their own room,
    everyone else in the market's store room): the same line-up, slot, budget, traffic draws,
    first-hour heat and product buzz, the host's skill, affinity and reach, their form drawn
    from the plan's own stream, and stock sized for them as the plan's was for its host."""
    kind = str(w.creators.set_index("creator_id").at[host, "kind"])
    new_room = host if kind in ("influencer", "store_account") else store_room(w, plan.market_code)
    p = copy.copy(plan)
    rate = plan.rate.copy()
    rate[0] *= _reach(w, host, new_room) / _reach(w, plan.host_id, plan.room)
    rate[4:] *= _reach(w, host, new_room) / _reach(w, plan.host_id, plan.room)
    rate[1] *= w.followers[new_room] / max(w.followers[plan.room], 1)
    p.rate, p.host_id, p.room = rate, host, new_room
    p.host_form = hosting.host_form(w.seed, plan.index, kind)
    plans_mod._conversion(w, p)
    ratio = plan.stock / np.maximum(plan.expected_units, 1e-9)
    p.stock = np.maximum(5, np.round(p.expected_units * ratio)).astype(np.int64)
    return p


def true_gmv_usd(w: World, plan: plans_mod.SessionPlan, host: str) -> tuple[float, float]:
    """The simulator's expected GMV (USD, neutral golden hour, no stock limit, average form and
    product buzz) and cost of goods (USD) of ``plan`` if ``host`` ran it."""
    p = plan_with_host(w, plan, host)
    p.host_form, p.buzz = 1.0, np.ones(len(plan.skus))
    plans_mod._conversion(w, p)
    gmv_local = float((p.expected_units * p.price).sum())
    cogs = float((p.expected_units * w.products["unit_cost"].to_numpy()[p.skus]).sum())
    return gmv_local * p.usd, cogs


def realised_gmv_usd(w: World, plan: plans_mod.SessionPlan, host: str) -> tuple[float, float]:
    """One realised draw of the same live with ``host``: the room simulated minute by minute
    (golden-hour push, stock-outs, the host's form on the day) from the plan's own random
    stream, so every candidate host meets the same luck (common random numbers). GMV and cost
    of goods of the orders it takes, USD."""
    log = room.simulate(plan_with_host(w, plan, host), w.seed)
    c = log.cols
    o = c["type"] == room.T["order"]
    units = np.bincount(c["sku"][o], weights=c["cnt"][o], minlength=len(plan.skus))
    gmv_local = float((units * log.plan.price).sum())
    cogs = float((units * w.products["unit_cost"].to_numpy()[plan.skus]).sum())
    return gmv_local * plan.usd, cogs


def candidates_of(w: World, market: str) -> list[str]:
    c = w.creators
    out = []
    for cid, kind, mk in zip(c["creator_id"], c["kind"], c["markets"], strict=True):
        if kind == "koc":
            continue
        if market in str(mk).split(","):
            out.append(cid)
    return out


def fee_usd(w: World, host: str) -> tuple[float, float]:
    r = w.creators.set_index("creator_id").loc[host]
    return float(r["fee"]), float(r["commission_rate"])


MARKET_INDEX = {m[0]: i for i, m in enumerate(MARKETS)}
