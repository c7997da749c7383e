"""What to test next: the allocation rule's bookkeeping, and its saving over a uniform split
in simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from livecart.evaluation.selection import _allocation
from livecart.selection import FitModel, allocate_tests, cells_from_frames


def _model() -> FitModel:
    rng = np.random.default_rng(5)
    skus = [f"S{i}" for i in range(12)]
    products = pd.DataFrame(
        {
            "sku_id": skus,
            "product_name": skus,
            "variation": None,
            "category": "home",
            "price": 10.0,
            "currency": "USD",
        }
    )
    rows = []
    for i, s in enumerate(skus):
        # S0 has 60 videos (settled); S1..S11 have 0-2 videos each
        for j in range(60 if i == 0 else i % 3):
            v = int(rng.integers(3000, 8000))
            c = int(rng.binomial(v, 0.01 + 0.002 * i))
            rows.append(
                [
                    f"V{i}-{j}",
                    s,
                    "US",
                    pd.Timestamp("2026-01-01"),
                    v,
                    c,
                    int(rng.binomial(c, 0.05)),
                    0.0,
                    "USD",
                ]
            )
    vids = pd.DataFrame(
        rows,
        columns=[
            "video_id",
            "sku_id",
            "market",
            "posted_at",
            "views",
            "product_clicks",
            "orders",
            "gmv",
            "currency",
        ],
    )
    vids["gmv"] = vids["orders"] * 10.0
    return FitModel().fit(cells_from_frames(vids, products, ["US"]), vids)


def test_allocation_places_every_video_and_skips_the_settled_product():
    plan = allocate_tests(_model(), 20, k=3, seed=1)
    assert plan["videos"].sum() == 20
    assert "S0" not in set(plan["sku_id"])  # 60 videos already: nothing left to learn
    assert plan["reason"].str.len().gt(10).all()


def test_allocation_is_deterministic_for_a_seed():
    m = _model()
    a = allocate_tests(m, 15, seed=3)
    b = allocate_tests(m, 15, seed=3)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.slow
def test_thompson_finds_the_true_top_k_with_fewer_videos_than_a_uniform_split():
    # 6 held-out seeds, 12 rounds of 10 videos: averaged over the budget, the rule's
    # running-best precision at 5 must be at least the uniform split's. (The videos-to-target
    # saving is too noisy on 6 seeds to assert; `livecart products evaluate` reports it on 20.)
    curve, _ = _allocation(range(700, 706), k=5, scale=1.0, target=0.8, batch=10, rounds=12)
    t = np.mean([c["thompson"] for c in curve])
    u = np.mean([c["uniform"] for c in curve])
    assert t >= u
