"""The host model on a workspace: fit it, rank hosts, and compare candidates for a planned live
(fees converted to the live's currency with the workspace's FX table)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from livecart.errors import ConflictError, NotFoundError
from livecart.hosts.compare import Comparison, PlannedLive, compare_hosts
from livecart.hosts.history import load_history
from livecart.hosts.performance import HostModel
from livecart.store import Workspace

CANDIDATE_KINDS = ("influencer", "pro_host", "store_account")


def load_availability(ws: Workspace) -> pd.DataFrame | None:
    """The imported ``host_availability`` records, or None when there are none (then every
    professional host counts as available all week)."""
    from livecart.store.query import frame, host_availability

    a = frame(ws, host_availability)
    return a if len(a) else None


def fit_workspace(
    ws: Workspace, product_fit: pd.DataFrame | None = None, interval: float = 0.8
) -> HostModel:
    """Fit the host model on every live the workspace holds; ``product_fit`` is the
    product-testing model's fit per SKU x market (``livecart.selection.product_fit(ws)``)."""
    return HostModel(interval).fit(load_history(ws, product_fit))


def rank_hosts(
    model: HostModel, market: str | None = None, category: str | None = None
) -> pd.DataFrame:
    """Hosts by conversion effect (per category), with intervals; ``market`` keeps hosts who
    serve it (or hosted there)."""
    s = model.summary()
    if category is not None:
        if category not in set(s["category"]):
            raise NotFoundError(
                f"unknown category {category!r}: lives here sell {', '.join(model.cats_)}"
            )
        s = s[s["category"] == category]
    if market is not None:
        serve = _serves(model, market)
        s = s[s["host_id"].isin(serve)]
    s = s.sort_values(["category", "effect"], ascending=[True, False], ignore_index=True)
    s["rank"] = s.groupby("category").cumcount() + 1
    return s


def _serves(model: HostModel, market: str) -> set[str]:
    c = model.creators_
    mk = c["markets"].fillna("").astype(str).str.split(",")
    out = {h for h, m in zip(c.index, mk, strict=True) if market in [x.strip() for x in m]}
    hosted = model.history_.sessions
    return out | set(hosted.loc[hosted["market"] == market, "host_id"])


def compare_for_plan(
    ws: Workspace,
    model: HostModel,
    market: str,
    start_local: dt.datetime,
    ad_budget: float,
    *,
    minutes: float = 120,
    skus: list[str] | None = None,
    categories: list[str] | None = None,
    hosts: list[str] | None = None,
    fee_budget: float | None = None,
) -> Comparison:
    """Compare candidate hosts for a live in ``market`` starting at ``start_local`` (market
    time). The line-up is ``skus``, else the market's usual line-up in ``categories`` (its most
    sold products live). ``hosts`` limits the candidates (default: every influencer, pro host
    and store account serving the market); ``fee_budget`` (live currency) drops hosts whose fee
    is above it, and says so."""
    from livecart.store.query import frame, market_zones

    m = frame(ws, market_zones, market=market)
    if m.empty:
        raise NotFoundError(f"unknown market {market!r}: import it in the markets file first")
    cur, tz = str(m["currency"].iloc[0]), str(m["timezone"].iloc[0])
    zone = ZoneInfo(tz)
    local = start_local.astimezone(zone) if start_local.tzinfo else start_local.replace(tzinfo=zone)
    lineup = _lineup(ws, model, market, skus, categories)
    c = _candidates(ws, model, market, hosts, cur, local.date())
    notes: list[str] = []
    if c.empty:
        raise ConflictError(
            f"no host serves {market}: add one to the creators file (kind influencer, pro_host "
            f"or store_account, markets {market})"
        )
    if fee_budget is not None:
        over = c[c["fee"] > fee_budget]
        c = c[c["fee"] <= fee_budget]
        infl = over[over["kind"] == "influencer"]
        if len(infl) and not (c["kind"] == "influencer").any():
            notes.append(
                f"no influencer fits a fee budget of {fee_budget:,.0f} {cur}: the cheapest "
                f"({infl.sort_values('fee')['creator_id'].iloc[0]}) asks "
                f"{infl['fee'].min():,.0f} {cur}"
            )
        elif len(over):
            notes.append(
                f"left out for a fee above {fee_budget:,.0f} {cur}: "
                + ", ".join(over["creator_id"].head(8))
            )
        if c.empty:
            return Comparison(pd.DataFrame(), None, notes[0] if notes else "", notes)
    store = _store_room(model, market)
    live = PlannedLive(
        market,
        cur,
        local.weekday(),
        local.hour,
        float(minutes),
        float(ad_budget),
        lineup,
        store,
        float(model.creators_.at[store, "followers"]) if store else 0.0,
    )
    out = compare_hosts(model, live, c.reset_index(drop=True))
    out.notes = notes + out.notes
    no_lives = [h for h in out.rows["host_id"] if h not in set(model.history_.sessions["host_id"])]
    if no_lives:
        out.notes.append(
            "no lives yet (estimate from their kind, wide interval): " + ", ".join(no_lives[:8])
        )
    if out.winner in no_lives:
        out.notes.append(_untried_winner(out.rows, no_lives))
    return out


KIND_WORDS = {"pro_host": "professional host", "store_account": "store account"}


