"""Session plans: when and where each live runs, who hosts, the line-up with prices, stock and pin
schedule, the ad budget by phase, and the expected traffic and demand the room simulator
(`room.py`) draws from. Plans are drawn from ``default_rng([seed, 1])`` before any event, so
``session_events`` can rebuild one session's plan without simulating the others.

Session demand follows Xu et al. (2025): conversion per view carries the multiplier
``m = (V/V0)^(e_v - 1) * (T/T0)^e_t * (N/N0)^e_n`` so that sales scale as views^e_v,
duration^e_t and line-up size^e_n (`XU`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from scipy.signal import lfilter

from livecart.demo import hosting
from livecart.demo.world import DAYS, MARKETS, START, World, round_price

SOURCES = ("foryou", "follows", "video", "ads", "search", "other")
STAY_MIN = np.array([1.0, 3.0, 2.0, 0.8, 2.5, 1.5])  # mean stay by source, minutes (assumption)
XU = {
    "views": 0.78,
    "duration": 1.09,
    "products": 0.68,
    "v0": 20000.0,
    "t0": 120.0,
    "n0": 12.0,
    "click_share": 0.6,
    "minutes_per_view": 1.3,
}  # generator exponents; click_share of m goes to clicks, rest to CTOR
LIVE = {
    "click_hazard": 0.05,
    "ctor": 0.07,
    "browse_share": 0.25,
    "atc_rate": 0.45,
    "extra_units_mean": 0.25,
    "foryou_per_min": 110.0,
    "follower_reach": 0.02,
    "entries_per_usd": 6.0,
    "heat_sd": 0.3,
    "buzz_sd": 0.4,
    "foryou_sd": 0.7,
}
GOLDEN = {"gamma": 1.0, "minutes": 60, "clip": 3.0}
ADS = {
    "beta_usd": {"pre_live": 1000.0, "live": 3000.0, "closing": 1200.0},
    "half_sat_usd": {"pre_live": 300.0, "live": 900.0, "closing": 350.0},
    "shape": {"pre_live": 1.2, "live": 1.4, "closing": 1.2},
    "carryover": 0.3,
    "noise_sd": 0.15,
    "budget_median_usd": 1200.0,
    "budget_sd": 0.6,
    "split": (0.2, 0.6, 0.2),
    "split_concentration": 60.0,
    "off_rule_share": 0.15,
    "pre_live_hours": 24,
}
ROLE_DISCOUNT = {"hook": 0.35, "hero": 0.15, "profit": 0.05, "test": 0.10, "closing": 0.25}


@dataclass
class SessionPlan:
    index: int
    session_id: str
    market: int
    planned_start: dt.datetime
    start: dt.datetime  # actual start, UTC
    minutes: int
    host_id: str
    room: str
    skus: np.ndarray  # SKU indices in line-up order
    roles: list[str]
    price: np.ndarray  # local live price per line-up SKU
    stock: np.ndarray
    pin: np.ndarray  # (minutes,) line-up position pinned
    rate: np.ndarray  # (6, minutes) expected entries per minute by source, neutral golden hour
    click: np.ndarray  # (n,) clicks per viewer-minute while pinned
    ctor: np.ndarray  # (n,) orders per click
    heat: float  # first-hour multiplier on For You traffic and clicks
    buzz: np.ndarray  # (n,) hidden per-SKU demand shock the warm-ups reveal
    spend: np.ndarray  # (minutes,) live ad spend per minute, local currency
    closing_from: int  # first minute of the closing phase
    pre_spend: np.ndarray  # (24,) hourly pre-live spend, local currency
    usd: float  # USD per unit of local currency on the session day
    expected_units: np.ndarray  # (n,) unconstrained, neutral golden hour
    expected_entries_60: float
    expected_orders_60: float
    views_plan: float
    xu_m: float
    sku_names: list[str] = field(default_factory=list)
    host_form: float = 1.0  # the host's CTOR multiplier on this live (hosting.host_form)
    demand: float = 1.0  # For You multiplier of the market, weekday and local hour

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    @property
    def currency(self) -> str:
        return MARKETS[self.market][2]

    @property
    def market_code(self) -> str:
        return MARKETS[self.market][0]


def n_sessions(scale: float) -> int:
    return max(4, round(150 * scale))


def make_plans(w: World) -> list[SessionPlan]:
    """Draw every session's plan, in start-time order (ids L0001, L0002, ...)."""
    rng = np.random.default_rng([w.seed, 1])
    n = n_sessions(w.scale)
    shares = np.array([m[7] for m in MARKETS])
    mk = rng.choice(len(MARKETS), size=n, p=shares / shares.sum())
    starts = [_start_time(rng, int(m)) for m in mk]
    order = np.argsort([s.timestamp() for s in starts], kind="stable")
    return [_plan(w, rng, i, int(mk[k]), starts[k]) for i, k in enumerate(order)]


