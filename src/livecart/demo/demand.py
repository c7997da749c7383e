"""Demand unconstrained by stock: what buyers of each live wanted, before "sold out" cut it.

A built demo workspace records sales, and a SKU that sold out sold less than buyers asked for.
Estimators of demand (the stock forecast) are judged on the demand itself: each live is
re-simulated from the same seed and plan with unlimited stock. The room stream is a pure function
of (seed, plan), so where no order was refused for want of stock the re-simulated units equal the
stored sales exactly; where one was, they also differ beyond that SKU (a refused order in the
first hour changes the golden-hour push, and with it the rest of the room).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from livecart.demo import room
from livecart.demo.plans import make_plans
from livecart.demo.world import make_world
from livecart.errors import LivecartError

UNLIMITED = 10**9


def uncensored_demand(
    seed: int, scale: float, session_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Units each SKU of each live would sell with unlimited stock, for the demo built with
    ``build(out, seed=seed, scale=scale)``.

    Returns one row per live x line-up SKU: ``session_id``, ``sku_id``, ``units`` (int) and
    ``expected_units`` (the simulator's hidden mean). ``session_ids`` limits it to those lives
    (all if None); an id the demo does not have is an error."""
    plans = make_plans(make_world(seed, scale))
    wanted = None if session_ids is None else set(session_ids)
    if wanted is not None:
        unknown = sorted(wanted - {p.session_id for p in plans})
        if unknown:
            raise LivecartError(
                f"the demo with seed {seed} and scale {scale} has no live {', '.join(unknown[:5])}:"
                f" ids run L0001-L{len(plans):04d}"
            )
    out = [_one(p, seed) for p in plans if wanted is None or p.session_id in wanted]
    if not out:
        return pd.DataFrame(
            {"session_id": [], "sku_id": [], "units": np.zeros(0, np.int64), "expected_units": []}
        )
    return pd.concat(out, ignore_index=True)


def _one(plan, seed: int) -> pd.DataFrame:
    plan.stock = np.full(len(plan.skus), UNLIMITED, dtype=np.int64)
    c = room.simulate(plan, seed).cols
    o = c["type"] == room.T["order"]
    units = np.bincount(c["sku"][o], weights=c["cnt"][o], minlength=len(plan.skus))
    return pd.DataFrame(
        {
            "session_id": plan.session_id,
            "sku_id": plan.sku_names,
            "units": units.astype(np.int64),
            "expected_units": plan.expected_units,
        }
    )
