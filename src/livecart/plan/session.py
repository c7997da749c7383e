"""The session plan: one object holding the line-up and run of show, the hosts, the stock per
SKU, the budget plan and pacing (2:6:2 or an optimized split), and the golden-hour targets the
live monitor tracks. `create_plan` makes one from the workspace's data."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from livecart.ads import (
    RULE_262,
    Windows,
    budget_plan,
    check_bounds,
    fit_response,
    optimize_split,
    phase_history,
    usd_rate,
)
from livecart.errors import LivecartError
from livecart.plan import neighbours
from livecart.plan.runofshow import (
    Guidance,
    Slot,
    assign_roles,
    build_slots,
    check_guidance,
    hero_notes,
    schedule,
)
from livecart.store import Workspace


class AdSettings(BaseModel):
    """How the plan's ad part was made (amounts in the market's currency), stored with the plan
    so an edit of the budget or the bounds makes it again the way `create_plan` did."""

    model_config = ConfigDict(ser_json_inf_nan="strings")

    budget: float
    min_spend: tuple[float, float, float] | None = None
    max_spend: tuple[float, float, float] | None = None
    objective: str = "gmv"
    margin: float = 0.4
    roas_floor: float = 2.0
    extrapolate: bool = False
    use_rule: bool = False
    seed: int = 0
    n_boot: int = 100

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo = np.zeros(3) if self.min_spend is None else np.asarray(self.min_spend, float)
        hi = np.full(3, np.inf) if self.max_spend is None else np.asarray(self.max_spend, float)
        return lo, hi


class SessionPlan(BaseModel):
    plan_id: str = ""
    version: int = 1
    title: str = ""
    market: str
    timezone: str
    currency: str
    start_utc: dt.datetime
    start_local: str
    minutes: int
    hosts: list[str]
    session_id: str | None = None
    budget: dict = Field(default_factory=dict)
    ads: dict = Field(default_factory=dict)
    ad_settings: AdSettings | None = None  # None: a plan saved before settings were stored
    lineup: list[Slot] = Field(default_factory=list)
    guidance: Guidance = Field(default_factory=Guidance)
    guidance_notes: list[str] = Field(default_factory=list)
    lineup_notes: list[str] = Field(default_factory=list)  # e.g. fewer products than asked
    target_notes: list[str] = Field(default_factory=list)  # the targets against the curves
    stock_source: str = ""
    targets: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def monitor_targets(self) -> dict[str, float]:
        """Golden-hour targets as `livecart monitor --plan FILE` reads them."""
        return {k: v for k, v in self.targets.items() if k in neighbours.TARGET_KEYS}


def parse_start(start: str | dt.datetime, tz: str, now: dt.datetime | None, past_ok: bool):
    """A start in the market's local time to UTC; a start in the past is refused."""
    if isinstance(start, str):
        try:
            local = dt.datetime.fromisoformat(start.strip())
        except ValueError:
            raise LivecartError(
                f"cannot read the start {start!r}: write it as YYYY-MM-DD HH:MM in the "
                "market's local time, e.g. 2026-12-01 19:00"
            ) from None
    else:
        local = start
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(tz))
    utc = local.astimezone(dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    if utc <= now and not past_ok:
        raise LivecartError(
            f"the start {local:%Y-%m-%d %H:%M} ({tz}) is in the past: plan a coming live "
            "(or link a recorded one with --session for a retro)",
            dashboard=f"the start {local:%Y-%m-%d %H:%M} ({tz}) is in the past: plan a coming "
            "live (or, for a retro, name a recorded one in 'Link to a recorded live')",
        )
    return utc, local.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def check_hosts(ws: Workspace, hosts: list[str], market: str) -> list[str]:
    known = neighbours.known_hosts(ws)
    notes = []
    for h in hosts:
        row = known[known["creator_id"] == h]
        if row.empty:
            sample = known[known["markets"].fillna("").str.contains(market)]
            sample = sample[sample["kind"].isin(["pro_host", "influencer", "store_account"])]
            hint = ", ".join(sample["creator_id"].head(5)) or "none"
            raise LivecartError(
                f"unknown host {h!r}: import it as a creator first; hosts for {market} "
                f"include {hint}"
            )
        mk = str(row.iloc[0]["markets"] or "")
        if mk and market not in mk.split(","):
            notes.append(f"host {h} serves {mk}, not {market}")
    return notes


def pick_candidates(c: pd.DataFrame, skus: list[str] | None, all_skus: set[str]) -> pd.DataFrame:
    if not skus:
        return c
    bad = [s for s in skus if s not in all_skus]
    if bad:
        raise LivecartError(
            f"unknown SKU {', '.join(bad)}: see `livecart products rank DIR` for the catalogue",
            dashboard=f"unknown SKU {', '.join(bad)}: the Products page lists the catalogue",
        )
    missing = [s for s in skus if s not in set(c["sku_id"])]
    if missing:
        raise LivecartError(f"SKU {', '.join(missing)} is not sold in this market")
    return c[c["sku_id"].isin(skus)]


def ad_split(ws, budget_usd, lo_usd, hi_usd, objective, seed, n_boot, use_rule, market=None, **kw):
    """The optimized split (``kw``: margin, roas_floor, extrapolate for `optimize_split`), and
    what the curves expect at ``market``'s median past spend (the spend behind its targets)."""
    if use_rule:
        return None, {"source": "2:6:2 rule (asked for)"}
    hist = phase_history(ws)
    model = fit_response(hist, n_boot=n_boot, seed=seed)
    split = optimize_split(
        model, budget_usd, lo_usd=lo_usd, hi_usd=hi_usd, objective=objective, **kw
    )
    return split, split.as_dict() | {"sessions": model.n_sessions_} | _at_median(
        model, hist, market
    )


def _at_median(model, hist: pd.DataFrame, market: str | None) -> dict:
    """The market's median past ad spend per phase (USD) and the GMV the curves expect of it."""
    h = hist[hist["market"] == market] if market else hist
    draws = model.draws_ or ([model.curves_] if model.curves_ else [])
    if h.empty or not draws:
        return {}
    med = h[[f"spend_{p}" for p in ("pre_live", "live", "closing")]].median().to_numpy(float)
    gmv = float(np.mean([c.response(med).sum() for c in draws]))
    top = None if model.total_range_ is None else float(model.total_range_[1])
    return {
        "median_spend_usd": float(med.sum()),
        "expected_gmv_median_spend_usd": gmv,
        "past_total_high_usd": top,
    }


def create_plan(
    ws: Workspace,
    market: str,
    start: str | dt.datetime,
    budget: float,
    hosts: list[str] | None = None,
    *,
    minutes: int = 120,
    skus: list[str] | None = None,
    n_products: int = 10,
    windows: Windows | None = None,
    min_spend: tuple[float, float, float] | None = None,
    max_spend: tuple[float, float, float] | None = None,
    objective: str = "gmv",
    margin: float = 0.4,
    roas_floor: float = 2.0,
    extrapolate: bool = False,
    use_rule: bool = False,
    guidance: Guidance | None = None,
    enforce_guidance: bool = True,
    session_id: str | None = None,
    title: str = "",
    now: dt.datetime | None = None,
    seed: int = 0,
    n_boot: int = 100,
    advise: bool = True,
) -> SessionPlan:
    """Make a session plan. Without ``hosts`` (and with ``advise``) the host with the highest
    expected contribution is proposed; with hosts, a clearly better one is noted. ``budget``
    and the phase bounds are in the market's currency; ``start`` is the market's local time.
    Raises LivecartError on input it cannot use."""
    info = neighbours.market_info(ws, market)
    cur, tz = info["currency"], info["timezone"]
    ad = AdSettings(
        budget=budget,
        min_spend=min_spend,
        max_spend=max_spend,
        objective=objective,
        margin=margin,
        roas_floor=roas_floor,
        extrapolate=extrapolate,
        use_rule=use_rule,
        seed=seed,
        n_boot=n_boot,
    )
    check_bounds(budget, *ad.bounds())
    start_utc, start_local = parse_start(start, tz, now, past_ok=session_id is not None)
    w = windows or Windows(live_minutes=minutes)
    w.check()
    g = guidance or Guidance()
    notes = check_hosts(ws, hosts or [], market)
    bp, ads = plan_ads(ws, ad, cur, start_utc, w, market)
    plan = SessionPlan(
        title=title or f"{market} live {start_local}",
        market=market,
        timezone=tz,
        currency=cur,
        start_utc=start_utc,
        start_local=start_local,
        minutes=w.live_minutes,
        hosts=hosts or [],
        session_id=session_id,
        budget=bp,
        ads=ads,
        ad_settings=ad,
        guidance=g,
        notes=notes,
    )
    lineup(ws, plan, skus, n_products, enforce_guidance)
    if advise:
        from livecart.plan.hostadvice import advise_host

        advise_host(ws, plan, budget)
    plan.targets = targets(ws, plan)
    plan.target_notes = target_notes(plan)
    return plan


def plan_ads(
    ws: Workspace,
    ad: AdSettings,
    cur: str,
    start_utc: dt.datetime,
    w: Windows,
    market: str | None = None,
) -> tuple[dict, dict]:
    """The plan's budget (spend per phase and pacing) and its ads part (the split, why, notes)
    for the settings ``ad``: what `create_plan` stores, and what an edit of the budget or the
    bounds makes again."""
    lo, hi = ad.bounds()
    budget = ad.budget
    check_bounds(budget, lo, hi)
    rate = usd_rate(ws, cur, start_utc.date())
    split, ads = ad_split(
        ws,
        budget * rate,
        lo * rate,
        hi * rate,
        ad.objective,
        ad.seed,
        ad.n_boot,
        ad.use_rule,
        market,
        margin=ad.margin,
        roas_floor=ad.roas_floor,
        extrapolate=ad.extrapolate,
    )
    shares = split.shares if split is not None else RULE_262
    source = "optimized split" if split is not None and split.recommended else "2:6:2 rule"
    spent = float(sum(shares))
    if spent < 1 - 1e-6:  # profit or ROAS objectives may leave part of the budget unspent
        ads.setdefault("notes", []).append(
            f"spends {budget * spent:,.2f} of the {budget:,.2f} {cur} budget ({ad.objective}); "
            f"{budget * (1 - spent):,.2f} {cur} left unspent"
        )
        budget, shares = budget * spent, tuple(s / spent for s in shares)
    bp = budget_plan(
        budget,
        cur,
        shares=shares,
        windows=w,
        min_spend=tuple(lo),
        max_spend=tuple(hi),
        source=source,
    )
    return bp.as_dict(), ads | {"usd_per_unit": rate}


def lineup(ws: Workspace, plan: SessionPlan, skus, n_products: int, enforce: bool) -> None:
    """Fill the plan's line-up and run of show."""
    c = neighbours.candidates(ws, plan.market)
    from livecart.store.query import catalog, frame

    all_skus = set(frame(ws, catalog)["sku_id"])
    c = pick_candidates(c, skus, all_skus)
    n = len(skus) if skus else n_products
    if n < plan.guidance.min_products and enforce:
        raise LivecartError(
            f"{n} products is fewer than the guidance's {plan.guidance.min_products}: add "
            "products or pass --no-guidance",
            dashboard=f"{n} products is fewer than the guidance's "
            f"{plan.guidance.min_products}: ask for more products",
        )
    picks = assign_roles(c, n, plan.guidance)
    plan.lineup_notes = [] if len(picks) >= n else [short_lineup(c, n, len(picks), plan.market)]
    plan.lineup_notes += hero_notes(c, picks)
    stock, plan.stock_source = neighbours.stock_for(ws, plan.session_id, [s for s, _ in picks])
    plan.lineup = build_slots(c, picks, plan.currency, stock)
    reschedule(plan)
    check_plan(plan)


def short_lineup(c: pd.DataFrame, asked: int, placed: int, market: str) -> str:
    """Why the line-up holds fewer products than asked: the candidates there are, the losers
    left out, or roles that products without evidence cannot take."""
    losers = c.loc[c["verdict"].fillna("") == "loser", "sku_id"].tolist()
    usable = len(c) - len(losers)
    out = f"{asked} products asked for, {placed} placed: {len(c)} SKUs are on sale in {market}"
    if losers:
        named = f" ({', '.join(losers)})" if len(losers) <= 5 else ""
        out += f", {len(losers)} left out as losers of the market-fit test{named}"
    if placed < usable:
        out += (
            f"; of the {usable} others only {placed} fit a role (heroes need proven products, "
            "untested ones go only under test, at most 2 SKUs a product)"
        )
    return out


def check_plan(plan: SessionPlan) -> None:
    """Set the plan's guidance notes from its line-up's roles and pins."""
    pins = [pin for s in plan.lineup for pin in s.pins]
    plan.guidance_notes = check_guidance([s.role for s in plan.lineup], plan.guidance, pins)


def refresh_slots(ws: Workspace, plan: SessionPlan, stock: dict | None = None) -> None:
    """Rebuild each slot's live price and talking points from its role, its product's data and
    ``stock`` (default: the stock the slots hold), as `create_plan` builds them; position, pins
    and talking points added by hand are kept. A SKU no longer in the market's candidates
    keeps its slot as it was."""
    c = neighbours.candidates(ws, plan.market)
    known = set(c["sku_id"])
    if stock is None:
        stock = {s.sku_id: s.stock for s in plan.lineup if s.stock is not None}
    picks = [(s.sku_id, s.role) for s in plan.lineup if s.sku_id in known]
    fresh = {f.sku_id: f for f in build_slots(c, picks, plan.currency, stock)}
    for s in plan.lineup:
        f = fresh.get(s.sku_id)
        if f is not None:
            s.price, s.list_price, s.stock, s.why = f.price, f.list_price, f.stock, f.why
            s.talking_points = f.talking_points + s.added_points


def reschedule(plan: SessionPlan) -> None:
    w = plan.budget.get("windows", {})
    schedule(
        plan.lineup, plan.minutes, int(w.get("closing_minutes", 30)), plan.guidance.min_pin_minutes
    )


def targets(ws: Workspace, plan: SessionPlan) -> dict[str, float]:
    """Golden-hour targets: the market's median first hour, and the plan's golden-hour spend."""
    h = neighbours.golden_history(ws, plan.market)
    gh = float(sum(plan.budget["per_minute"][:60]))
    keys = ("gmv", "orders", "entries", "session_gmv", "session_orders")
    out = {k: round(h[k], 2) for k in keys if k in h}
    out["ad_spend"] = round(gh, 2)
    return out


TARGET_GAP = 0.10  # share of the session target the curves' expected change must reach to be noted


def target_notes(plan: SessionPlan) -> list[str]:
    """The targets are the market's median past live, made at its median ad spend; when the
    response curves expect this plan's spend to move GMV by at least TARGET_GAP of the session
    target, say by how much (the targets themselves are not changed: the curves model
    ad-attributed GMV, pooled over markets, not a session's GMV)."""
    a, t = plan.ads, plan.targets
    need = ("expected_gmv_usd", "expected_gmv_median_spend_usd", "median_spend_usd")
    if not all(k in a for k in need) or not t.get("session_gmv"):
        return []
    rate = float(a.get("usd_per_unit", 1.0))
    delta = (a["expected_gmv_usd"] - a["expected_gmv_median_spend_usd"]) / rate
    if not np.isfinite(delta) or abs(delta) < TARGET_GAP * t["session_gmv"]:
        return []
    cur, spend = plan.currency, a.get("spend_usd", a.get("budget_usd", 0.0)) / rate
    note = (
        f"the golden-hour and session targets are the median past {plan.market} live "
        f"(session GMV {t['session_gmv']:,.0f} {cur}), "
        f"made at a median ad spend of {a['median_spend_usd'] / rate:,.0f} {cur}; for this "
        f"plan's {spend:,.0f} {cur} the response curves expect {abs(delta):,.0f} {cur} "
        f"{'more' if delta > 0 else 'less'} ad-attributed GMV ({delta / t['session_gmv']:+.0%} "
        "of the session target), which the targets do not count"
    )
    top = a.get("past_total_high_usd")
    if top is not None and spend * rate > top:
        note += "; beyond past sessions' spend the curves are extrapolated"
    return [note]