def _start_time(rng: np.random.Generator, m: int) -> dt.datetime:
    day = START + dt.timedelta(days=int(rng.integers(35, DAYS - 1)))
    hour = int(rng.choice([12, 19, 20, 21], p=[0.15, 0.3, 0.35, 0.2]))
    local = dt.datetime(
        day.year, day.month, day.day, hour, int(rng.choice([0, 30])), tzinfo=ZoneInfo(MARKETS[m][3])
    )
    return local.astimezone(dt.UTC)


def _host(w: World, rng: np.random.Generator, m: int) -> tuple[str, str]:
    code = MARKETS[m][0]
    c = w.creators
    room = next(c for c, mk in _store_markets(w) if code in mk)
    u = rng.random()
    if u < 0.25:
        infl = c[(c["kind"] == "influencer") & (c["markets"] == code)]["creator_id"].tolist()
        if infl:
            pick = str(rng.choice(infl))
            return pick, pick
    if u < 0.85:
        hosts = c[(c["kind"] == "pro_host") & (c["markets"] == code)]["creator_id"].tolist()
        hosts = hosts or c[c["kind"] == "pro_host"]["creator_id"].tolist()
        return str(rng.choice(hosts)), room
    return room, room


def _store_markets(w: World) -> list[tuple[str, list[str]]]:
    s = w.creators[w.creators["kind"] == "store_account"]
    return [(cid, mk.split(",")) for cid, mk in zip(s["creator_id"], s["markets"], strict=True)]


def _lineup(w: World, rng: np.random.Generator, m: int) -> tuple[np.ndarray, list[str]]:
    """N SKUs drawn by the brand's noisy estimate of fit; roles as the platform's guidance has
    them (hooks first, heroes, profit, products under test, a closing offer)."""
    carried = np.flatnonzero(w.carried[:, m])
    n = int(min(round(np.exp(rng.uniform(np.log(6), np.log(30)))), len(carried)))
    est = w.fit[carried, m] + rng.normal(0, 0.4, len(carried))
    p = np.exp(est - est.max())
    pick = rng.choice(carried, size=n, replace=False, p=p / p.sum())
    est_pick = w.fit[pick, m] + rng.normal(0, 0.4, n)
    price = w.products["price"].to_numpy()[pick]
    hooks = list(np.argsort(price, kind="stable")[:2])
    rest = [i for i in np.argsort(-est_pick, kind="stable") if i not in hooks]
    n_test = max(1, round(0.15 * n))
    closing, tests, core = rest[-1], rest[-1 - n_test : -1], rest[: -1 - n_test]
    n_hero = max(1, round(0.75 * len(core)))
    parts = [
        (hooks, "hook"),
        (core[:n_hero], "hero"),
        (core[n_hero:], "profit"),
        (tests, "test"),
        ([closing], "closing"),
    ]
    idx = [i for grp, _ in parts for i in grp]
    roles = [r for grp, r in parts for _ in grp]
    return pick[idx], roles


def _pins(roles: list[str], minutes: int) -> np.ndarray:
    """Run of show: cycle through the line-up in blocks, the closing offer in the last block."""
    n = len(roles)
    block = int(np.clip(round(minutes / n), 5, 15))
    cyc = np.repeat(np.arange(n - 1), block)
    pin = np.resize(cyc, minutes)
    pin[max(0, minutes - block) :] = n - 1
    return pin.astype(np.int64)


