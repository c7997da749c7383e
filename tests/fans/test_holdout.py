"""The 39-week holdout (Fader, Hardie and Lee 2005): calibrate on weeks 0-39, predict the
aggregate repeat purchases of weeks 39-78.

1. Where the BG/NBD is exactly right (histories drawn from it, no status changes) the forecast
   lands within 2% of the purchases counted: the prediction and its aggregation are sound.
2. With the demo simulator's late joins (a follow or fan-club join at 10% of purchases, raising
   the rate and lowering the dropout from then on) the forecast with status fixed at the cutoff
   falls short; forecasting the joins still to come (`status_forecast`) brings it within 5%.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from livecart.demo.buyers import BGNBD, LATE_JOIN
from livecart.evaluation.fans_holdout import holdout, long_purchases
from livecart.fans import BetaGeoModel
from livecart.fans.status_forecast import DropoutGrid, join_chances
from livecart.fans.value import fit_value

CUT, END = 39.0, 78.0


def _bgnbd_draws(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Buyers acquired over weeks 0-26 (as in the demo), repeat purchases to week 78."""
    lam = rng.gamma(BGNBD["r"], 1 / BGNBD["alpha"], n)
    p = rng.beta(BGNBD["a"], BGNBD["b"], n)
    born = rng.uniform(0, 26, n)
    t, alive = born.copy(), np.arange(n)
    who, when = [], []
    while len(alive):
        t[alive] += rng.exponential(1 / lam[alive])
        alive = alive[t[alive] < END]
        who.append(alive)
        when.append(t[alive].copy())
        alive = alive[rng.random(len(alive)) >= p[alive]]
    return born, np.concatenate(who), np.concatenate(when)


def test_holdout_forecast_within_2_percent_when_the_model_is_exactly_right():
    n = 100_000
    born, who, when = _bgnbd_draws(n, np.random.default_rng(2026))
    cal = when < CUT
    x = np.bincount(who[cal], minlength=n).astype(float)
    last = np.zeros(n)
    np.maximum.at(last, who[cal], when[cal] - born[who[cal]])
    model = BetaGeoModel().fit(x, last, CUT - born)
    predicted = model.expected_purchases(END - CUT, x, last, CUT - born).sum()
    actual = int((~cal).sum())
    assert actual > 50_000
    assert abs(predicted / actual - 1) < 0.02, predicted / actual - 1


@pytest.fixture(scope="module")
def joins_cohort():
    """30,000 buyers acquired over 26 weeks, statuses at entry as in the demo (77% none, 15%
    followers, 8% fan club), purchases and late joins drawn by the simulator to week 78."""
    rng = np.random.default_rng(7)
    n = 30_000
    c = pd.DataFrame(
        {
            "buyer_id": [f"b{i}" for i in range(n)],
            "market": "US",
            "first_t": rng.uniform(0, 182, n),
            "status": rng.choice(3, n, p=[0.77, 0.15, 0.08]),
        }
    )
    return long_purchases(c, seed=11, weeks=78)


def test_join_chances_recover_the_simulators_chance_per_purchase(joins_cohort):
    ch = join_chances(joins_cohort, int(CUT * 7))
    # ~10,000 purchases each: a binomial standard error near 0.3 points; tolerance 1.5 points
    assert ch.chance[0, 0, 1] == pytest.approx(LATE_JOIN["follow_per_repeat"], abs=0.015)
    assert ch.chance[1, 0, 2] == pytest.approx(LATE_JOIN["fan_club_per_repeat"], abs=0.015)
    # at most one late join a buyer: a late follower never joins the fan club
    assert ch.chance[1, 1].sum() == 0 and ch.purchases[1, 1] > 1000


def test_forecast_with_the_joins_to_come_is_within_5_percent_where_fixed_status_falls_short(
    joins_cohort,
):
    r = holdout(joins_cohort, int(CUT * 7), END - CUT)
    assert r["actual"] > 30_000
    assert r["status_at_cutoff"] < -0.05, r  # measured -8% to -10% on demo seeds
    assert abs(r["with_joins"]) < 0.05, r


def test_value_forecasts_the_joins_to_come_within_5_percent_of_the_holdout(joins_cohort):
    """`fans value` (per buyer) on the shop as it stood at week 39, summed over buyers, against
    the repeat purchases the simulator drew in weeks 39-78; today's status held fixed falls
    short (kept beside it as ``expected_purchases_status_fixed``)."""
    cut = int(CUT * 7)
    p = joins_cohort.before(cut)
    spend = np.random.default_rng(3).gamma(6.0, 5.0, len(p.orders))  # the cohort's are all 1
    p = dataclasses.replace(p, orders=p.orders.assign(value=spend))
    vm = fit_value(p, horizon_weeks=int(END - CUT), n_draws=5)
    o = joins_cohort.orders
    actual = int(((o["t"] >= cut) & (o["t"] < END * 7)).sum())
    b = vm.buyers
    assert abs(b["expected_purchases"].sum() / actual - 1) < 0.05
    assert b["expected_purchases_status_fixed"].sum() / actual - 1 < -0.05
    assert (b["expected_purchases_lo"] <= b["expected_purchases_hi"]).all()


def test_dropout_grid_equals_the_closed_form_p_alive_when_status_did_not_change():
    n = 20_000
    born, who, when = _bgnbd_draws(n, np.random.default_rng(5))
    cal = when < CUT
    x = np.bincount(who[cal], minlength=n).astype(float)
    t_x = np.zeros(n)
    np.maximum.at(t_x, who[cal], when[cal] - born[who[cal]])
    T = CUT - born
    model = BetaGeoModel().fit(x, t_x, T)
    r, alpha, a, b = (model.params_[k] for k in ("r", "alpha", "a", "b"))
    rep = x > 0
    odds = ((alpha + T[rep]) / (alpha + t_x[rep])) ** (r + x[rep])
    same = np.zeros(int(rep.sum()), dtype=int)
    grid, _ = DropoutGrid(a, np.full(3, b)).posterior(same, same, x[rep], same * 0.0, odds)
    np.testing.assert_allclose(grid, model.p_alive(x[rep], t_x[rep], T[rep]), atol=1e-3)
