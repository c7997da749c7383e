"""Influencer or professional host: candidates for one planned live side by side.

For each candidate the host model predicts the live's views (their room's followers, the ad
budget, the slot) and units per category (their conversion skill there, the line-up's own fit),
hence the expected GMV with an 80% predictive interval (parameter draws plus a live's own
luck, with the variance of the candidate's kind: influencers swing more than professional
hosts, so their interval is wider at the same expected GMV); the cost is the fee plus the
commission on GMV, the contribution is GMV less commission, cost of goods and fee (ad spend is
the same for every candidate and left out), ROI is contribution over the host's cost, and
P(best) is the share of joint posterior draws in which the candidate's expected contribution
beats every other candidate's. All money is in the live's currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from livecart.hosts.performance import PSEUDO, HostModel

DRAWS = 400


@dataclass
class PlannedLive:
    """What a comparison needs to know about the coming live. ``lineup`` has sku_id, category,
    price (live price, local), fit (product-testing model, 1 = typical), unit_cost (local)."""

    market: str
    currency: str
    weekday: int
    hour: int
    minutes: float
    ad_budget: float
    lineup: pd.DataFrame
    store_room: str | None = None
    store_followers: float = 0.0


@dataclass
class Comparison:
    rows: pd.DataFrame
    winner: str | None
    reason: str
    notes: list[str] = field(default_factory=list)
    draws: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # contribution

    def p_better(self, a: str, b: str) -> float:
        """P(a's expected contribution > b's) over the joint parameter draws."""
        return float(np.mean(self.draws[a] > self.draws[b]))

    def as_dict(self) -> dict:
        return {
            "winner": self.winner,
            "reason": self.reason,
            "notes": self.notes,
            "candidates": self.rows.replace({np.nan: None}).to_dict("records"),
        }


def compare_hosts(
    model: HostModel,
    live: PlannedLive,
    candidates: pd.DataFrame,
    seed: int = 0,
    interval: float = 0.8,
) -> Comparison:
    """``candidates``: creator_id, kind, followers, fee (local), commission_rate. Influencers and
    store accounts run the live in their own room; anyone else in the store's room."""
    notes: list[str] = []
    if candidates.empty:
        return Comparison(pd.DataFrame(), None, f"no host can run a {live.market} live", notes)
    rng = np.random.default_rng([seed, 12])
    c = candidates.reset_index(drop=True)
    own_room = c["kind"].isin(["influencer", "store_account"])
    room_followers = np.where(own_room, c["followers"], live.store_followers)
    frame = pd.DataFrame(
        {
            "market": live.market,
            "host_id": c["creator_id"],
            "host_kind": c["kind"],
            "room_followers": room_followers.astype(float),
            "ad_spend": live.ad_budget,
            "minutes": live.minutes,
            "weekday": live.weekday,
            "hour": live.hour,
        }
    )
    lv_mean, lv_var = model.views(frame)
    resid_v = float(model.views_.fit.sigma2_resid[0])
    lv_param = np.maximum(lv_var - resid_v, 1e-6)
    n = len(c)
    views_draw = lv_mean[:, None] + np.sqrt(lv_param)[:, None] * rng.standard_normal((n, DRAWS))
    views_noise = rng.standard_normal((n, DRAWS)) * np.sqrt(resid_v)
    gmv_exp, gmv_pred, cogs_exp = _units_money(
        model, live, c, (lv_mean, views_draw), views_noise, rng
    )
    cost = c["fee"].to_numpy()[:, None] + c["commission_rate"].to_numpy()[:, None] * gmv_exp
    contrib = gmv_exp - cogs_exp - cost
    best_other = np.array(
        [np.max(np.delete(contrib, i, axis=0), axis=0) if n > 1 else -np.inf for i in range(n)]
    )
    lo_q, hi_q = (1 - interval) / 2, (1 + interval) / 2
    rows = pd.DataFrame(
        {
            "host_id": c["creator_id"],
            "kind": c["kind"],
            "followers": c["followers"].astype(int),
            "views": np.exp(lv_mean + lv_var / 2),
            "gmv": gmv_exp.mean(1),
            "gmv_lo": np.quantile(gmv_pred, lo_q, axis=1),
            "gmv_hi": np.quantile(gmv_pred, hi_q, axis=1),
            "fee": c["fee"].to_numpy(),
            "commission_rate": c["commission_rate"].to_numpy(),
            "cost": cost.mean(1),
            "contribution": contrib.mean(1),
            "contribution_lo": np.quantile(contrib, lo_q, axis=1),
            "contribution_hi": np.quantile(contrib, hi_q, axis=1),
            "p_best": (contrib > best_other).mean(1),
            "currency": live.currency,
        }
    )
    rows["roi"] = np.where(rows["cost"] > 0, rows["contribution"] / rows["cost"], np.nan)
    rows = rows.sort_values("contribution", ascending=False, ignore_index=True)
    winner = str(rows["host_id"].iloc[0])
    draws = dict(zip(c["creator_id"], contrib, strict=True))
    return Comparison(rows, winner, explain(rows), notes, draws)


