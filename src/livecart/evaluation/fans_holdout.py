"""The 39-week holdout of Fader, Hardie and Lee (2005) on the demo's buyers.

The demo spans 26 weeks, too short for a 39-week calibration and a 39-week holdout. The buyers'
process does not need the live simulation, so `long_purchases` takes the demo's buyers as they
were acquired (first purchase time, status at it) and draws their repeat purchases and late
joins over 78 weeks with the simulator's own process (`livecart.demo.buyers.repeat_times`).

`holdout` fits the BG/NBD on weeks 0-39 (histories end at a late join, as `fit_value` does) and
predicts each buyer's repeat purchases in weeks 39-78 two ways: with her status at the cutoff
held fixed (the time-invariant covariate model alone) and with the joins still to come
(`livecart.fans.status_forecast`). Both are reported against the purchases counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from livecart.demo.buyers import repeat_times
from livecart.fans.bgnbd import BetaGeoModel
from livecart.fans.purchases import Purchases
from livecart.fans.rfm import COVARIATES, buyer_histories
from livecart.fans.status_forecast import expected_purchases_with_joins, join_chances

CALIBRATION_WEEKS = 39
HOLDOUT_WEEKS = 39
_JOIN_DELAY_DAYS = 2 / 1440  # the simulator records a join two minutes after its purchase


def cohort(p: Purchases) -> pd.DataFrame:
    """The buyers of a workspace as acquired: buyer_id, market, first time (days since the
    origin, exact) and status at the first purchase (0 none, 1 follower, 2 fan club)."""
    b = p.buyers.reset_index(drop=True)
    first = p.orders.groupby("buyer_id")["t"].min().reindex(b["buyer_id"]).to_numpy()
    club = (b["fan_club_day"] <= b["first_day"]).to_numpy()
    follow = (b["follow_day"] <= b["first_day"]).to_numpy()
    return pd.DataFrame(
        {
            "buyer_id": b["buyer_id"].to_numpy(),
            "market": b["market"].to_numpy(),
            "first_t": first,
            "status": np.where(club, 2, np.where(follow, 1, 0)),
            "follow_t": np.where(follow | club, b["follow_t"].to_numpy(), np.nan),
            "fan_club_t": np.where(club, b["fan_club_t"].to_numpy(), np.nan),
        }
    )


def long_purchases(c: pd.DataFrame, seed: int, weeks: int = 78) -> Purchases:
    """`Purchases` of the cohort ``c`` (`cohort`) over ``weeks`` from the origin, repeat
    purchases and late joins drawn by the simulator's process (order values are 1)."""
    if "follow_t" not in c:
        c = c.assign(follow_t=np.where(c["status"] > 0, c["first_t"], np.nan))
        c = c.assign(fan_club_t=np.where(c["status"] == 2, c["first_t"], np.nan))
    who, when, joined = repeat_times(seed, c["first_t"].to_numpy() / 7, c["status"], weeks)
    t = when * 7
    ids = c["buyer_id"].to_numpy()
    orders = pd.DataFrame(
        {"buyer_id": np.r_[ids, ids[who]], "t": np.r_[c["first_t"].to_numpy(), t], "value": 1.0}
    )
    times = {1: c["follow_t"].to_numpy().copy(), 2: c["fan_club_t"].to_numpy().copy()}
    for event, status in joined:
        times[int(status)][who[event]] = t[event] + _JOIN_DELAY_DAYS
    times[1] = np.fmin(times[1], times[2])  # a fan-club member follows
    buyers = pd.DataFrame(
        {
            "buyer_id": ids,
            "market": c["market"].to_numpy(),
            "first_day": np.floor(c["first_t"].to_numpy()),
            "follow_t": times[1],
            "fan_club_t": times[2],
        }
    )
    buyers["follow_day"] = np.floor(buyers["follow_t"])
    buyers["fan_club_day"] = np.floor(buyers["fan_club_t"])
    days = orders.assign(day=np.floor(orders["t"]).astype(np.int64))
    days = days.merge(buyers[["buyer_id", "market"]], on="buyer_id")
    days = days.groupby(["buyer_id", "day"], as_index=False).agg(
        value=("value", "sum"), market=("market", "first")
    )
    return Purchases(days, buyers, pd.Timestamp(0), weeks * 7, "USD", True, (), orders)


def holdout(p: Purchases, cut_day: int, weeks: float, seed: int = 0) -> dict[str, Any]:
    """Fit on purchases before ``cut_day``; predicted / actual - 1 of the repeat purchases in
    the next ``weeks`` by buyers first seen before the cut, status fixed and with joins."""
    cal = buyer_histories(p, cut_day, censor_at_join=True)
    covs = list(COVARIATES)
    bg = BetaGeoModel(covariates=covs).fit(cal["x"], cal["t_x"], cal["T"], cal[covs].to_numpy())
    now = buyer_histories(p, cut_day)
    zn = now[[f"{c}_now" for c in covs]].to_numpy()
    fixed = float(bg.expected_purchases(weeks, now["x"], now["t_x"], now["T"], zn).sum())
    chances = join_chances(p, cut_day)
    joins = float(expected_purchases_with_joins(bg, weeks, now, chances, seed=seed).sum())
    o = p.orders
    end = cut_day + weeks * 7
    actual = int(((o["t"] >= cut_day) & (o["t"] < end) & o["buyer_id"].isin(now.index)).sum())
    return {
        "status_at_cutoff": fixed / actual - 1,
        "with_joins": joins / actual - 1,
        "actual": actual,
        "buyers": len(now),
        "params": {
            **bg.params_,
            **{f"{c}.{k}": v for c, d in bg.coef_.items() for k, v in d.items()},
        },
        "join_chance": {
            "follow": float(chances.chance[0, 0, 1]),
            "fan_club": float(chances.chance[1, 0, 2]),
        },
    }


def holdout_39_weeks(p: Purchases, seed: int) -> dict[str, Any]:
    """The demo's buyers over 78 weeks: 39 to fit, 39 held out."""
    long = long_purchases(cohort(p), seed, CALIBRATION_WEEKS + HOLDOUT_WEEKS)
    out = holdout(long, CALIBRATION_WEEKS * 7, HOLDOUT_WEEKS, seed)
    return {**out, "calibration_weeks": CALIBRATION_WEEKS, "holdout_weeks": HOLDOUT_WEEKS}