def _untried_winner(rows: pd.DataFrame, no_lives: list[str]) -> str:
    """A winner who never hosted a live wins on their kind's average: say so, and who is best
    among the candidates the model has seen."""
    w = rows.iloc[0]
    kind = KIND_WORDS.get(str(w["kind"]), str(w["kind"]))
    text = (
        f"the winner, {w['host_id']}, has no lives yet: their figures are the average {kind}'s "
        f"(P(best) {w['p_best']:.2f})"
    )
    seen = rows[~rows["host_id"].isin(no_lives)]
    if len(seen):
        text += (
            f"; the best candidate with lives is {seen['host_id'].iloc[0]} "
            f"(P(best) {seen['p_best'].iloc[0]:.2f})"
        )
    return text


def _store_room(model: HostModel, market: str) -> str | None:
    c = model.creators_
    stores = c[c["kind"] == "store_account"]
    for h, mk in zip(stores.index, stores["markets"].fillna(""), strict=True):
        if market in str(mk).split(","):
            return str(h)
    return None


def _candidates(ws, model, market, hosts, cur, day) -> pd.DataFrame:
    c = model.creators_.reset_index()
    if hosts:
        unknown = [h for h in hosts if h not in set(c["creator_id"])]
        if unknown:
            raise NotFoundError(
                f"unknown host {', '.join(unknown)}: import it as a creator first "
                f"(`livecart hosts rank DIR --market {market}` lists the hosts)"
            )
        c = c[c["creator_id"].isin(hosts)]
    else:
        c = c[c["kind"].isin(CANDIDATE_KINDS) & c["creator_id"].isin(_serves(model, market))]
    from livecart.store.query import fx_table

    fx = fx_table(ws)
    fees = []
    for fee, fcur in zip(c["fee"], c["currency"].fillna(cur), strict=True):
        fees.append(float(fee) * (fx.rate(str(fcur), cur, day) if fee else 1.0))
    return c.assign(fee=fees)[["creator_id", "kind", "followers", "fee", "commission_rate"]]


def _lineup(ws, model, market, skus, categories) -> pd.DataFrame:
    lines = model.history_.lines
    from livecart.store.query import catalog, frame

    products = frame(ws, catalog)
    cost = products[["sku_id", "unit_cost", "price"]].rename(columns={"price": "list_price"})
    ln = lines[lines["market"] == market]
    if skus:
        known = products[["sku_id", "category"]]
        bad = [s for s in skus if s not in set(known["sku_id"])]
        if bad:
            raise NotFoundError(f"unknown SKU {', '.join(bad)}: see `livecart products rank DIR`")
        pick = known[known["sku_id"].isin(skus)]
    else:
        top = ln.groupby(["sku_id", "category"], as_index=False)["units"].sum()
        if categories:
            top = top[top["category"].isin(categories)]
        pick = top.sort_values("units", ascending=False).head(12)[["sku_id", "category"]]
    if pick.empty:
        raise ConflictError(
            f"no line-up for {market}: pass --sku (or categories the market has sold live)"
        )
    price = ln.groupby("sku_id")["price"].median()
    fit = ln.groupby("sku_id")["fit"].median()
    out = pick.merge(cost, on="sku_id", how="left")
    out["price"] = out["sku_id"].map(price)
    # Products never sold live here: list price scaled as the market's live prices are.
    ratio = (out["price"] / out["list_price"]).median()
    out["price"] = out["price"].fillna(out["list_price"] * (ratio if np.isfinite(ratio) else 1))
    out["fit"] = out["sku_id"].map(fit).fillna(1.0)
    scale = out["price"] / out["list_price"]
    out["unit_cost"] = (out["unit_cost"] * scale).fillna(0.3 * out["price"])
    return out[["sku_id", "category", "price", "fit", "unit_cost"]]


def roster_for_workspace(
    ws: Workspace,
    model: HostModel,
    week_start: dt.date,
    *,
    hours: tuple[float, ...] = (12, 19, 21),
    minutes: int = 120,
    rest_hours: float = 1.0,
    require_all: bool = False,
    markets: list[str] | None = None,
    time_limit: float = 10.0,
):
    """The week's store-live roster from ``week_start`` (a Monday is usual). Availability comes
    from the workspace's ``host_availability`` records (``livecart import DIR host_availability
    FILE``); without any every professional host is available all week. Values are in the
    reporting currency."""
    from livecart.hosts.roster import greedy_roster, solve_roster
    from livecart.hosts.slots import build_request
    from livecart.store.query import frame, market_zones

    m = frame(ws, market_zones)
    if markets:
        unknown = sorted(set(markets) - set(m["market"]))
        if unknown:
            raise NotFoundError(
                f"unknown market {', '.join(unknown)}: the workspace has {', '.join(m['market'])}"
            )
        m = m[m["market"].isin(markets)]
    zones = dict(zip(m["market"], m["timezone"], strict=True))
    cur = dict(zip(m["market"], m["currency"], strict=True))
    rep = ws.settings.reporting_currency
    from livecart.store.query import fx_table

    fx = fx_table(ws)
    avail = load_availability(ws)
    req = build_request(
        model,
        zones,
        week_start,
        lambda mk: fx.rate(cur[mk], rep, week_start),
        availability=avail,
        hours=hours,
        minutes=minutes,
        rest_hours=rest_hours,
        require_all=require_all,
        currency=rep,
    )
    return req, solve_roster(req, time_limit=time_limit), greedy_roster(req)