def _units_money(model, live, c, views, views_noise, rng):
    """Draws (candidate x draw) of expected GMV, predictive GMV and expected cost of goods.
    ``views``: each candidate's expected log views and their draws; the conversion rows are
    taken at the expected views (where the baseline is known best, not at one view) and the
    draws move units along the views slope."""
    lv_mean, views_draw = views
    lu = live.lineup
    cats = sorted(lu["category"].unique())
    n = len(lu)
    pinned = live.minutes / max(n, 1)
    browse = 0.25 * (live.minutes - pinned) / max(n, 2)
    lu = lu.assign(exposure=lu["fit"].clip(lower=1e-3) * max(pinned + browse, 0.5))
    hosts = [h for h in c["creator_id"] for _ in cats]
    pair_cats = [k for _ in c["creator_id"] for k in cats]
    eff_mean, eff_cov = model.planned_log_units(
        hosts, pair_cats, live.market, live.minutes, n, np.repeat(lv_mean, len(cats))
    )
    eff = rng.multivariate_normal(eff_mean, eff_cov, DRAWS, method="eigh").T  # (pairs, draws)
    k = len(cats)
    gmv_exp = np.zeros(views_draw.shape)
    gmv_pred = np.zeros(views_draw.shape)
    cogs = np.zeros(views_draw.shape)
    for j, cat in enumerate(cats):
        sel = lu[lu["category"] == cat]
        slope = _coef(model, "log_views")
        log_units = slope * (views_draw - lv_mean[:, None]) + eff[j::k]
        log_units += np.log(sel["exposure"].sum())
        # The interval: each candidate's own kind's live-to-live luck (an influencer's form
        # swings more). The expectation: one lognormal correction for every candidate (see
        # HostModel.mean_noise), so a kind's spread estimated from a few lives cannot inflate
        # its expected GMV and win it the live.
        noise = np.array([model.live_noise(cat, str(kind)) for kind in c["kind"]])[:, None]
        mean_units = np.exp(log_units + model.mean_noise(cat) / 2) - PSEUDO
        noisy = (
            np.exp(
                log_units
                + slope * views_noise
                + rng.standard_normal(log_units.shape) * np.sqrt(noise)
            )
            - PSEUDO
        )
        share = sel["exposure"].to_numpy() / sel["exposure"].sum()
        price = float((share * sel["price"].to_numpy()).sum())
        unit_cost = float((share * sel["unit_cost"].to_numpy()).sum())
        gmv_exp += np.maximum(mean_units, 0) * price
        gmv_pred += np.maximum(noisy, 0) * price
        cogs += np.maximum(mean_units, 0) * unit_cost
    return gmv_exp, gmv_pred, cogs


def _coef(model: HostModel, name: str) -> float:
    cols = model.conv_.columns
    return float(model.conv_.fit.beta[cols.index(name)]) if name in cols else 0.0


def explain(rows: pd.DataFrame) -> str:
    """One sentence: why the first row beats the second (reach, conversion or cost)."""
    w = rows.iloc[0]
    if len(rows) == 1:
        return f"{w['host_id']} is the only candidate"
    r = rows.iloc[1]
    cur = w["currency"]
    gap = w["contribution"] - r["contribution"]
    if gap < 0.05 * max(abs(w["contribution"]), 1e-9):
        return (
            f"too close to call: {w['host_id']} and {r['host_id']} are {gap:,.0f} {cur} apart "
            f"in expected contribution (P(best) {w['p_best']:.2f} and {r['p_best']:.2f})"
        )
    margin = 1.0 - float(w["commission_rate"])
    gmv_gain = margin * (w["gmv"] - r["gmv"])
    cost_gain = r["cost"] - w["cost"]
    reach = np.log(max(w["views"], 1) / max(r["views"], 1))
    conv = np.log(
        max(w["gmv"] / max(w["views"], 1), 1e-12) / max(r["gmv"] / max(r["views"], 1), 1e-12)
    )
    if cost_gain > abs(gmv_gain) and cost_gain > 0:
        return (
            f"{w['host_id']} wins on cost: {w['cost']:,.0f} {cur} against {r['cost']:,.0f} for "
            f"{r['host_id']}, at {w['gmv'] / max(r['gmv'], 1e-9):.2f}x its expected GMV"
        )
    if reach >= conv:
        return (
            f"{w['host_id']} wins on reach: {np.exp(reach):.1f}x the views of {r['host_id']}, "
            f"worth {w['contribution'] - r['contribution']:,.0f} {cur} more contribution after cost"
        )
    return (
        f"{w['host_id']} wins on conversion: {np.exp(conv):.2f}x the GMV per view of "
        f"{r['host_id']}, worth {w['contribution'] - r['contribution']:,.0f} {cur} more "
        "contribution after cost"
    )
