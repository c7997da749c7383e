"""`hosts compare`'s GMV interval carries each candidate's own kind's live-to-live luck."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from livecart.hosts.compare import PlannedLive, compare_hosts

NOISE = {"pro_host": 0.04, "influencer": 0.25}  # variance of a live's own luck, log units


class _Model:
    """What compare_hosts reads of a fitted HostModel, with nothing uncertain but a live's own
    luck: every candidate gets the same views and the same units per category, hence the same
    expected GMV; only the luck's variance differs, by kind."""

    views_ = SimpleNamespace(fit=SimpleNamespace(sigma2_resid=np.array([1e-6])))
    conv_ = SimpleNamespace(columns=["log_views"], fit=SimpleNamespace(beta=np.array([0.8])))

    def __init__(self, kinds: dict[str, str]) -> None:
        self.kinds = kinds

    def views(self, frame):
        return np.full(len(frame), np.log(20_000)), np.full(len(frame), 2e-6)

    def planned_log_units(self, hosts, cats, market, minutes, n_products, log_views=None):
        return np.full(len(hosts), np.log(0.5)), np.eye(len(hosts)) * 1e-8

    def live_noise(self, category, kind="pro_host"):
        return NOISE[kind]

    def mean_noise(self, category):
        return NOISE["pro_host"]


def test_an_influencers_gmv_interval_is_wider_than_a_pro_hosts_at_the_same_expected_gmv():
    kinds = {"pro_a": "pro_host", "inf_a": "influencer"}
    lineup = pd.DataFrame(
        {
            "sku_id": ["a", "b"],
            "category": ["beauty", "beauty"],
            "price": [20.0, 30.0],
            "fit": [1.0, 1.0],
            "unit_cost": [5.0, 8.0],
        }
    )
    live = PlannedLive("US", "USD", 0, 20, 120.0, 500.0, lineup, "store", 50_000.0)
    candidates = pd.DataFrame(
        {
            "creator_id": list(kinds),
            "kind": list(kinds.values()),
            "followers": [50_000, 50_000],
            "fee": [0.0, 0.0],
            "commission_rate": [0.1, 0.1],
        }
    )
    rows = compare_hosts(_Model(kinds), live, candidates).rows.set_index("host_id")
    # The same expected GMV, the influencer's 80% interval wider: the ratio of the two widths
    # is about sqrt(0.25 / 0.04) = 2.5 for a lognormal's quantiles around its median; at least
    # 1.8 leaves room for the noise of 400 draws.
    assert rows.at["inf_a", "gmv"] == pytest.approx(rows.at["pro_a", "gmv"], rel=1e-3)
    width = rows["gmv_hi"] - rows["gmv_lo"]
    assert width["inf_a"] > 1.8 * width["pro_a"]
    assert rows.at["inf_a", "gmv_lo"] < rows.at["pro_a", "gmv_lo"]


def test_a_kind_seen_in_a_few_lives_is_pulled_towards_the_kinds_pooled_luck():
    # live_noise shrinks a kind's variance towards the lives-weighted mean of the kinds with
    # weight n / (n + prior lives): with 10, a kind seen in 2 lives (a small demo's store
    # accounts, whose own estimate is mostly the half-normal prior) keeps 1/6 of its own, one
    # seen in 990 lives 99%.
    from livecart.hosts.performance import _shrunk

    var = {"pro_host": 0.05, "store_account": 1.2}
    n = {"pro_host": 990, "store_account": 2}
    pooled = (990 * 0.05 + 2 * 1.2) / 992
    assert _shrunk(var, n, "store_account", 10.0) == pytest.approx((2 * 1.2 + 10 * pooled) / 12)
    assert _shrunk(var, n, "pro_host", 10.0) == pytest.approx((990 * 0.05 + 10 * pooled) / 1000)
    assert _shrunk(var, n, "influencer", 10.0) == pytest.approx(pooled)  # a kind never seen


def test_realised_gmv_falls_in_the_80_percent_interval_for_every_kind(hosts_eval):
    # The other candidates' runs of each template live (lives the model never saw; three
    # held-out seeds, 25-60 runs a kind), inside their `hosts compare` 80% GMV interval. A
    # live's candidates share its traffic, heat and product buzz, so the runs are not
    # independent: 0.6-0.95 is the tolerance (binomial sd 0.05-0.08 at these counts, widened for
    # that). 20 seeds are quoted in docs/hosts.md.
    for kind, cov in hosts_eval.gmv_coverage_80.items():
        assert hosts_eval.gmv_coverage_n[kind] >= 20, kind
        assert 0.6 <= cov <= 0.95, (kind, cov)
