"""The host model against the simulator's hidden host skill x category affinity."""

from __future__ import annotations


def test_host_category_effects_rank_like_the_truth(hosts_eval):
    # Target of issue 12: Spearman >= 0.7 between estimated and true host x category effects
    # (both centred per category), here the mean over three held-out seeds.
    assert hosts_eval.spearman >= 0.7


def test_80_percent_intervals_cover_the_truth_about_80_percent(hosts_eval):
    # ~120 host x category pairs over three seeds: a binomial sd of ~0.037 around 0.8, so
    # 0.68-0.92 is three sd either side (the 20-seed figure in the README is the target check).
    assert 0.68 <= hosts_eval.coverage_80 <= 0.92


def test_pooling_beats_unpooled_per_host_means(hosts_eval):
    # Target: error at least 20% below unpooled means, measured over 20 seeds for the README
    # (22.0% on 2000-2019). Seeds range from 5% to 50% (sd ~12 points), so a three-seed mean
    # has an SE of ~7 points: these three must show at least 15% (26.5% when written; 17.9%
    # over 20 seeds, or 12.6% on training seeds, was the model before the product offsets and
    # the market x category shift).
    assert hosts_eval.rmse < hosts_eval.rmse_unpooled
    assert hosts_eval.error_reduction_pct >= 15


def test_recommended_host_regrets_less_than_rules_of_thumb(hosts_eval):
    # Both scorings: on one realised draw of each live (the "realised contribution")
    # and on the simulator's expected contribution.
    for regret, diff in (
        (hosts_eval.regret, hosts_eval.regret_diff),
        (hosts_eval.regret_expected, hosts_eval.regret_expected_diff),
    ):
        assert regret["model"] < regret["followers"]
        assert regret["model"] < regret["past_gmv"]
        for k in ("followers", "past_gmv"):
            assert diff[k]["mean"] > 0 and diff[k]["se"] is not None
    assert hosts_eval.contribution["model"] > hosts_eval.contribution["followers"]