def _plan(w: World, rng: np.random.Generator, i: int, m: int, start: dt.datetime) -> SessionPlan:
    host, room = _host(w, rng, m)
    minutes = int(5 * round(np.exp(rng.uniform(np.log(45), np.log(300))) / 5))
    skus, roles = _lineup(w, rng, m)
    cur = MARKETS[m][2]
    price = round_price(w.price[skus, m] * (1 - np.array([ROLE_DISCOUNT[r] for r in roles])), cur)
    usd = _usd_rate(w, m, start)
    budget = (
        ADS["budget_median_usd"] * np.exp(rng.normal(0, ADS["budget_sd"])) * np.sqrt(MARKETS[m][6])
    )
    conc = ADS["split_concentration"]
    alpha = (
        np.full(3, 2.0) if rng.random() < ADS["off_rule_share"] else conc * np.array(ADS["split"])
    )
    split = rng.dirichlet(alpha)
    pre, spend, closing_from = _spend(budget * split / usd, minutes, cur)
    heat = float(np.exp(rng.normal(-(LIVE["heat_sd"] ** 2) / 2, LIVE["heat_sd"])))
    buzz = np.exp(rng.normal(-(LIVE["buzz_sd"] ** 2) / 2, LIVE["buzz_sd"], len(skus)))
    demand = hosting.demand_multiplier(w.seed, m, start.astimezone(ZoneInfo(MARKETS[m][3])))
    # A store live run by a professional host gets the store's For You promotion (x1.5, as the
    # simulator always had it); an influencer's own room gets reach that grows with followers.
    if host == room:
        reach = hosting.reach_multiplier(w.followers[room]) if _is_influencer(w, host) else 1.0
    else:
        reach = hosting.REACH["hosted_store_live"]
    rate = _traffic(w, rng, m, room, minutes, pre.sum() * usd, spend * usd, demand * reach)
    p = SessionPlan(
        i,
        f"L{i + 1:04d}",
        m,
        start,
        start + dt.timedelta(minutes=int(rng.integers(0, 5))),
        minutes,
        host,
        room,
        skus,
        roles,
        price,
        np.zeros(len(skus), dtype=np.int64),
        _pins(roles, minutes),
        rate,
        np.zeros(0),
        np.zeros(0),
        heat,
        buzz,
        spend,
        closing_from,
        pre,
        usd,
        np.zeros(0),
        0.0,
        0.0,
        0.0,
        0.0,
    )
    p.sku_names = [w.sku_ids[j] for j in skus]
    p.demand = demand
    p.host_form = hosting.host_form(w.seed, i, _kind(w, host))
    _conversion(w, p)
    p.stock = np.maximum(
        5, np.round(p.expected_units * np.exp(rng.normal(0.35, 0.45, len(skus))))
    ).astype(np.int64)
    return p


def _kind(w: World, cid: str) -> str:
    kinds = w.creators.loc[w.creators["creator_id"] == cid, "kind"]
    return str(kinds.iloc[0]) if len(kinds) else "pro_host"


def _is_influencer(w: World, cid: str) -> bool:
    return _kind(w, cid) == "influencer"


def _usd_rate(w: World, m: int, when: dt.datetime) -> float:
    cur = MARKETS[m][2]
    if cur == "USD":
        return 1.0
    fx = w.fx[(w.fx["currency"] == cur) & (w.fx["date"] <= when.date())]
    return float(fx["rate"].iloc[-1])


