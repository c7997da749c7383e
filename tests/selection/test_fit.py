"""The market-fit model against the demo simulator's hidden truth, and its edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from livecart.demo.videos import VIDEO
from livecart.demo.videos import test_videos as draw_test_videos
from livecart.demo.world import MARKET_CODES, make_world
from livecart.selection import FitModel, FitRules, cells_from_frames


def _fit(seed: int, scale: float = 1.0):
    w = make_world(seed, scale)
    v = draw_test_videos(w)
    cells = cells_from_frames(v, w.products, list(MARKET_CODES))
    model = FitModel(FitRules(draws=1000, seed=seed)).fit(cells, v)
    truth = pd.DataFrame(w.truth["sku_market"])
    s = model.summary(settle=False).merge(truth, on=["sku_id", "market"])
    return model, s[s["n_videos"] > 0].copy()


@pytest.fixture(scope="module")
def fits():
    return [_fit(seed) for seed in (201, 202)]


def test_video_dispersion_estimate_recovers_the_simulated_quality_variance(fits):
    # The demo multiplies each video's CTR by a log-normal quality with sd 0.3: relative
    # variance exp(0.09) - 1 = 0.094. Tolerance: within 50% averaged over two seeds.
    true = np.exp(VIDEO["quality_sd"] ** 2) - 1
    est = np.mean([m.sigma2_ctr_ for m, _ in fits])
    assert est == pytest.approx(true, rel=0.5)


def test_80_percent_intervals_cover_about_80_percent_of_true_rates(fits):
    # Two seeds, ~500 tested product x markets: coverage of the true view-to-order rate and
    # CTR within 0.68-0.92 (binomial sd at 500 cells is ~0.02; the rest is model error).
    s = pd.concat([s for _, s in fits])
    vto = s["ctr"] * s["ctor"]
    assert 0.68 <= ((vto >= s["vto_lo"]) & (vto <= s["vto_hi"])).mean() <= 0.92
    assert 0.68 <= ((s["ctr"] >= s["ctr_lo"]) & (s["ctr"] <= s["ctr_hi"])).mean() <= 0.92


def test_declared_winners_are_mostly_true_winners(fits):
    # Winner rule: P(beat) >= 0.8 with 2+ videos; at least 80% of those called must truly beat
    # the simulator's winner bar (about a quarter of tested products do).
    s = pd.concat([s for _, s in fits])
    called = s[s["verdict"] == "winner"]
    assert len(called) >= 5
    assert called["winner"].mean() >= 0.8


def test_declared_losers_truly_convert_below_the_typical_product(fits):
    # Loser rule: P(view-to-order above the category's typical product) <= 0.05 with 2+
    # videos. At least 80% of those called must truly convert below the simulator's
    # category x market benchmark (a fit-0 product); a product merely short of the 1.5x
    # winner bar is not a loser.
    out = []
    for m, s in fits:
        bench = {
            (mk, c): b["ctr"] * b["ctor"]
            for mk, cats in make_world(m.rules.seed, 1.0).truth["benchmarks"].items()
            for c, b in cats.items()
        }
        true_bar = [bench[(mk, c)] for mk, c in zip(s["market"], s["category"], strict=True)]
        out.append(s.assign(below=(s["ctr"] * s["ctor"]).to_numpy() < np.array(true_bar)))
    s = pd.concat(out)
    called = s[s["verdict"] == "loser"]
    assert len(called) >= 5
    assert called["below"].mean() >= 0.8


def _tiny(videos: list[dict]) -> tuple[FitModel, pd.DataFrame]:
    products = pd.DataFrame(
        {
            "sku_id": ["A", "B", "C", "D", "E", "F"],
            "product_name": list("ABCDEF"),
            "variation": None,
            "category": "beauty_personal_care",
            "price": [10.0] * 6,
            "currency": "USD",
        }
    )
    v = pd.DataFrame(
        videos,
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
    cells = cells_from_frames(v, products, ["US"])
    model = FitModel(FitRules(draws=2000)).fit(cells, v)
    return model, model.summary().set_index("sku_id")


def _video(i, sku, views, clicks, orders):
    return [
        f"V{i}",
        sku,
        "US",
        pd.Timestamp("2026-01-01"),
        views,
        clicks,
        orders,
        orders * 10.0,
        "USD",
    ]


def test_no_videos_at_all_gives_wide_priors_and_no_verdicts():
    _, s = _tiny([])
    assert (s["verdict"] == "no tests").all()
    assert ((s["p_beat"] > 0.01) & (s["p_beat"] < 0.99)).all()
    assert (s["gpm_hi"] / s["gpm_lo"] > 2).all()  # wide: no false certainty
    assert (s["views_to_settle"] > 0).all()


def test_one_video_zero_views_and_no_videos_never_give_a_verdict():
    vids = [_video(0, "A", 8000, 200, 12), _video(1, "B", 0, 0, 0)]
    vids += [_video(10 + i, "C", 5000, 100, 6) for i in range(3)]
    vids += [_video(20 + i, "D", 5000, 80, 4) for i in range(3)]
    _, s = _tiny(vids)
    assert s.loc["A", "verdict"] == "undecided"  # one lucky video is not a winner
    assert s.loc["B", "verdict"] == "undecided"  # a video nobody watched tells nothing
    assert s.loc["E", "verdict"] == "no tests"
    # the zero-view product keeps the same posterior as one never tested
    assert s.loc["B", "gpm_mean"] == pytest.approx(s.loc["E", "gpm_mean"], rel=0.05)
    assert s.loc["A", "views_to_settle"] > 0 and s.loc["B", "views_to_settle"] > 0
    assert np.isfinite(s[["gpm_mean", "gpm_lo", "gpm_hi", "p_beat"]].to_numpy()).all()


def test_settled_means_the_verdict_is_decided():
    """views_to_settle is 0 exactly when the verdict is winner or loser (with enough tests):
    a product the rules cannot call yet always needs more views."""
    vids = [_video(i, "A", 5000, 150, 15) for i in range(8)]  # converts far above the rest
    vids += [_video(10 + i, "B", 5000, 90, 5) for i in range(8)]
    vids += [_video(20 + i, "C", 5000, 80, 4) for i in range(8)]
    vids += [_video(30 + i, "D", 5000, 40, 1) for i in range(8)]  # far below
    vids += [_video(40 + i, "F", 5000, 85, 4) for i in range(2)]
    _, s = _tiny(vids)
    assert s.loc["A", "verdict"] == "winner" and s.loc["D", "verdict"] == "loser"
    tested = s[s["n_videos"] > 0]
    decided = tested["verdict"].isin(["winner", "loser"])
    assert ((tested["views_to_settle"] == 0) == decided).all(), tested[
        ["verdict", "p_beat", "p_above_loser_bar", "views_to_settle"]
    ]
