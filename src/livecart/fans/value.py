"""Customer value per buyer and per segment: P(alive), expected purchases and discounted value
over a horizon, from a BG/NBD with follower / fan-club covariates and a Gamma-Gamma on spend.

Fit: histories end at a late join (`buyer_histories(censor_at_join=True)`) so each one is seen
under the status it had from its first purchase (the model's covariates are time-invariant).
Predict: every buyer's full history with her status today. Value over ``horizon_weeks``, in
13-week steps, discounted at ``annual_discount`` a year:
``sum_k (E[X(t_k)] - E[X(t_(k-1))]) * E[order value] / (1 + d)^(t_k / 52)``.
Intervals come from draws of both models' parameters (their asymptotic normal): they carry the
estimation uncertainty, not the luck of one buyer's future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from livecart.errors import FitError
from livecart.fans.bgnbd import BetaGeoModel
from livecart.fans.gammagamma import GammaGammaModel
from livecart.fans.histories import group_histories
from livecart.fans.purchases import Purchases
from livecart.fans.rfm import COVARIATES, buyer_histories


@dataclass
class ValueModel:
    """Fitted models and per-buyer predictions (``buyers``) with 80% intervals."""

    purchase_model: BetaGeoModel
    spend_model: GammaGammaModel | None
    buyers: pd.DataFrame
    horizon_weeks: int
    annual_discount: float
    currency: str
    notes: list[str]


def fit_value(
    p: Purchases,
    *,
    horizon_weeks: int = 52,
    annual_discount: float = 0.10,
    n_draws: int = 40,
    seed: int = 0,
) -> ValueModel:
    notes = list(p.notes)
    fit_h = buyer_histories(p, censor_at_join=True)
    covs = [c for c in COVARIATES if fit_h[c].sum() >= 30] if p.has_follow_data else []
    dropped = sorted(set(COVARIATES) - set(covs))
    if p.has_follow_data and dropped:
        notes.append(f"fewer than 30 buyers with status {', '.join(dropped)}: not modelled")
    bg = BetaGeoModel(covariates=covs).fit(
        fit_h["x"], fit_h["t_x"], fit_h["T"], fit_h[covs].to_numpy() if covs else None
    )
    h = buyer_histories(p)
    gg = None
    repeat = h[(h["x"] > 0) & h["m"].notna() & (h["m"] > 0)]
    try:
        gg = GammaGammaModel().fit(repeat["x"], repeat["m"])
    except FitError as e:
        notes.append(f"{e}; value uses each buyer's first order value instead")
    now = [f"{c}_now" for c in covs]
    out = _predict(h, bg, gg, now, horizon_weeks, annual_discount, n_draws, seed)
    return ValueModel(bg, gg, out, horizon_weeks, annual_discount, p.currency, notes)


def _predict(h, bg, gg, now, horizon, discount, n_draws, seed) -> pd.DataFrame:
    z = h[now].to_numpy() if now else None
    g = group_histories(h["x"], h["t_x"], h["T"], z)
    gz = g.z if now else None
    spend_x = h["x"].to_numpy()
    spend_m = h["m"].fillna(0).to_numpy()
    fallback = float(np.nanmean(h["first_value"])) if gg is None else None
    steps = np.arange(13, horizon + 1, 13, dtype=float)
    if not len(steps) or steps[-1] != horizon:
        steps = np.append(steps, float(horizon))

    def one(theta_bg, theta_gg):
        alive = bg.p_alive(g.x, g.t_x, g.T, gz, theta_bg)
        cum = np.array([bg.expected_purchases(t, g.x, g.t_x, g.T, gz, theta_bg) for t in steps])
        inc = np.diff(np.vstack([np.zeros(len(g.x)), cum]), axis=0)
        disc = (1 + discount) ** (-steps / 52)
        spend = (
            np.full(len(spend_x), fallback)
            if gg is None
            else gg.expected_order_value(spend_x, spend_m, theta_gg)
        )
        purchases = (disc[:, None] * inc).sum(axis=0)
        return alive[g.inverse], cum[-1][g.inverse], purchases[g.inverse] * spend

    alive, purchases, value = one(None, None)
    bg_draws = bg.parameter_draws(n_draws, seed)
    gg_draws = gg.parameter_draws(n_draws, seed + 1) if gg is not None else [None] * n_draws
    sims = [one(a, b) for a, b in zip(bg_draws, gg_draws, strict=True)]
    out = h[["market", "x", "t_x", "T", "m", "follower_now", "fan_club_now", "first_day"]].copy()
    out["p_alive"] = alive
    out["expected_purchases"] = purchases
    out["value"] = value
    for i, name in enumerate(("p_alive", "expected_purchases", "value")):
        arr = np.array([s[i] for s in sims])
        out[f"{name}_lo"], out[f"{name}_hi"] = np.quantile(arr, [0.1, 0.9], axis=0)
    out.attrs["value_draws"] = np.array([s[2] for s in sims])
    return out


def segment_value(vm: ValueModel, segment: pd.Series) -> pd.DataFrame:
    """Buyers, mean P(alive), total expected purchases and value per segment, with 80%
    intervals on the totals from the parameter draws."""
    draws = vm.buyers.attrs["value_draws"]
    rows = []
    for name, idx in vm.buyers.groupby(segment.reindex(vm.buyers.index)).indices.items():
        tot = draws[:, idx].sum(axis=1)
        b = vm.buyers.iloc[idx]
        rows.append(
            {
                "segment": name,
                "buyers": len(idx),
                "p_alive": float(b["p_alive"].mean()),
                "expected_purchases": float(b["expected_purchases"].sum()),
                "value": float(b["value"].sum()),
                "value_lo": float(np.quantile(tot, 0.1)),
                "value_hi": float(np.quantile(tot, 0.9)),
            }
        )
    return pd.DataFrame(rows)
