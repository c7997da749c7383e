"""The budget plan: 2:6:2 by default, pacing that adds up and front-loads the golden hour, and
phase bounds that are met or refused with a clear message."""

from __future__ import annotations

import numpy as np
import pytest

from livecart.ads import Windows, budget_plan
from livecart.errors import LivecartError


def test_default_split_is_262_and_pacing_adds_up_to_each_phase():
    b = budget_plan(5000, "USD")
    assert b.spend == {"pre_live": 1000.0, "live": 3000.0, "closing": 1000.0}
    assert sum(b.pre_live_hourly) == pytest.approx(1000, abs=0.01)
    assert len(b.pre_live_hourly) == 24 and len(b.per_minute) == 120
    assert sum(b.per_minute) == pytest.approx(4000, abs=0.01)
    assert sum(b.per_minute[90:]) == pytest.approx(1000, abs=0.01)  # closing = last 30 minutes


def test_live_minutes_in_the_golden_hour_get_more_than_later_minutes():
    b = budget_plan(6000, windows=Windows(live_minutes=150, golden_minutes=60, golden_weight=2.0))
    m = np.array(b.per_minute)
    assert m[0] == pytest.approx(2 * m[70])
    assert b.pre_live_hourly[-1] > b.pre_live_hourly[0]  # warm-up ramps towards the start


def test_windows_are_configurable():
    b = budget_plan(1000, windows=Windows(pre_live_hours=6, live_minutes=60, closing_minutes=10))
    assert len(b.pre_live_hourly) == 6 and len(b.per_minute) == 60
    assert sum(b.per_minute[50:]) == pytest.approx(200, abs=0.01)


def test_phase_bounds_move_the_split_to_meet_them():
    b = budget_plan(1000, max_spend=(100, 1000, 1000))
    assert b.spend["pre_live"] == pytest.approx(100)
    assert sum(b.spend.values()) == pytest.approx(1000)
    assert "bounds" in b.source


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"budget": 0}, "above zero"),
        ({"budget": -5}, "above zero"),
        ({"budget": float("inf")}, "finite"),
        ({"budget": float("nan")}, "finite"),
        ({"budget": 100, "min_spend": (float("nan"), 0, 0)}, "not nan"),
        ({"budget": 100, "max_spend": (float("nan"), 100, 100)}, "not nan"),
        ({"budget": 100, "min_spend": (float("inf"), 0, 0)}, "finite amount"),
        ({"budget": 100, "min_spend": (50, 50, 50)}, "minimums add up"),
        ({"budget": 100, "max_spend": (10, 10, 10)}, "maximums add up"),
        (
            {"budget": 100, "windows": Windows(live_minutes=30, closing_minutes=30)},
            "closing window",
        ),
    ],
)
def test_bad_budgets_and_bounds_are_refused_with_what_to_do(kw, words):
    budget = kw.pop("budget")
    with pytest.raises(LivecartError, match=words):
        budget_plan(budget, **kw)


def test_an_infinite_maximum_means_no_cap():
    b = budget_plan(100, max_spend=(float("inf"), float("inf"), 10))
    assert b.spend["closing"] == pytest.approx(10) and sum(b.spend.values()) == pytest.approx(100)


@pytest.mark.parametrize("budget", [float("inf"), float("nan"), 0.0])
def test_the_optimizer_refuses_a_budget_that_is_not_a_finite_amount(budget):
    from livecart.ads import fit_response, optimize_split
    from livecart.evaluation.ads import simulated_history

    model = fit_response(simulated_history(3, 0.2), n_boot=2)
    with pytest.raises(LivecartError, match="finite amount above zero"):
        optimize_split(model, budget)
