"""The nowcast on held-out demo lives of another seed (another brand: the simulator's hidden
parameters are drawn again)."""

from __future__ import annotations

import pytest

import livecart
from livecart.live import evaluate_nowcast, load_history
from tests.conftest import built_once


def _history(request, seed: int):
    from livecart.demo import build

    path = built_once(request, f"demo-seed{seed}-scale1", lambda p: build(p, seed=seed, scale=1.0))
    with livecart.open(path, read_only=True) as ws:
        return load_history(ws)


@pytest.mark.slow
def test_nowcast_on_another_seeds_lives_beats_the_baseline_and_covers_75_to_85pct(request):
    """History: demo seed 7 (150 lives); held out: seed 8 (150 lives, 135 past minute 60).
    Targets (issue #4): at minute 60 an MdAPE at least 30% below the linear baseline; at 15, 30
    and 60 the 80% interval covers 75-85%. Over seeds 8-13 this history's intervals cover
    76-78% (docs/live.md), and one seed's 135-150 lives add a binomial sd of 3.3-3.5 points, so
    each minute may lie in 70-90%. The interval comes from leave-one-room-out CV+ folds."""
    train, test = _history(request, 7), _history(request, 8)
    assert len(train) >= 120
    res = {r["minute"]: r for r in evaluate_nowcast(train, test)}
    assert res[60]["mdape"] <= 0.7 * res[60]["baseline_mdape"], res[60]
    for r in res.values():
        assert r["folds"] == "room", r
        assert 0.70 <= r["coverage_80"] <= 0.90, r
