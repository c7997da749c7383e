"""What the hosts part of the playbook needs from the simulator (issue #12), kept apart from the
world and the plans so their draws do not move:

- **slot demand**: the For You traffic a live gets depends on its market, weekday and local
  start hour, ``exp(weekday[m, d] + hour[m, h])`` (a smooth evening peak whose hour and height
  vary by market), normalised so that the lives' average stays what it was;
- **influencer reach**: an influencer's own room gets For You traffic that grows with their
  followers, ``(followers / 600,000) ** 0.5`` (Xu et al. 2025: celebrity streamers gain most
  from views; 1 at the median influencer, as before); a store live run by a professional host
  keeps the store's x1.5 promotion it always had;
- **host form**: a per-live CTOR multiplier ``LogNormal(0, sd[kind])``: influencers' results
  swing (sd 0.30), professional hosts' hardly (0.08);
- **availability**: which weekdays and local hours each professional host can work, the markets
  they can serve (their own, and for some a second market that shares a language), and their
  maximum hours a day and a week. The brand knows this, so the build imports it as the
  workspace's ``host_availability`` records the roster reads, and writes it into ``truth.json``.

Draws come from their own streams: ``default_rng([seed, 21])`` (demand), ``[seed, 22, live]``
(form), ``[seed, 23]`` (availability).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from livecart.demo.world import MARKET_CODES, MARKETS, World
from livecart.model.schema import WEEKDAYS

PLAN_HOURS = {12: 0.15, 19: 0.3, 20: 0.35, 21: 0.2}  # start-hour mix of the plans (plans.py)
DEMAND = {
    "weekday_base": (-0.10, -0.06, -0.02, 0.0, 0.05, 0.10, 0.06),
    "weekday_sd": 0.08,
    "peak_hour_mean": 20.5,
    "peak_hour_sd": 1.0,
    "amplitude_mean": 0.35,
    "amplitude_sd": 0.08,
}
REACH = {
    "multiplier": 1.0,
    "followers_ref": 600_000.0,
    "exponent": 0.5,
    "hosted_store_live": 1.5,
}
FORM_SD = {"koc": 0.30, "influencer": 0.30, "pro_host": 0.08, "store_account": 0.12}
# A second market a professional host can serve: one that shares a language with their own.
SHARED_LANGUAGE = {"US": "UK", "UK": "US", "MY": "ID", "ID": "MY", "PH": "US"}


@lru_cache(maxsize=64)
def demand_table(seed: int) -> np.ndarray:
    """(market, weekday, local hour) log multiplier of For You traffic, mean 0 over the plans'
    weekday and start-hour mix in every market."""
    rng = np.random.default_rng([seed, 21])
    n_m = len(MARKETS)
    wd = np.array(DEMAND["weekday_base"])[None, :] + rng.normal(0, DEMAND["weekday_sd"], (n_m, 7))
    peak = rng.normal(DEMAND["peak_hour_mean"], DEMAND["peak_hour_sd"], n_m)
    amp = np.abs(rng.normal(DEMAND["amplitude_mean"], DEMAND["amplitude_sd"], n_m))
    hours = np.arange(24)
    hour = amp[:, None] * np.cos(2 * np.pi * (hours[None, :] - peak[:, None]) / 24)
    w = np.array(list(PLAN_HOURS.values()))
    hour -= (hour[:, list(PLAN_HOURS)] * w).sum(1, keepdims=True) / w.sum()
    wd -= wd.mean(1, keepdims=True)
    return wd[:, :, None] + hour[:, None, :]


def demand_multiplier(seed: int, market: int, local_start: dt.datetime) -> float:
    """For You multiplier of a live starting at ``local_start`` (market-local time)."""
    return float(np.exp(demand_table(seed)[market, local_start.weekday(), local_start.hour]))


def reach_multiplier(followers: float) -> float:
    """For You multiplier of an influencer's own room."""
    return REACH["multiplier"] * (max(followers, 1.0) / REACH["followers_ref"]) ** REACH["exponent"]


def host_form(seed: int, index: int, kind: str) -> float:
    """The host's form on one live: a CTOR multiplier with mean 1."""
    sd = FORM_SD.get(kind, 0.15)
    rng = np.random.default_rng([seed, 22, index])
    return float(np.exp(rng.normal(-(sd**2) / 2, sd)))


def availability(w: World) -> pd.DataFrame:
    """One row per professional host and available weekday: local hours (the host's own
    market's time), the markets they can serve and their hour limits."""
    rng = np.random.default_rng([w.seed, 23])
    c = w.creators[w.creators["kind"] == "pro_host"]
    rows: list[dict[str, Any]] = []
    for cid, home in zip(c["creator_id"], c["markets"], strict=True):
        markets = [home]
        if home in SHARED_LANGUAGE and rng.random() < 0.5:
            markets.append(SHARED_LANGUAGE[home])
        days = np.sort(rng.choice(7, size=int(rng.integers(4, 7)), replace=False))
        start = int(rng.choice([10, 11, 12]))
        end = int(rng.choice([22, 23, 24]))
        per_day = int(rng.choice([4, 6, 8]))
        per_week = int(rng.choice([20, 24, 30, 36]))
        for d in days:
            rows.append(
                {
                    "host_id": cid,
                    "weekday": WEEKDAYS[int(d)],
                    "start_time": f"{start:02d}:00",
                    "end_time": f"{end % 24:02d}:00" if end < 24 else "24:00",
                    "markets": ",".join(markets),
                    "max_hours_day": per_day,
                    "max_hours_week": per_week,
                }
            )
    return pd.DataFrame(rows)


def hosting_truth(w: World) -> dict[str, Any]:
    """The hidden and known hosting parameters for truth.json."""
    table = demand_table(w.seed)
    return {
        "demand": {
            **{k: v for k, v in DEMAND.items()},
            "model": "foryou multiplier = exp(log_multiplier[market][weekday][local hour])",
            "weekdays": list(WEEKDAYS),
            "log_multiplier": {
                code: np.round(table[m], 6).tolist() for m, code in enumerate(MARKET_CODES)
            },
        },
        "reach": {
            **REACH,
            "model": "influencer room foryou x multiplier (followers/ref)^exponent; "
            "store live with a pro host x hosted_store_live",
        },
        "form_sd": dict(FORM_SD),
        "availability": availability(w).to_dict("records"),
    }