def _spend(local: np.ndarray, minutes: int, cur: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Pre-live spend ramps up over 24 hours; live spend is front-loaded into the golden hour;
    the closing phase is the last quarter hour to half hour."""
    hours = ADS["pre_live_hours"]
    pre_w = np.linspace(0.5, 1.5, hours)
    pre = round_price(local[0] * pre_w / pre_w.sum(), cur)
    closing_from = minutes - int(np.clip(minutes // 4, 15, 30))
    t = np.arange(minutes)
    live_w = np.where(t < GOLDEN["minutes"], 1.6, 1.0) * (t < closing_from)
    close_w = (t >= closing_from).astype(float)
    spend = local[1] * live_w / live_w.sum() + local[2] * close_w / close_w.sum()
    return pre, round_price(spend, cur), closing_from


def _traffic(
    w: World,
    rng: np.random.Generator,
    m: int,
    room: str,
    minutes: int,
    pre_usd: float,
    spend_usd: np.ndarray,
    foryou_multiplier: float,
) -> np.ndarray:
    t = np.arange(minutes)
    fy = (
        LIVE["foryou_per_min"]
        * MARKETS[m][6]
        * np.exp(rng.normal(0, LIVE["foryou_sd"]))
        * foryou_multiplier
    )
    foryou = fy * np.minimum(1.0, 0.5 + t / 20) * np.exp(-t / 600)
    reach = w.followers[room] * LIVE["follower_reach"] * np.exp(rng.normal(0, 0.3))
    follows = reach * np.exp(-t / 25) / 25
    video_total = 5.0 * pre_usd + 300 * np.exp(rng.normal(0, 0.5))
    video = video_total * np.exp(-t / 40) / 40
    ads = spend_usd * LIVE["entries_per_usd"]
    return np.vstack([foryou, follows, video, ads, 0.06 * foryou, 0.03 * foryou])


def expected_online(rate: np.ndarray) -> np.ndarray:
    """Expected viewers online at the end of each minute: entries uniform within their minute,
    exponential stays by source; O_t = a O_{t-1} + b e_t."""
    out = np.zeros(rate.shape[1])
    for s, mu in enumerate(STAY_MIN):
        a = np.exp(-1 / mu)
        out += lfilter([mu * (1 - a)], [1, -a], rate[s])
    return out


def pin_weights(p: SessionPlan) -> np.ndarray:
    """(minutes, n): share of the click hazard each SKU gets; the pinned SKU takes 1, the others
    share `browse_share` of it in proportion to their own click rate."""
    n = len(p.skus)
    pinned = np.zeros((p.minutes, n))
    pinned[np.arange(p.minutes), p.pin] = 1.0
    if n == 1:
        return pinned
    browse = (1 - pinned) * p.click[None, :]
    browse *= LIVE["browse_share"] * p.click[p.pin][:, None] / browse.sum(1, keepdims=True)
    return pinned + browse / p.click[None, :]


def _conversion(w: World, p: SessionPlan) -> None:
    """Per-SKU click hazard and CTOR from true fit, host skill and affinity, buzz and Xu's m; then
    the expected demand at a neutral golden hour."""
    m, js = p.market, p.skus
    cats = w.products["category"].to_numpy()[js]
    bench_ctr = np.array([w.truth["benchmarks"][p.market_code][c]["ctr"] for c in cats])
    bench_ctor = np.array([w.truth["benchmarks"][p.market_code][c]["ctor"] for c in cats])
    aff = np.array([w.affinity[p.host_id][c] for c in cats])
    skill = w.skill[p.host_id]
    views = float(p.rate.sum())
    xu = (
        (views / XU["v0"]) ** (XU["views"] - 1)
        * (p.minutes / XU["t0"]) ** XU["duration"]
        * (len(js) / XU["n0"]) ** XU["products"]
    )
    k = XU["click_share"]
    online = expected_online(p.rate)
    # Divide out the stay mix (followers stay longer than For You viewers) so that expected sales
    # per view depend on views, duration and line-up only through Xu's m.
    stay = views * XU["minutes_per_view"] / max(float(online.sum()), 1e-9)
    p.click = LIVE["click_hazard"] * (w.ctr[js, m] / bench_ctr) * p.buzz * xu**k * stay
    p.ctor = np.minimum(
        0.6, LIVE["ctor"] * (w.ctor[js, m] / bench_ctor) * skill * aff * p.host_form * xu ** (1 - k)
    )
    per_min = online[:, None] * pin_weights(p) * p.click[None, :] * p.ctor[None, :]
    p.expected_units = per_min.sum(0) * (1 + LIVE["extra_units_mean"])
    g = GOLDEN["minutes"]
    p.expected_orders_60 = float(per_min[:g].sum())
    p.expected_entries_60 = float(p.rate[:, :g].sum())
    p.views_plan, p.xu_m = views, float(xu)
