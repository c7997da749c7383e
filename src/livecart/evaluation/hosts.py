"""How well the host model works, against the demo simulator's hidden truth on held-out seeds
(behind `livecart hosts evaluate`).

For each seed the demo's lives are simulated (no workspace), the host model is fitted, and:

- **recovery**: every host x category with lives, the estimated conversion effect against the
  true ``log(skill x affinity)``, both centred on the category's mean over those hosts:
  Spearman rank correlation, the share of 80% intervals that cover the truth, and the RMSE
  against unpooled per-host means (the mean covariate-adjusted log ratio of each host x
  category's lives, no pooling);
- **decisions**: for two past lives per market used as templates (line-up, length, budget,
  slot), the recommended host (highest expected contribution) against "most followers" and
  "highest past GMV per live" (USD). ``regret`` is scored on the realised contribution: the
  live simulated again with each candidate (same traffic, heat, product buzz and random
  stream, the candidate's skill, reach, form and stock), the contribution of the host with the
  best true expected contribution minus the chosen host's, on that draw; ``regret_expected``
  uses the simulator's expected contribution instead (no draw noise). Each comes with paired
  per-seed differences (rule minus model) and their standard errors. The same redrawn lives
  check `hosts compare`'s 80% GMV intervals: the share of each kind's candidates whose realised
  GMV falls inside (the template's own host left out: the model saw that live);
- **roster**: the expected GMV of the CP-SAT roster of the seed's professional hosts against a
  greedy rule, and the solver's status.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from livecart.evaluation import hosts_data as hd
from livecart.hosts.compare import PlannedLive, compare_hosts
from livecart.hosts.performance import PSEUDO, HostModel, _conv_features

GMV_KINDS = ("influencer", "pro_host", "store_account")


@dataclass
class HostsEvaluation:
    seeds: int
    scale: float
    spearman: float
    coverage_80: float
    rmse: float
    rmse_unpooled: float
    error_reduction_pct: float
    regret: dict[str, float]  # on one realised draw of each live (the room simulated)
    regret_diff: dict[str, dict[str, float | None]]
    regret_expected: dict[str, float]  # on the simulator's expected contribution
    regret_expected_diff: dict[str, dict[str, float | None]]
    contribution: dict[str, float]  # realised contribution of each rule's pick, USD
    # Share of other candidates' realised runs of the template lives inside their 80% GMV
    # interval from `hosts compare`, per host kind, and how many runs that is.
    gmv_coverage_80: dict[str, float | None]
    gmv_coverage_n: dict[str, int]
    roster_gain_pct: float | None
    roster_status: str | None
    decisions: int
    per_seed: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_hosts(
    seeds: int = 20, first_seed: int = 2000, scale: float = 1.0, roster: bool = True
) -> HostsEvaluation:
    t0 = time.perf_counter()
    roster = roster and importlib.util.find_spec("livecart.hosts.roster") is not None
    per_seed = []
    for seed in range(first_seed, first_seed + seeds):
        b = hd.simulate_business(seed, scale)
        model = HostModel().fit(b.history)
        r = recovery(b, model)
        r.update(decisions(b, model))
        if roster:
            r.update(roster_check(b, model))
        r["seed"] = seed
        per_seed.append(r)
    df = pd.DataFrame(per_seed)
    rmse, raw = float(df["rmse"].mean()), float(df["rmse_unpooled"].mean())
    rules = ("model", "followers", "past_gmv")
    regret = {k: float(df[f"regret_{k}"].mean()) for k in rules}
    regret_expected = {k: float(df[f"regret_expected_{k}"].mean()) for k in rules}
    contribution = {k: float(df[f"contribution_{k}"].mean()) for k in rules}
    runs = {k: int(df[f"gmv_n_{k}"].sum()) for k in GMV_KINDS}
    hits = {k: int(df[f"gmv_hits_{k}"].sum()) for k in GMV_KINDS}
    gmv_cov = {k: hits[k] / runs[k] if runs[k] else None for k in GMV_KINDS}
    gain = float(df["roster_gain_pct"].mean()) if roster else None
    status = _worst_status(df["roster_status"]) if roster else None
    return HostsEvaluation(
        seeds=seeds,
        scale=scale,
        spearman=float(df["spearman"].mean()),
        coverage_80=float(df["coverage_80"].mean()),
        rmse=rmse,
        rmse_unpooled=raw,
        error_reduction_pct=100 * (1 - rmse / raw),
        regret=regret,
        regret_diff=_paired(df, "regret"),
        regret_expected=regret_expected,
        regret_expected_diff=_paired(df, "regret_expected"),
        contribution=contribution,
        gmv_coverage_80=gmv_cov,
        gmv_coverage_n=runs,
        roster_gain_pct=gain,
        roster_status=status,
        decisions=int(df["decisions"].sum()),
        per_seed=per_seed,
        seconds=time.perf_counter() - t0,
    )


def _paired(df: pd.DataFrame, prefix: str) -> dict[str, dict[str, float | None]]:
    """Each rule's regret minus the model's (the model's contribution minus the rule's), the
    mean of the per-seed differences and its standard error across seeds."""
    out: dict[str, dict[str, float | None]] = {}
    for k in ("followers", "past_gmv"):
        d = df[f"{prefix}_{k}"] - df[f"{prefix}_model"]
        se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else None
        out[k] = {"mean": float(d.mean()), "se": se}
    return out


def _worst_status(s: pd.Series) -> str:
    return "OPTIMAL" if (s == "OPTIMAL").all() else ", ".join(sorted(set(s)))


def true_effects(b: hd.SimulatedBusiness, hosts: list[str], cats: list[str]) -> np.ndarray:
    w = b.world
    t = np.array([np.log(w.skill[h] * w.affinity[h][c]) for h, c in zip(hosts, cats, strict=True)])
    return _centre(t, cats)


def _centre(v: np.ndarray, cats: list[str]) -> np.ndarray:
    out = v.astype(float).copy()
    cat = np.asarray(cats)
    for c in set(cats):
        out[cat == c] -= out[cat == c].mean()
    return out


def recovery(b: hd.SimulatedBusiness, model: HostModel) -> dict[str, float]:
    cells = model.cells_[["host_id", "category"]].drop_duplicates()
    cells = cells.sort_values(["category", "host_id"])
    hosts, cats = list(cells["host_id"]), list(cells["category"])
    est, cov = model.effects(hosts, cats, centre=True)
    sd = np.sqrt(np.diag(cov))
    truth = true_effects(b, hosts, cats)
    raw = _centre(unpooled(model, hosts, cats), cats)
    return {
        "spearman": float(stats.spearmanr(est, truth)[0]),
        "coverage_80": float(np.mean(np.abs(est - truth) <= model.z * sd)),
        "rmse": float(np.sqrt(np.mean((est - truth) ** 2))),
        "rmse_unpooled": float(np.sqrt(np.mean((raw - truth) ** 2))),
        "pairs": len(hosts),
    }


def unpooled(model: HostModel, hosts: list[str], cats: list[str]) -> np.ndarray:
    """Each host x category's mean log ratio after the covariates (market, views, length,
    line-up size), with no pooling: what a per-host average says (of the lives as observed,
    the product-testing fit as given; the model's product offsets and market x category
    shifts are pooled estimates, learned from the other hosts' lives)."""
    c = model.input_cells_
    x = _conv_features(c, model.markets_, model.cats_).reindex(
        columns=model.conv_.columns, fill_value=0.0
    )
    keep = [i for i, col in enumerate(model.conv_.columns) if not col.startswith(("k_", "c_"))]
    fixed = x.to_numpy()[:, keep] @ model.conv_.fit.beta[keep]
    y = np.log((c["units"] + PSEUDO) / c["exposure"]) - fixed
    means = y.groupby([c["host_id"], c["category"]]).mean()
    return np.array([means.get((h, k), np.nan) for h, k in zip(hosts, cats, strict=True)])


def decisions(b: hd.SimulatedBusiness, model: HostModel, per_market: int = 2) -> dict[str, float]:
    w = b.world
    s = b.history.sessions.set_index("session_id")
    usd = {p.session_id: p.usd for p in b.plans}
    past = (s["gmv"] * s.index.map(usd)).groupby(s["host_id"]).mean()
    kind_of = w.creators.set_index("creator_id")["kind"]
    rules = ("model", "followers", "past_gmv")
    regrets: dict[str, list[float]] = {k: [] for k in rules}
    realised: dict[str, list[float]] = {k: [] for k in rules}
    regrets_r: dict[str, list[float]] = {k: [] for k in rules}
    covered: dict[str, list[bool]] = {k: [] for k in GMV_KINDS}
    for code in sorted(s["market"].unique()):
        templates = [p for p in b.plans if p.market_code == code][-per_market:]
        cands = hd.candidates_of(w, code)
        if len(cands) < 2:
            continue
        for p in templates:
            expected, drawn, drawn_gmv = {}, {}, {}
            for h in cands:
                fee, com = hd.fee_usd(w, h)
                gmv, cogs = hd.true_gmv_usd(w, p, h)
                expected[h] = gmv * (1 - com) - cogs - fee
                gmv, cogs = hd.realised_gmv_usd(w, p, h)
                drawn[h] = gmv * (1 - com) - cogs - fee
                drawn_gmv[h] = gmv / p.usd
            best = max(cands, key=lambda h: expected[h])
            cmp = _model_comparison(model, b, p, cands)
            picks = {
                "model": str(cmp.winner),
                "followers": max(cands, key=lambda h: w.followers[h]),
                "past_gmv": max(cands, key=lambda h: past.get(h, 0.0)),
            }
            for k, h in picks.items():
                regrets[k].append(expected[best] - expected[h])
                regrets_r[k].append(drawn[best] - drawn[h])
                realised[k].append(drawn[h])
            band = cmp.rows.set_index("host_id")
            for h in cands:
                # The other candidates' runs of the live are lives the model never saw.
                if h != p.host_id and kind_of[h] in covered:
                    lo, hi = band.at[h, "gmv_lo"], band.at[h, "gmv_hi"]
                    covered[str(kind_of[h])].append(bool(lo <= drawn_gmv[h] <= hi))
    out = {f"regret_{k}": float(np.mean(v)) for k, v in regrets_r.items()}
    out |= {f"regret_expected_{k}": float(np.mean(v)) for k, v in regrets.items()}
    out |= {f"contribution_{k}": float(np.mean(v)) for k, v in realised.items()}
    out |= {f"gmv_hits_{k}": int(np.sum(v)) for k, v in covered.items()}
    out |= {f"gmv_n_{k}": len(v) for k, v in covered.items()}
    out["decisions"] = len(regrets["model"])
    return out


def _model_comparison(model: HostModel, b: hd.SimulatedBusiness, p, cands: list[str]):
    w = b.world
    local = p.planned_start.astimezone(__import__("zoneinfo").ZoneInfo(hd.MARKETS[p.market][3]))
    fit = model.history_.lines.drop_duplicates(["sku_id", "market"]).set_index(
        ["sku_id", "market"]
    )["fit"]
    lineup = pd.DataFrame(
        {
            "sku_id": p.sku_names,
            "category": w.products["category"].to_numpy()[p.skus],
            "price": p.price,
            "fit": [fit.get((s, p.market_code), 1.0) for s in p.sku_names],
            "unit_cost": w.products["unit_cost"].to_numpy()[p.skus] / p.usd,
        }
    )
    room = hd.store_room(w, p.market_code)
    live = PlannedLive(
        p.market_code,
        p.currency,
        local.weekday(),
        local.hour,
        float(p.minutes),
        float(p.pre_spend.sum() + p.spend.sum()),
        lineup,
        room,
        float(w.followers[room]),
    )
    c = w.creators.set_index("creator_id").loc[cands].reset_index()
    c = c.assign(fee=c["fee"] / p.usd)  # fees are in USD; the live's money is local
    return compare_hosts(model, live, c)


def demo_roster_request(b: hd.SimulatedBusiness, model: HostModel):
    """The week after the demo's history: every market, slots at 12:00, 19:00 and 21:00 local
    (two hours), the professional hosts' availability as the demo build writes it."""
    from livecart.demo.hosting import availability
    from livecart.demo.world import DAYS, START
    from livecart.hosts.slots import build_request

    w = b.world
    zones = dict(zip(w.markets["market"], w.markets["timezone"], strict=True))
    usd = {p.market_code: p.usd for p in b.plans}
    end = (START + dt.timedelta(days=DAYS)).date()
    week = end + dt.timedelta(days=(7 - end.weekday()) % 7)
    avail = availability(w).astype(str)
    return build_request(model, zones, week, lambda m: usd.get(m, 1.0), availability=avail)


def roster_check(b: hd.SimulatedBusiness, model: HostModel) -> dict[str, Any]:
    from livecart.hosts.roster import greedy_roster, solve_roster

    req = demo_roster_request(b, model)
    opt = solve_roster(req, time_limit=10.0)
    greedy = greedy_roster(req)
    gain = 100 * (opt.objective / greedy.objective - 1) if greedy.objective > 0 else 0.0
    return {"roster_gain_pct": float(gain), "roster_status": opt.status}
