"""A roster request from what the workspace knows: the week's slots per market (local hours),
the professional hosts' availability (the workspace's ``host_availability`` records, or everyone,
always, when there are none), and each
host x slot's expected GMV from the host model:

    value[h, s] = base[m] * exp(e * slot[m, weekday, hour]) * exp(fit[h, m])

``base[m]``: the market's median live GMV per minute (reporting currency) times the slot's
length; ``slot``: the traffic model's weekday and local-hour effects (slot demand), raised to
``e``, the conversion model's elasticity of units to views; ``fit[h, m]``: the host's
conversion effect averaged over the market's category mix (units sold live), against the
average roster host.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from livecart.errors import ConflictError
from livecart.hosts.performance import HostModel
from livecart.hosts.roster_request import RosterHost, RosterRequest, Slot
from livecart.model.schema import WEEKDAYS


def week_slots(
    zones: dict[str, str], week_start: dt.date, hours: tuple[float, ...], minutes: int
) -> list[Slot]:
    out = []
    for m, tz in sorted(zones.items()):
        for d in range(7):
            day = week_start + dt.timedelta(days=d)
            for h in hours:
                hh, mm = int(h), int(round((h - int(h)) * 60))
                start = dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZoneInfo(tz))
                out.append(Slot(m, tz, start, minutes))
    return out


def _first(values: pd.Series, default: float) -> float:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return float(v.iloc[0]) if len(v) else default


def _hours(text: str) -> float:
    h, m = str(text).split(":")
    v = int(h) + int(m) / 60
    if not 0 <= v <= 24:
        raise ValueError(text)
    return v


def roster_hosts(
    creators: pd.DataFrame, zones: dict[str, str], availability: pd.DataFrame | None
) -> list[RosterHost]:
    """Professional hosts with their availability (all day, every day, the markets in the
    creators table, 8 hours a day and 40 a week when no availability is given)."""
    c = creators[creators["kind"] == "pro_host"]
    out = []
    for cid, mk in zip(c["creator_id"], c["markets"].fillna(""), strict=True):
        markets = [x.strip() for x in str(mk).split(",") if x.strip() in zones]
        rows = None if availability is None else availability[availability["host_id"] == cid]
        if rows is not None and len(rows) == 0:
            continue  # listed nowhere in the availability file: not available this week
        windows = {d: (0.0, 24.0) for d in range(7)}
        per_day, per_week = 8.0, 40.0
        if rows is not None:
            windows = {
                WEEKDAYS.index(str(r["weekday"])): (_hours(r["start_time"]), _hours(r["end_time"]))
                for _, r in rows.iterrows()
            }
            listed = rows["markets"].dropna().astype(str)
            listed = listed[listed.str.strip() != ""]
            if len(listed):
                markets = [x.strip() for x in listed.iloc[0].split(",") if x.strip()]
            per_day = _first(rows["max_hours_day"], 8.0)
            per_week = _first(rows["max_hours_week"], 40.0)
        if not markets:
            continue
        out.append(
            RosterHost(cid, markets, zones.get(markets[0], "UTC"), windows, per_day, per_week)
        )
    return out


def unlisted_hosts(
    creators: pd.DataFrame, zones: dict[str, str], availability: pd.DataFrame | None
) -> list[str]:
    """Professional hosts of the rostered markets who have no row in the availability records
    (so the roster leaves them out): the note a user needs when they imported some hosts'
    availability and expect the others on the roster too."""
    if availability is None:
        return []
    c = creators[creators["kind"] == "pro_host"]
    listed = set(availability["host_id"])
    return [
        str(cid)
        for cid, mk in zip(c["creator_id"], c["markets"].fillna(""), strict=True)
        if cid not in listed and any(x.strip() in zones for x in str(mk).split(","))
    ]


def slot_values(
    model: HostModel,
    hosts: list[RosterHost],
    slots: list[Slot],
    to_reporting: Callable[[str], float],
) -> np.ndarray:
    """(hosts, slots) expected GMV in the reporting currency; ``to_reporting(market)`` converts
    one unit of the market's currency."""
    s = model.history_.sessions
    per_min = (s["gmv"] / s["minutes"]).groupby(s["market"]).median()
    overall = float(per_min.median()) if len(per_min) else 0.0
    cells = model.cells_
    mix = cells.groupby(["market", "category"])["units"].sum()
    e = 1.0 + _views_slope(model)
    value = np.zeros((len(hosts), len(slots)))
    fit = _host_fit(model, hosts, sorted({sl.market for sl in slots}), mix)
    keys = sorted({(sl.market, sl.start_local.weekday(), sl.start_local.hour) for sl in slots})
    effects, _var = model.slot_effects(keys)
    cache = dict(zip(keys, effects, strict=True))
    for j, sl in enumerate(slots):
        key = (sl.market, sl.start_local.weekday(), sl.start_local.hour)
        base = float(per_min.get(sl.market, np.nan))
        base = base * to_reporting(sl.market) if np.isfinite(base) else overall
        for i in range(len(hosts)):
            value[i, j] = base * sl.minutes * np.exp(e * cache[key] + fit[i].get(sl.market, 0.0))
    return value


def _views_slope(model: HostModel) -> float:
    cols = model.conv_.columns
    return float(model.conv_.fit.beta[cols.index("log_views")]) if "log_views" in cols else 0.0


def _host_fit(model, hosts, markets, mix) -> list[dict[str, float]]:
    out: list[dict[str, float]] = [{} for _ in hosts]
    ids = [h.host_id for h in hosts]
    for m in markets:
        share = mix.get(m, pd.Series(dtype=float))
        if share.empty:
            continue
        share = share / share.sum()
        total = np.zeros(len(ids))
        for cat, w in share.items():
            eff, _cov = model.effects(ids, [cat] * len(ids))
            total += w * eff
        total -= total.mean()
        for i in range(len(ids)):
            out[i][m] = float(total[i])
    return out


def build_request(
    model: HostModel,
    zones: dict[str, str],
    week_start: dt.date,
    to_reporting: Callable[[str], float],
    *,
    availability: pd.DataFrame | None = None,
    hours: tuple[float, ...] = (12, 19, 21),
    minutes: int = 120,
    rest_hours: float = 1.0,
    require_all: bool = False,
    currency: str = "USD",
) -> RosterRequest:
    creators = model.creators_.reset_index()
    hosts = roster_hosts(creators, zones, availability)
    if not hosts:
        unlisted = unlisted_hosts(creators, zones, availability)
        raise ConflictError(
            "no professional host to roster: add creators of kind pro_host (with the markets "
            "they serve), or list them in the availability file"
            + (f" ({', '.join(unlisted)} have no row there)" if unlisted else "")
        )
    slots = week_slots(zones, week_start, hours, minutes)
    value = slot_values(model, hosts, slots, to_reporting)
    notes = []
    unlisted = unlisted_hosts(creators, zones, availability)
    if unlisted:
        notes.append(
            f"not on the roster, with no row in the availability records: {', '.join(unlisted)} "
            "(import their available days with `livecart import DIR host_availability FILE`)"
        )
    return RosterRequest(hosts, slots, value, rest_hours, require_all, currency, notes)
