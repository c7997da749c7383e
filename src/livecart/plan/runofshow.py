"""The run of show: which products, in which roles and order, pinned in which minutes, with what
to say about each.

Roles follow TikTok Shop's LIVE guidance (at least 10 products; about 10-20% traffic drivers,
70-80% main sellers, 10-20% products under test; hold a pin at least 10-15 minutes) and the
playbook's order: hook products (low price, high click-through) open the golden hour, hero
products take the traffic peak, profit products follow, products under test after them, and a
closing offer fills the closing window.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel

from livecart.errors import LivecartError

ROLES = ("hook", "hero", "profit", "test", "closing")
ORDER = {r: i for i, r in enumerate(ROLES)}
DISCOUNT = {"hook": 0.30, "hero": 0.15, "profit": 0.05, "test": 0.10, "closing": 0.20}
# A strong live record makes a hero only when the market-fit test does not speak against it:
# with test videos, P(beats benchmark) must be at least even odds.
HERO_MIN_P_BEAT = 0.5


class Guidance(BaseModel):
    min_products: int = 10
    hook_share: tuple[float, float] = (0.10, 0.20)
    test_share: tuple[float, float] = (0.10, 0.20)
    main_share: tuple[float, float] = (0.70, 0.80)
    min_pin_minutes: int = 10


class Slot(BaseModel):
    """One product of the line-up and the minutes it is pinned (``start`` inclusive, ``end``
    exclusive, minutes from the start of the live)."""

    sku_id: str
    name: str = ""
    role: str
    position: int
    pins: list[tuple[int, int]] = []
    price: float = 0.0
    list_price: float = 0.0
    stock: int | None = None
    talking_points: list[str] = []
    added_points: list[str] = []  # added by hand (`plan edit --note`), kept when rebuilt
    why: str = ""  # a hero's evidence: its test win or its live record in the market

    @property
    def pinned_minutes(self) -> int:
        return sum(e - s for s, e in self.pins)


def _prepare(c: pd.DataFrame) -> pd.DataFrame:
    """Drop losers; mark what is proven (a winner verdict, or a strong live history that the
    market-fit test does not contradict) and what is untested (no test videos and no live
    history), and group SKUs by product."""
    c = c[c["verdict"].fillna("") != "loser"]
    gpm = c["gpm_mean"].fillna(c["gpm_mean"].median() if c["gpm_mean"].notna().any() else 0)
    strong = c["live_strong"].fillna(False).astype(bool) if "live_strong" in c else False
    n_videos = c["n_videos"].fillna(0)
    product = c["product_id"].fillna(c["sku_id"]) if "product_id" in c else c["sku_id"]
    p_beat = c["p_beat"] if "p_beat" in c else pd.Series(np.nan, index=c.index)
    believed = (n_videos == 0) | p_beat.isna() | (p_beat >= HERO_MIN_P_BEAT)
    return c.assign(
        _g=gpm,
        _proven=(c["verdict"] == "winner") | (strong & believed),
        _untested=(n_videos == 0) & ~strong,
        _h=c["ctr_mean"].fillna(0).rank(pct=True) - c["price"].rank(pct=True),
        _product=product,
    )


def assign_roles(
    c: pd.DataFrame, n: int, g: Guidance, max_per_product: int = 2
) -> list[tuple[str, str]]:
    """(sku_id, role) for the ``n`` products picked from candidates ``c``.

    Heroes only from proven products (winner verdict, or a strong live history whose test
    videos, if any, give P(beats benchmark) of at least ``HERO_MIN_P_BEAT``), and none when
    nothing is proven; losers never; untested products only as products under test; at most
    ``max_per_product`` SKUs of one product unless the catalogue is too small to fill the
    line-up otherwise."""
    c = _prepare(c)
    n = min(n, len(c))
    # ceil(10%) of each minor role keeps both in 10-20% and the main sellers near 70-80%
    n_hook = math.ceil(g.hook_share[0] * n) if n >= 3 else 0
    n_test = math.ceil(g.test_share[0] * n) if n >= 5 else 0
    picks: list[tuple[str, str]] = []
    for cap in (max_per_product, n):  # relax the cap only when too few products
        picks = _pick(c, n, n_hook, n_test, cap)
        if len(picks) >= n:
            break
    return picks


def _pick(c: pd.DataFrame, n: int, n_hook: int, n_test: int, cap: int) -> list[tuple[str, str]]:
    chosen: set[str] = set()
    per: dict[str, int] = {}

    def take(df: pd.DataFrame, k: int) -> list[str]:
        out: list[str] = []
        for sku, prod in zip(df["sku_id"], df["_product"], strict=True):
            if len(out) >= k:
                break
            if sku not in chosen and per.get(prod, 0) < cap:
                out.append(sku)
                chosen.add(sku)
                per[prod] = per.get(prod, 0) + 1
        return out

    tested = c[~c["_untested"]]
    by_g = dict(ascending=False, kind="stable")
    least = dict(ascending=[True, False], kind="stable")
    n_main = n - n_hook - n_test
    n_hero = max(1, round(0.65 * n_main)) if n_main > 0 else 0
    # Nothing proven: no hero (hero_notes says why); the main sellers are profit products.
    heroes = take(c[c["_proven"]].sort_values("_g", **by_g), n_hero)
    hooks = take(tested.sort_values("_h", **by_g), n_hook)
    # Products under test: untested ones first, then the least-tested of the unproven rest,
    # then the least-tested of all.
    tests = take(c[c["_untested"]].sort_values("_g", **by_g), n_test)
    for pool in (tested[~tested["_proven"]], tested):
        tests += take(pool.sort_values(["n_videos", "_g"], **least), n_test - len(tests))
    main = take(tested.sort_values("_g", **by_g), n_main - len(heroes))
    closing, profit = (main[:1], main[1:]) if main else (heroes[-1:], [])
    heroes = [h for h in heroes if h not in closing]
    # Short of products with evidence: the rest of the line-up can only be under test.
    tests += take(c[c["_untested"]].sort_values("_g", **by_g), n - len(chosen))
    return (
        [(s, "hook") for s in hooks]
        + [(s, "hero") for s in heroes]
        + [(s, "profit") for s in profit]
        + [(s, "test") for s in tests]
        + [(s, "closing") for s in closing]
    )


def hero_notes(c: pd.DataFrame, picks: list[tuple[str, str]]) -> list[str]:
    """Why the line-up has no hero (empty when it has one, or has no main sellers): no product
    is proven in the market, and a hero slot needs evidence."""
    roles = [r for _, r in picks]
    if "hero" in roles or not any(r in ("profit", "closing") for r in roles):
        return []
    return [
        "no hero: no product is proven in this market (no winner of the market-fit test, no "
        "strong live record the tests agree with); the main sellers are profit products until "
        "one is"
    ]


def hero_reason(row: pd.Series, cur: str) -> str:
    """Why a product holds a hero slot, in the evidence's own numbers: its market-fit test
    (P(beats benchmark) from its test videos) or its live record in the market (lives, GMV a
    live minute, units a live against the market's median SKU); or that neither proves it."""
    n_videos = int(row.get("n_videos") or 0)
    p_beat = row.get("p_beat")
    tested = (
        f"P(beats benchmark) {p_beat:.0%} from {n_videos} test video{'s' * (n_videos != 1)}"
        if n_videos > 0 and p_beat is not None and not pd.isna(p_beat)
        else "no test videos"
    )
    lives = int(row.get("lives") or 0)
    gpm = row.get("live_gmv_per_minute")
    record = f"{lives} lives" + (
        f", {gpm:,.1f} {cur} GMV a live minute" if gpm is not None and not pd.isna(gpm) else ""
    )
    if row.get("verdict") == "winner":
        return f"market-fit winner: {tested}" + (f"; live record {record}" if lives else "")
    if bool(row.get("live_strong", False)):
        units, bar = row.get("live_units_per_life"), row.get("live_units_median")
        return f"live record: {record}, {units:,.1f} units a live (median SKU {bar:,.1f}); {tested}"
    return f"set by hand, not proven: {tested}; {record}"


def check_guidance(
    roles: list[str], g: Guidance, pins: list[tuple[int, int]] | None = None
) -> list[str]:
    """What in a line-up breaks the guidance (empty when it all holds). ``pins``: every pin
    window of the run of show, each checked against the minimum pin length.

    A share is 'about' right when its count rounds into the band: for 10 products 1-2 hooks,
    1-2 under test, 7-8 main sellers (12 products: 1-3, 1-3, 8-10), and never none of a role
    the guidance asks for."""
    n = len(roles)
    out = []
    if n < g.min_products:
        out.append(f"{n} products; the guidance asks for at least {g.min_products}")
    short = [b - a for a, b in pins or [] if b - a < g.min_pin_minutes]
    if short:
        out.append(
            f"{len(short)} pin{'s' if len(short) != 1 else ''} held under "
            f"{g.min_pin_minutes} minutes (shortest {min(short)}); the guidance is at least "
            f"{g.min_pin_minutes}"
        )
    if not n or n < g.min_products:
        return out
    counts = {
        "traffic drivers (hook)": (roles.count("hook"), g.hook_share),
        "products under test": (roles.count("test"), g.test_share),
        "main sellers (hero, profit, closing)": (
            sum(r in ("hero", "profit", "closing") for r in roles),
            g.main_share,
        ),
    }
    for name, (k, (lo, hi)) in counts.items():
        least = max(math.floor(lo * n + 1e-9), 1 if lo > 0 else 0)
        most = math.ceil(hi * n - 1e-9)
        if not least <= k <= most:
            out.append(
                f"{name} are {k / n:.0%} of the line-up ({k} of {n}); the guidance is "
                f"{lo:.0%}-{hi:.0%}"
            )
    return out


def schedule(slots: list[Slot], minutes: int, closing_minutes: int, min_pin: int) -> None:
    """Pin windows in line-up order, each at least ``min_pin`` minutes; extra time cycles the
    hero products again; the closing offer is pinned through the closing window."""
    body = [s for s in slots if s.role != "closing"]
    close = [s for s in slots if s.role == "closing"]
    close_len = max(closing_minutes, min_pin) if close else 0
    avail = minutes - close_len
    if len(body) * min_pin > avail:
        most = avail // min_pin
        raise LivecartError(
            f"{len(body)} products pinned at least {min_pin} minutes need "
            f"{len(body) * min_pin + close_len} minutes, the live has {minutes}: "
            "lengthen the live, "
            f"shorten --min-pin, or keep {most} products before the closing offer",
            dashboard=f"{len(body)} products pinned at least {min_pin} minutes need "
            f"{len(body) * min_pin + close_len} minutes, the live has {minutes}: lengthen the "
            f"live, shorten the minimum pin, or keep {most} products before the closing offer",
        )
    for s in slots:
        s.pins = []
    length = max(min_pin, avail // max(len(body), 1))
    heroes = [s for s in body if s.role == "hero"] or body
    t, k, last = 0, 0, None
    for s in body:
        s.pins.append((t, t + length))
        t, last = t + length, s
    while heroes and avail - t >= length:
        last = heroes[k % len(heroes)]
        last.pins.append((t, t + length))
        t, k = t + length, k + 1
    if last is not None and t < avail:  # stretch the last pin up to the closing window
        last.pins[-1] = (last.pins[-1][0], avail)
    for s in close:
        s.pins = [(minutes - close_len, minutes)]


def talking_points(
    row: pd.Series, role: str, price: float, cur: str, stock: int | None
) -> list[str]:
    """What the host says about the product, each point taken from its data."""
    pts = []
    lp = float(row.get("price") or 0)
    if lp > 0 and price < lp:
        pts.append(f"live price {price:,.2f} {cur}, {1 - price / lp:.0%} off the list {lp:,.2f}")
    gpm, bench = row.get("gpm_mean"), row.get("benchmark_gpm")
    n_videos = row.get("n_videos")
    tested = n_videos is not None and not pd.isna(n_videos) and n_videos > 0
    if tested and gpm is not None and not pd.isna(gpm):
        vs = f" against a market benchmark of {bench:,.0f} {cur}" if not pd.isna(bench) else ""
        pb = row.get("p_beat")
        sure = f" (P(beats benchmark) {pb:.0%})" if pb is not None and not pd.isna(pb) else ""
        pts.append(
            f"market fit: {row.get('verdict')}, GMV per 1,000 test-video views {gpm:,.0f} {cur}{vs}"
            f"{sure}, from {int(n_videos)} test video{'s' if n_videos != 1 else ''}"
        )
    else:  # a prior driven by price and category is not evidence: do not quote it
        pts.append("market fit: no test videos yet: present it as new")
    lives, units = row.get("lives"), row.get("live_units_per_life")
    if lives is not None and not pd.isna(lives) and lives > 0 and not pd.isna(units):
        pts.append(f"live history: {int(lives)} lives, {units:,.1f} units a live")
    ctr = row.get("ctr_mean")
    if role == "hook" and ctr is not None and not pd.isna(ctr):
        pts.append(f"traffic driver: {ctr:.1%} of test-video viewers click it")
    if role == "test":
        pts.append("under test: ask viewers to comment on it; watch its clicks")
    if role == "closing":
        pts.append("closing offer: count down the last minutes, the price ends with the live")
    pts.append(f"stock {stock} units" if stock is not None else "stock: no stock plan yet")
    return pts


def build_slots(c: pd.DataFrame, picks: list[tuple[str, str]], cur: str, stock: dict) -> list[Slot]:
    by = c.set_index("sku_id")
    out = []
    for i, (sku, role) in enumerate(picks):
        row = by.loc[sku]
        lp = float(row.get("price") or 0)
        price = float(np.round(lp * (1 - DISCOUNT[role]), 2))
        out.append(
            Slot(
                sku_id=sku,
                name=str(row.get("product_name") or ""),
                role=role,
                position=i + 1,
                price=price,
                list_price=lp,
                stock=stock.get(sku),
                talking_points=talking_points(row, role, price, cur, stock.get(sku)),
                why=hero_reason(row, cur) if role == "hero" else "",
            )
        )
    return out
