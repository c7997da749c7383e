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

    @property
    def pinned_minutes(self) -> int:
        return sum(e - s for s, e in self.pins)


def assign_roles(c: pd.DataFrame, n: int, g: Guidance) -> list[tuple[str, str]]:
    """(sku_id, role) for the ``n`` products picked from candidates ``c``."""
    if len(c) < n:
        n = len(c)
    # ceil(10%) of each minor role keeps both in 10-20% and the main sellers near 70-80%
    n_hook = math.ceil(g.hook_share[0] * n) if n >= 3 else 0
    n_test = math.ceil(g.test_share[0] * n) if n >= 5 else 0
    gpm = c["gpm_mean"].fillna(c["gpm_mean"].median() if c["gpm_mean"].notna().any() else 0)
    proven = c.assign(_g=gpm, _settled=c["verdict"].isin(["winner", "fits", "ok"]))
    hook_score = c["ctr_mean"].fillna(0).rank(pct=True) - c["price"].rank(pct=True)
    hooks = list(c.assign(_h=hook_score).sort_values("_h", ascending=False)["sku_id"][:n_hook])
    rest = proven[~proven["sku_id"].isin(hooks)]
    # Products under test: the least-tested of the promising rest (fewest test videos).
    tests = list(
        rest.sort_values(["n_videos", "_g"], ascending=[True, False], kind="stable")["sku_id"][
            :n_test
        ]
    )
    main = rest[~rest["sku_id"].isin(tests)].sort_values("_g", ascending=False, kind="stable")
    main = list(main["sku_id"][: n - n_hook - n_test])
    n_hero = max(1, round(0.65 * len(main))) if main else 0
    heroes, after = main[:n_hero], main[n_hero:]
    closing, profit = (after[:1], after[1:]) if after else (heroes[-1:], [])
    heroes = [h for h in heroes if h not in closing]
    return (
        [(s, "hook") for s in hooks]
        + [(s, "hero") for s in heroes]
        + [(s, "profit") for s in profit]
        + [(s, "test") for s in tests]
        + [(s, "closing") for s in closing]
    )


def check_guidance(roles: list[str], g: Guidance) -> list[str]:
    """What in a line-up breaks the guidance (empty when it all holds)."""
    n = len(roles)
    out = []
    if n < g.min_products:
        out.append(f"{n} products; the guidance asks for at least {g.min_products}")
    if not n:
        return out
    share = {
        "traffic drivers (hook)": (roles.count("hook") / n, g.hook_share),
        "products under test": (roles.count("test") / n, g.test_share),
        "main sellers (hero, profit, closing)": (
            sum(r in ("hero", "profit", "closing") for r in roles) / n,
            g.main_share,
        ),
    }
    for name, (v, (lo, hi)) in share.items():
        # 'about': one product's worth of slack, as small line-ups cannot hit every band
        if not lo - 1 / n - 1e-9 <= v <= hi + 1 / n + 1e-9 and n >= g.min_products:
            out.append(f"{name} are {v:.0%} of the line-up; the guidance is {lo:.0%}-{hi:.0%}")
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
            f"shorten --min-pin, or keep {most} products before the closing offer"
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
    if gpm is not None and not pd.isna(gpm):
        vs = f" against a market benchmark of {bench:,.0f}" if not pd.isna(bench) else ""
        pb = row.get("p_beat")
        sure = f" (P(beats benchmark) {pb:.0%})" if pb is not None and not pd.isna(pb) else ""
        pts.append(
            f"market fit: {row.get('verdict')}, GMV per 1,000 test-video views {gpm:,.0f}{vs}{sure}"
        )
    else:
        pts.append("no market-fit evidence yet: present it as new")
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
            )
        )
    return out
