"""Market-fit scoring: posterior view-to-click, click-to-order and GMV per 1,000 views for every
product x market, with 80% credible intervals, the probability of beating the category's
benchmark in that market, and the extra test views that would settle it.

Model (see ``betabin`` for the empirical-Bayes details): CTR (clicks per view) and CTOR (orders per
click) each get an independent beta-binomial with category x market priors fitted by marginal
likelihood on design-effect-adjusted counts; view-to-order = CTR x CTOR, GPM = 1,000 x
view-to-order x price, both summarised from Monte Carlo draws of the two Beta posteriors.

The benchmark a product must beat is ``winner_lift`` times the typical product of its category in
that market (the median of the fitted prior of view-to-order); ``P(beat)`` is the posterior
probability that the product's view-to-order rate is above it. "Views to settle" is found by
preposterior simulation (Raiffa & Schlaifer 1961): simulate the next n test views from the
posterior, update, and report the smallest n after which the 80% interval excludes the bar in at
least half of the simulations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from livecart.selection.betabin import BetaPrior, design_effect, fit_prior, video_dispersion
from livecart.selection.evidence import CELL_KEY

SETTLE_GRID = np.unique(np.round(np.geomspace(500, 5_000_000, 25), -2))
DEFAULT_CTR, DEFAULT_CTOR = 0.01, 0.05  # used only when a workspace has no clicks at all


@dataclass(frozen=True)
class FitRules:
    """The knobs of scoring and the winner rule, with their defaults."""

    winner_lift: float = 1.5  # a winner converts views to orders this many times its benchmark
    winner_threshold: float = 0.8  # P(beat) needed to call a winner
    retire_lift: float = 1.0  # a loser converts below this many times its benchmark...
    retire_threshold: float = 0.05  # ...with P(above that) at or below this
    min_videos: int = 2  # minimum test videos before a verdict
    min_views: int = 2000  # minimum test views before a verdict
    interval: float = 0.8  # credible interval width
    draws: int = 2000  # Monte Carlo draws per product x market
    seed: int = 0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


class FitModel:
    """Fit with ``FitModel(rules).fit(cells, videos)``; read ``summary()``."""

    def __init__(self, rules: FitRules | None = None) -> None:
        self.rules = rules or FitRules()

    def fit(self, cells: pd.DataFrame, videos: pd.DataFrame, draw: bool = True) -> FitModel:
        """Estimate dispersion and priors, update every cell; ``draw=False`` skips the Monte
        Carlo draws (posterior means only, for simulation loops)."""
        c = cells.reset_index(drop=True).copy()
        key = c["sku_id"].astype(str) + "|" + c["market"].astype(str)
        vkey = (videos["sku_id"].astype(str) + "|" + videos["market"].astype(str)).to_numpy()
        self.sigma2_ctr_ = video_dispersion(
            videos["views"].to_numpy(), videos["product_clicks"].to_numpy(), vkey
        )
        self.sigma2_ctor_ = video_dispersion(
            videos["product_clicks"].to_numpy(), videos["orders"].to_numpy(), vkey
        )
        group = np.array(list(zip(c["category"], c["market"], strict=True)), dtype=object)
        cat = c["category"].to_numpy()
        n1, k1 = c["views"].to_numpy(float), c["clicks"].to_numpy(float)
        n2, k2 = k1, c["orders"].to_numpy(float)
        p1 = _group_rate(k1, n1, key, c, DEFAULT_CTR)
        p2 = _group_rate(k2, n2, key, c, DEFAULT_CTOR)
        c["deff_ctr"] = design_effect(self.sigma2_ctr_, p1, n1, c["views_sq"].to_numpy(float))
        c["deff_ctor"] = design_effect(self.sigma2_ctor_, p2, n2, c["clicks_sq"].to_numpy(float))
        d1, d2 = c["deff_ctr"].to_numpy(), c["deff_ctor"].to_numpy()
        e1n, e1k, e2n, e2k = n1 / d1, k1 / d1, n2 / d2, k2 / d2
        self.prior_ctr_ = fit_prior(e1k, e1n, group, cat, DEFAULT_CTR)
        a1, b1 = self.prior_ctr_.cell_ab(group)
        c["a_ctr"], c["b_ctr"] = a1 + e1k, b1 + e1n - e1k
        # CTOR leans on the product's CTR: products that make people click tend to make them
        # buy too, and CTOR evidence (orders) is far thinner than CTR evidence (clicks). The
        # covariate is the posterior mean of log CTR centred on its group's prior mean.
        self._log_ctr0 = special.digamma(a1) - special.digamma(a1 + b1)
        a, b = c["a_ctr"].to_numpy(), c["b_ctr"].to_numpy()
        x = special.digamma(a) - special.digamma(a + b) - self._log_ctr0
        xvar = special.zeta(2, a) - special.zeta(2, a + b)
        self.prior_ctor_ = fit_prior(e2k, e2n, group, cat, DEFAULT_CTOR, x=x)
        self._group, self._e2 = group, (e2k, e2n)
        a2, b2 = self.prior_ctor_.cell_ab(group, x, xvar)
        c["a_ctor"], c["b_ctor"] = a2 + e2k, b2 + e2n - e2k
        a2, b2 = self.prior_ctor_.cell_ab(group)  # the typical product's CTOR prior
        c["benchmark_vto"] = _benchmark(a1, b1, a2, b2)
        c["bar_vto"] = self.rules.winner_lift * c["benchmark_vto"]
        c["loser_vto"] = self.rules.retire_lift * c["benchmark_vto"]
        c["effective_views"] = e1n
        self.typical_video_views_ = float(np.median(videos["views"])) if len(videos) else 5000.0
        self.cells_ = c
        if draw:
            self._draw()
        return self

    def posterior_means(self) -> pd.DataFrame:
        """Posterior means without Monte Carlo: CTR, CTOR, view-to-order, GPM (CTR and CTOR
        are independent a posteriori, so the mean of the product is the product of means)."""
        c = self.cells_
        out = c[CELL_KEY].copy()
        out["ctr_mean"] = c["a_ctr"] / (c["a_ctr"] + c["b_ctr"])
        out["ctor_mean"] = c["a_ctor"] / (c["a_ctor"] + c["b_ctor"])
        out["vto_mean"] = out["ctr_mean"] * out["ctor_mean"]
        out["gpm_mean"] = 1000 * out["vto_mean"] * c["price"]
        return out

    def _draw(self) -> None:
        c, r = self.cells_, self.rules
        rng = np.random.default_rng([r.seed, 11])
        shape = (len(c), r.draws)
        ctr = rng.beta(c["a_ctr"].to_numpy()[:, None], c["b_ctr"].to_numpy()[:, None], shape)
        # Each CTR draw sets that draw's CTOR prior (the slope above), so the draws of
        # view-to-order = CTR x CTOR carry the correlation between the two.
        x = np.log(ctr) - self._log_ctr0[:, None]
        a2, b2 = self.prior_ctor_.cell_ab(np.repeat(self._group, r.draws, axis=0), x.ravel())
        e2k, e2n = (np.repeat(e, r.draws) for e in self._e2)
        ctor = rng.beta(a2 + e2k, b2 + e2n - e2k).reshape(shape)
        self.ctr_draws_, self.ctor_draws_ = ctr, ctor
        self.vto_draws_ = ctr * ctor
        self.gpm_draws_ = 1000 * self.vto_draws_ * c["price"].to_numpy()[:, None]

    def summary(self, market: str | None = None, settle: bool = True) -> pd.DataFrame:
        """One row per product x market: raw counts, posterior means and intervals, P(beat),
        verdict and views to settle."""
        c, r = self.cells_, self.rules
        lo_q, hi_q = (1 - r.interval) / 2, (1 + r.interval) / 2
        out = c[
            CELL_KEY
            + [
                "product_name",
                "category",
                "currency",
                "n_videos",
                "views",
                "clicks",
                "orders",
                "gmv",
                "price",
            ]
        ].copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["raw_ctr"] = c["clicks"] / c["views"]
            out["raw_ctor"] = c["orders"] / c["clicks"]
            out["raw_gpm"] = 1000 * c["gmv"] / c["views"]
        for name in ("ctr", "ctor"):
            a, b = c[f"a_{name}"], c[f"b_{name}"]
            out[f"{name}_mean"] = a / (a + b)
            out[f"{name}_lo"] = stats.beta.ppf(lo_q, a, b)
            out[f"{name}_hi"] = stats.beta.ppf(hi_q, a, b)
        for name, d in (("vto", self.vto_draws_), ("gpm", self.gpm_draws_)):
            out[f"{name}_mean"] = d.mean(axis=1)
            out[f"{name}_lo"], out[f"{name}_hi"] = np.quantile(d, [lo_q, hi_q], axis=1)
        out["benchmark_vto"] = c["benchmark_vto"]
        out["bar_vto"] = c["bar_vto"]
        out["benchmark_gpm"] = 1000 * c["bar_vto"] * c["price"]
        out["p_beat"] = (self.vto_draws_ > c["bar_vto"].to_numpy()[:, None]).mean(axis=1)
        out["p_above_loser_bar"] = (self.vto_draws_ > c["loser_vto"].to_numpy()[:, None]).mean(
            axis=1
        )
        out["effective_views"] = c["effective_views"]
        out["verdict"] = self._verdict(out)
        enough = ((out["n_videos"] >= r.min_videos) & (out["views"] >= r.min_views)).to_numpy()
        if settle:
            # Below the minimum evidence nothing counts as settled, whatever the prior says.
            todo = self.views_to_settle(
                out["p_beat"].to_numpy(), out["p_above_loser_bar"].to_numpy(), enough
            )
            short = np.maximum(r.min_views - out["views"].to_numpy(), 0)
            out["views_to_settle"] = np.where(enough, todo, np.maximum(todo, short))
        else:
            out["views_to_settle"] = np.nan
        out["videos_to_settle"] = np.ceil(out["views_to_settle"] / self.typical_video_views_)
        if market is not None:
            out = out[out["market"] == market]
        return out.reset_index(drop=True)

    def _verdict(self, s: pd.DataFrame) -> np.ndarray:
        r = self.rules
        enough = (s["n_videos"] >= r.min_videos) & (s["views"] >= r.min_views)
        return np.select(
            [
                s["n_videos"] == 0,
                enough & (s["p_beat"] >= r.winner_threshold),
                enough & (s["p_above_loser_bar"] <= r.retire_threshold),
            ],
            ["no tests", "winner", "loser"],
            default="undecided",
        )

    def views_to_settle(
        self, p_beat: np.ndarray, p_above_loser: np.ndarray, enough: np.ndarray, sims: int = 48
    ) -> np.ndarray:
        """Extra test views until the verdict is settled: winner (P(beat) >= winner_threshold)
        or loser (P(above the loser bar) <= retire_threshold). Preposterior simulation on a
        grid of extra views (0 = settled already, inf = more than the grid's 5 million views),
        with the log-normal approximation of log CTR + log CTOR (digamma/trigamma moments) to
        judge each simulated posterior quickly."""
        r = self.rules

        def decided(p_win, p_lose):
            return (p_win >= r.winner_threshold) | (p_lose <= r.retire_threshold)

        now = decided(p_beat, p_above_loser) & enough
        out = np.zeros(len(p_beat))
        c = self.cells_[~now]
        rng = np.random.default_rng([r.seed, 12])
        n_cells = len(c)
        a1, b1, a2, b2 = (
            c[x].to_numpy()[:, None, None] for x in ("a_ctr", "b_ctr", "a_ctor", "b_ctor")
        )
        ctr = rng.beta(a1[..., 0], b1[..., 0], (n_cells, sims))[:, :, None]
        ctor = rng.beta(a2[..., 0], b2[..., 0], (n_cells, sims))[:, :, None]
        n = SETTLE_GRID[None, None, :]
        clicks = rng.binomial(n.astype(np.int64), ctr)
        orders = rng.binomial(clicks, ctor)
        d1 = 1 + self.sigma2_ctr_ * ctr * self.typical_video_views_
        d2 = 1 + self.sigma2_ctor_ * ctor * self.typical_video_views_ * ctr
        post = (
            a1 + clicks / d1,
            b1 + (n - clicks) / d1,
            a2 + orders / d2,
            b2 + (clicks - orders) / d2,
        )
        p_win = _p_above(*post, c["bar_vto"].to_numpy()[:, None, None])
        p_lose = _p_above(*post, c["loser_vto"].to_numpy()[:, None, None])
        settled = decided(p_win, p_lose).mean(axis=1) >= 0.5
        out[~now] = np.where(settled.any(axis=1), SETTLE_GRID[np.argmax(settled, axis=1)], np.inf)
        return out


def log_vto_moments(a1, b1, a2, b2) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of log CTR + log CTOR (log view-to-order) for independent
    CTR ~ Beta(a1, b1) and CTOR ~ Beta(a2, b2): E log X = digamma(a) - digamma(a + b) and
    Var log X = trigamma(a) - trigamma(a + b) for X ~ Beta(a, b)."""
    m = (
        special.digamma(a1)
        - special.digamma(a1 + b1)
        + special.digamma(a2)
        - special.digamma(a2 + b2)
    )
    # zeta(2, x) is the trigamma function, as a fast ufunc
    v = (
        special.zeta(2, a1)
        - special.zeta(2, a1 + b1)
        + special.zeta(2, a2)
        - special.zeta(2, a2 + b2)
    )
    return m, v


def _p_above(a1, b1, a2, b2, bar) -> np.ndarray:
    """P(CTR x CTOR > bar) with log CTR and log CTOR approximated as normals."""
    m, v = log_vto_moments(a1, b1, a2, b2)
    return stats.norm.sf((np.log(bar) - m) / np.sqrt(v))


def _group_rate(k, n, key, c, fallback) -> np.ndarray:
    """Pooled rate of each cell's category x market (for the design effect's p)."""
    df = pd.DataFrame({"g": c["category"] + "|" + c["market"], "k": k, "n": n})
    sums = df.groupby("g")[["k", "n"]].transform("sum")
    overall = k.sum() / n.sum() if n.sum() > 0 else fallback
    rate = (sums["k"] / sums["n"]).where(sums["n"] > 0, overall)
    return rate.to_numpy(float)


def _prior_for(prior: BetaPrior, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gi = {g: i for i, g in enumerate(prior.groups)}
    idx = np.array([gi[tuple(g)] for g in group], dtype=int)
    return prior.a[idx], prior.b[idx]


def _benchmark(a1, b1, a2, b2) -> np.ndarray:
    """Median view-to-order of a typical product: the product of the two prior medians."""
    return stats.beta.median(a1, b1) * stats.beta.median(a2, b2)
