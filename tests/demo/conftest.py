"""A larger sample of simulated sessions for the statistical tests, made by the same code the
build uses (plans -> room -> per-minute aggregation -> session row) but not written anywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from livecart.demo import plans as plans_mod
from livecart.demo import room, tables
from livecart.demo.world import make_world
from tests.conftest import computed_once

SAMPLE_SEED, SAMPLE_SCALE = 11, 2.0  # 300 sessions


def simulate_sample(seed: int, scale: float) -> pd.DataFrame:
    w = make_world(seed, scale)
    rows = []
    for p in plans_mod.make_plans(w):
        log = room.simulate(p, seed)
        lm = tables.live_minutes(log)
        row = tables.session_row(log, lm, np.random.default_rng([seed, 5, p.index]))
        first = lm["minute"] < 60
        rows.append(
            {
                **row,
                "minutes": p.minutes,
                "n_products": len(p.skus),
                "orders_60": int(lm.loc[first, "orders"].sum()),
                "orders_after": int(lm.loc[~first, "orders"].sum()),
                "expected_orders_60": p.expected_orders_60,
                "expected_orders_after": p.expected_units.sum() / 1.25 - p.expected_orders_60,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def sample(request: pytest.FixtureRequest) -> pd.DataFrame:
    """Computed once per test run, however many xdist workers run the tests that use it."""
    return computed_once(request, "demo-sample", lambda: simulate_sample(SAMPLE_SEED, SAMPLE_SCALE))
