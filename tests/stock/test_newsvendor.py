"""The newsvendor against textbook answers and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from livecart.stock.newsvendor import (
    Item,
    NormalDemand,
    SampleDemand,
    allocate,
    critical_fractile,
    expected_cost,
    optimal_level,
)


def test_snyder_shen_example_4_3_level_and_cost():
    """Snyder & Shen, Fundamentals of Supply Chain Theory, Example 4.3: N(50, 8), h = 0.18,
    p = 0.70 -> S* = 56.60, expected cost 1.998 (tolerances: the book's rounding)."""
    d = NormalDemand(50, 8)
    s = optimal_level(d, underage=0.70, overage=0.18)
    assert s == pytest.approx(56.60, abs=0.01)
    assert expected_cost(d, s, 0.70, 0.18) == pytest.approx(1.998, abs=0.002)


def test_sample_demand_matches_normal_closed_forms():
    d = NormalDemand(50, 8)
    s = SampleDemand.from_quantiles(lambda q: stats.norm.ppf(q, 50, 8), k=4000)
    for level in (40.0, 50.0, 56.6, 70.0):
        assert s.expected_short(level) == pytest.approx(d.expected_short(level), abs=0.02)
        assert s.expected_leftover(level) == pytest.approx(d.expected_leftover(level), abs=0.02)
    assert optimal_level(s, 0.70, 0.18) == pytest.approx(56.60, abs=0.05)


def test_fractile_edges_no_margin_and_no_leftover_cost():
    assert critical_fractile(0.0, 1.0) == 0.0
    assert critical_fractile(-1.0, 1.0) == 0.0
    assert critical_fractile(1.0, 0.0) == 1.0
    d = NormalDemand(100, 10)
    assert optimal_level(d, 1.0, 0.0, cap_q=0.99) == pytest.approx(d.ppf(0.99))


def test_budget_constrained_uniform_case_has_the_closed_form_answer():
    """Two SKUs, demand U(0, 100) and U(0, 200), cu = 10 and 6, co = 2 and 2, unit buy cost
    4 and 2, budget 400. Lagrangian: Q_i = b_i (cu_i - lam c_i) / (cu_i + co_i), so
    spend = 4 * 100 (10 - 4 lam) / 12 + 2 * 200 (6 - 2 lam) / 8 = 633.33 - 233.33 lam = 400
    -> lam = 1, Q = (50, 100)."""
    u1 = SampleDemand.from_quantiles(lambda q: 100 * q, k=20000)
    u2 = SampleDemand.from_quantiles(lambda q: 200 * q, k=20000)
    items = [Item(u1, 10, 2, buy=4), Item(u2, 6, 2, buy=2)]
    a = allocate(items, budget=400)
    assert a.budget_binds
    assert a.lam == pytest.approx(1.0, abs=0.01)
    assert a.levels == pytest.approx([50.0, 100.0], abs=0.2)
    free = allocate(items)
    assert free.levels == pytest.approx([100 * 10 / 12, 200 * 6 / 8], abs=0.2)


def test_allocation_matches_brute_force_under_budget_and_capacity():
    rng = np.random.default_rng(3)
    items = [
        Item(SampleDemand(np.sort(rng.poisson(m, 400).astype(float))), cu, co, buy=c)
        for m, cu, co, c in ((8, 5, 1, 2.0), (5, 3, 1, 1.0), (12, 2, 1.5, 1.5))
    ]
    budget, capacity = 20.0, 22.0
    levels = allocate(items, budget=budget, capacity=capacity, integer=True).levels

    def cost(q):
        return sum(
            expected_cost(it.demand, x, it.underage, it.overage)
            for it, x in zip(items, q, strict=True)
        )

    best = min(
        (
            q
            for q in itertools.product(range(16), range(12), range(20))
            if sum(it.buy * x for it, x in zip(items, q, strict=True)) <= budget
            and sum(q) <= capacity
        ),
        key=cost,
    )
    # Lagrangian relaxation, rounded down and topped up greedily: within 1% of the integer
    # optimum's expected cost (discrete demand leaves a small duality gap)
    assert cost(levels) <= cost(best) * 1.01
    assert sum(levels) <= capacity
    assert sum(it.buy * x for it, x in zip(items, levels, strict=True)) <= budget + 1e-9


def test_budget_of_zero_keeps_stock_already_there_and_zero_cost_items_are_free():
    d = NormalDemand(50, 8)
    items = [Item(d, 5, 1, buy=3, have=10), Item(d, 5, 1, buy=0.0, have=0)]
    a = allocate(items, budget=0.0)
    assert a.levels[0] == pytest.approx(10)
    assert a.levels[1] == pytest.approx(optimal_level(d, 5, 1))


def test_capacity_below_stock_on_hand_orders_nothing():
    d = NormalDemand(50, 8)
    a = allocate([Item(d, 5, 1, buy=1, have=30), Item(d, 5, 1, buy=1, have=30)], capacity=40)
    assert a.levels == pytest.approx([30, 30])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(1, 40),
            st.floats(0, 10),
            st.floats(0.01, 5),
            st.floats(0, 5),
            st.integers(0, 30),
        ),
        min_size=1,
        max_size=5,
    ),
    st.one_of(st.none(), st.floats(0, 200)),
    st.one_of(st.none(), st.floats(0, 150)),
)
def test_allocation_never_breaks_a_limit_nor_drops_stock_already_there(spec, budget, capacity):
    items = [Item(NormalDemand(m, m / 3), cu, co, buy=c, have=h) for m, cu, co, c, h in spec]
    a = allocate(items, budget=budget, capacity=capacity, integer=True)
    have = np.array([it.have for it in items])
    assert (a.levels >= have).all()
    spent = sum(it.buy * (q - it.have) for it, q in zip(items, a.levels, strict=True))
    if budget is not None:
        assert spent <= budget + 1e-6
    if capacity is not None and have.sum() <= capacity:
        assert a.levels.sum() <= capacity + 1e-6


def test_whole_units_never_round_past_the_capacity():
    """Regression: levels that fit the capacity as fractions (2 x 58.6 <= 117.5) were rounded up
    past it (118 units in 117.5)."""
    m = 40.552  # unconstrained level m (1 + z / 3) = 58.6 at the fractile 5 / 5.5
    items = [Item(NormalDemand(m, m / 3), 5.0, 0.5), Item(NormalDemand(m, m / 3), 5.0, 0.5)]
    cont = allocate(items, capacity=None).levels
    capacity = float(np.floor(cont.sum())) + 0.5  # room for the fractions, not for both rounded up
    a = allocate(items, capacity=capacity, integer=True)
    assert a.levels.sum() <= capacity
