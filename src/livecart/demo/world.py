"""The demo brand's static world: markets, FX, catalogue, creators, and the hidden truths that the
data only shows through noise (product x market fit, host skill and category affinity).

Everything here is drawn from ``numpy.random.default_rng([seed, STREAM])`` so that the same seed
gives the same world, and the world can be rebuilt cheaply (``session_events`` does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

BRAND = "Kirala Beauty"  # fictional
START = dt.datetime(2026, 5, 18, tzinfo=dt.UTC)  # a Monday; fixed so builds are reproducible
DAYS = 182  # about six months

# market, name, currency, IANA zone, USD per unit, price level vs US, traffic level, share of lives
MARKETS: tuple[tuple[str, str, str, str, float, float, float, float], ...] = (
    ("US", "United States", "USD", "America/New_York", 1.0, 1.00, 1.0, 0.25),
    ("UK", "United Kingdom", "GBP", "Europe/London", 1.27, 0.95, 0.45, 0.10),
    ("ID", "Indonesia", "IDR", "Asia/Jakarta", 1 / 15900, 0.55, 1.3, 0.25),
    ("TH", "Thailand", "THB", "Asia/Bangkok", 1 / 35.5, 0.65, 0.8, 0.15),
    ("MY", "Malaysia", "MYR", "Asia/Kuala_Lumpur", 1 / 4.45, 0.65, 0.5, 0.10),
    ("PH", "Philippines", "PHP", "Asia/Manila", 1 / 57.0, 0.55, 0.8, 0.15),
)
MARKET_CODES = tuple(m[0] for m in MARKETS)
CURRENCIES = tuple(m[2] for m in MARKETS)
# Decimal places prices are rounded to (IDR to hundreds).
PRICE_DECIMALS = {"USD": 2, "GBP": 2, "MYR": 2, "THB": 0, "PHP": 0, "IDR": -2}
CATS = ("beauty_personal_care", "mobile_digital")

# (product name, variations, category, USD list price)
CATALOGUE: tuple[tuple[str, tuple[str, ...], str, float], ...] = (
    ("Glass Lip Tint", ("Rose", "Coral", "Berry", "Nude"), CATS[0], 12.0),
    ("Cushion Foundation", ("Ivory", "Natural", "Sand", "Honey"), CATS[0], 28.0),
    ("Vitamin C Serum", ("15 ml", "30 ml"), CATS[0], 24.0),
    ("Daily Sunscreen SPF50", ("50 ml", "100 ml"), CATS[0], 16.0),
    ("Gentle Foam Cleanser", ("150 ml", "300 ml"), CATS[0], 11.0),
    ("Hydra Toner", ("200 ml", "400 ml"), CATS[0], 15.0),
    ("Sheet Mask Set", ("5 pack", "10 pack"), CATS[0], 9.0),
    ("Waterproof Eyeliner", ("Black", "Brown"), CATS[0], 10.0),
    ("Lash Lift Mascara", ("Black", "Brown"), CATS[0], 13.0),
    ("Setting Spray", ("Matte", "Dewy"), CATS[0], 14.0),
    ("Silk Hair Oil", ("50 ml",), CATS[0], 18.0),
    ("Body Glow Lotion", ("250 ml",), CATS[0], 17.0),
    ("Lip Oil", ("Clear", "Pink"), CATS[0], 11.0),
    ("Cream Blush", ("Peach", "Mauve"), CATS[0], 14.0),
    ("Concealer Stick", ("Light", "Medium", "Deep"), CATS[0], 15.0),
    ("Eyeshadow Palette", ("Warm", "Cool"), CATS[0], 26.0),
    ("Micellar Water", ("200 ml", "400 ml"), CATS[0], 10.0),
    ("Exfoliating Toner Pads", ("60 pads",), CATS[0], 19.0),
    ("Brow Pencil", ("Taupe", "Dark"), CATS[0], 9.0),
    ("Body Mist", ("Peony", "Citrus"), CATS[0], 16.0),
    ("Retinol Night Cream", ("50 ml",), CATS[0], 32.0),
    ("Magnetic Power Bank", ("5000 mAh", "10000 mAh"), CATS[1], 35.0),
    ("Clear Phone Case", ("iPhone", "Galaxy", "Pixel"), CATS[1], 14.0),
    ("Clip Ring Light", ("Standard", "Pro"), CATS[1], 19.0),
    ("Wireless Earbuds", ("White", "Black"), CATS[1], 39.0),
    ("Braided USB-C Cable", ("1 m", "2 m"), CATS[1], 9.0),
    ("Phone Tripod", ("Mini", "Standard"), CATS[1], 22.0),
    ("Screen Protector", ("iPhone", "Galaxy"), CATS[1], 8.0),
    ("GaN Fast Charger", ("35 W", "65 W"), CATS[1], 25.0),
)

# Base rates of a product with fit 0 (the category benchmark), per category. Assumptions: no source
# publishes typical TikTok video CTR or CTOR (docs/metrics.md), so these are set to plausible
# values.
VIDEO_CTR = {CATS[0]: 0.018, CATS[1]: 0.012}  # product clicks per video view
VIDEO_CTOR = {CATS[0]: 0.060, CATS[1]: 0.045}  # orders per product click
MARKET_RATE = {"US": 1.0, "UK": 0.9, "ID": 1.15, "TH": 1.05, "MY": 0.95, "PH": 1.1}
FIT = {
    "product_sd": 0.35,
    "product_market_sd": 0.35,
    "sku_market_sd": 0.12,
    "rate_noise_sd": 0.12,
    "ctr_loading": 0.5,
    "ctor_loading": 0.5,
    "winner_lift": 1.5,
}
N_KOC, N_INFLUENCERS, N_PRO_HOSTS = 200, 10, 8
STORE_ACCOUNTS = (
    ("store_na_eu", ("US", "UK")),
    ("store_sea_1", ("ID", "PH")),
    ("store_sea_2", ("TH", "MY")),
)


@dataclass
class World:
    seed: int
    scale: float
    markets: pd.DataFrame
    products: pd.DataFrame  # one row per SKU, list price in USD
    creators: pd.DataFrame
    fx: pd.DataFrame  # fx_rates rows: weekly, every currency to USD
    fit: np.ndarray  # (n_sku, n_market) log fit
    ctr: np.ndarray  # (n_sku, n_market) true video view -> click rate
    ctor: np.ndarray  # (n_sku, n_market) true video click -> order rate
    carried: np.ndarray  # (n_sku, n_market) bool: SKU sold in that market
    price: np.ndarray  # (n_sku, n_market) local list price
    skill: dict[str, float] = field(default_factory=dict)  # host conversion multiplier
    affinity: dict[str, dict[str, float]] = field(default_factory=dict)  # host x category
    followers: dict[str, int] = field(default_factory=dict)
    truth: dict[str, Any] = field(default_factory=dict)

    @property
    def sku_ids(self) -> list[str]:
        return list(self.products["sku_id"])


def round_price(x: np.ndarray | float, currency: str) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), PRICE_DECIMALS[currency])


def make_world(seed: int, scale: float) -> World:
    """Draw the brand's world. Counts of creators grow with ``scale``; the catalogue is fixed."""
    rng = np.random.default_rng([seed, 0])
    markets = pd.DataFrame(
        {
            "market": MARKET_CODES,
            "name": [m[1] for m in MARKETS],
            "currency": CURRENCIES,
            "timezone": [m[3] for m in MARKETS],
        }
    )
    products = _products()
    fit, ctr, ctor, carried = _fit(rng, products)
    price = np.column_stack(
        [round_price(products["price"].to_numpy() * m[5] / m[4], m[2]) for m in MARKETS]
    )
    w = World(
        seed, scale, markets, products, pd.DataFrame(), _fx(rng), fit, ctr, ctor, carried, price
    )
    _creators(rng, w)
    w.truth = _fit_truth(w)
    return w


def _products() -> pd.DataFrame:
    rows = []
    for p, (name, variants, cat, usd) in enumerate(CATALOGUE):
        for v, var in enumerate(variants):
            n = len(rows) + 1
            big = ("100 ml", "300 ml", "400 ml", "10 pack", "10000 mAh", "Pro", "65 W", "30 ml")
            price = usd + (4.0 if var in big else 0.0)
            rows.append(
                {
                    "sku_id": f"SKU{n:03d}",
                    "product_id": f"P{p + 1:02d}",
                    "product_name": name,
                    "variation": var,
                    "seller_sku": f"KB-{p + 1:02d}-{v + 1}",
                    "category": cat,
                    "price": price,
                    "unit_cost": round(price * 0.3, 2),
                    "currency": "USD",
                }
            )
    return pd.DataFrame(rows)


def _fit(rng: np.random.Generator, products: pd.DataFrame):
    """log fit = product effect + product x market effect + SKU x market effect; the video CTR and
    CTOR load on it with independent noise, so fit shows only through both rates."""
    n_sku, n_m = len(products), len(MARKETS)
    pid = products["product_id"].factorize()[0]
    n_p = pid.max() + 1
    prod = rng.normal(0, FIT["product_sd"], n_p)
    prod_m = rng.normal(0, FIT["product_market_sd"], (n_p, n_m))
    fit = prod[pid, None] + prod_m[pid] + rng.normal(0, FIT["sku_market_sd"], (n_sku, n_m))
    fit -= fit.mean()
    cats = products["category"].to_numpy()
    base_ctr = (
        np.array([VIDEO_CTR[c] for c in cats])[:, None]
        * np.array([MARKET_RATE[m] for m in MARKET_CODES])[None, :]
    )
    base_ctor = np.array([VIDEO_CTOR[c] for c in cats])[:, None]
    sd = FIT["rate_noise_sd"]
    ctr = base_ctr * np.exp(FIT["ctr_loading"] * fit + rng.normal(0, sd, fit.shape))
    ctor = np.clip(
        base_ctor * np.exp(FIT["ctor_loading"] * fit + rng.normal(0, sd, fit.shape)), 0, 0.4
    )
    # Mobile accessories are sold everywhere; beauty lines are sometimes not launched in a market.
    carried = rng.random(fit.shape) < np.where(cats[:, None] == CATS[1], 0.95, 0.8)
    return fit, ctr, ctor, carried


def _fx(rng: np.random.Generator) -> pd.DataFrame:
    """Weekly rates to USD with a small random walk (about 0.5% a week)."""
    weeks = DAYS // 7 + 3
    dates = [(START - dt.timedelta(days=14) + dt.timedelta(weeks=i)).date() for i in range(weeks)]
    rows = []
    for _code, _n, cur, _tz, usd, *_ in MARKETS:
        if cur == "USD":
            continue
        walk = np.exp(np.cumsum(rng.normal(0, 0.005, weeks)))
        for d, r in zip(dates, usd * walk, strict=True):
            rows.append({"date": d, "currency": cur, "quote": "USD", "rate": float(r)})
    return pd.DataFrame(rows)


def _creators(rng: np.random.Generator, w: World) -> None:
    n_koc = max(40, round(N_KOC * w.scale))
    rows: list[dict[str, Any]] = []
    for i in range(n_koc):
        m = MARKET_CODES[rng.choice(len(MARKETS), p=[mk[7] for mk in MARKETS])]
        rows.append(
            _creator(
                f"koc_{i + 1:04d}",
                "koc",
                m,
                int(rng.lognormal(8.5, 0.9)),
                fee=float(round(rng.uniform(20, 120))),
                com=0.10,
                rng=rng,
            )
        )
    for i in range(N_INFLUENCERS):
        m = MARKET_CODES[i % len(MARKETS)]
        rows.append(
            _creator(
                f"inf_{i + 1:02d}",
                "influencer",
                m,
                int(rng.lognormal(13.3, 0.6)),
                fee=float(round(rng.uniform(1500, 8000), -2)),
                com=float(round(rng.uniform(0.15, 0.25), 2)),
                rng=rng,
            )
        )
    for i in range(N_PRO_HOSTS):
        m = MARKET_CODES[i % len(MARKETS)]
        rows.append(
            _creator(
                f"host_{i + 1:02d}",
                "pro_host",
                m,
                0,
                fee=float(round(rng.uniform(150, 400), -1)),
                com=0.03,
                rng=rng,
            )
        )
    for acct, mk in STORE_ACCOUNTS:
        r = _creator(
            acct, "store_account", mk[0], int(rng.lognormal(11.0, 0.4)), fee=0.0, com=0.0, rng=rng
        )
        r["markets"] = ",".join(mk)
        rows.append(r)
    w.creators = pd.DataFrame(rows)
    w.followers = dict(zip(w.creators["creator_id"], w.creators["followers"], strict=True))
    sd = {"koc": 0.3, "influencer": 0.35, "pro_host": 0.12, "store_account": 0.15}
    mu = {"koc": -0.2, "influencer": -0.1, "pro_host": 0.15, "store_account": 0.0}
    for cid, kind in zip(w.creators["creator_id"], w.creators["kind"], strict=True):
        w.skill[cid] = float(np.exp(rng.normal(mu[kind], sd[kind])))
        w.affinity[cid] = {c: float(np.exp(rng.normal(0, 0.25))) for c in CATS}


def _creator(
    cid: str,
    kind: str,
    market: str,
    followers: int,
    *,
    fee: float,
    com: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    cats = ",".join(CATS) if kind != "koc" or rng.random() < 0.3 else CATS[0]
    return {
        "creator_id": cid,
        "name": cid.replace("_", " ").title(),
        "kind": kind,
        "markets": market,
        "categories": cats,
        "followers": followers,
        "fee": fee,
        "commission_rate": com,
        "currency": "USD",
    }


def _fit_truth(w: World) -> dict[str, Any]:
    """Per SKU x market: true fit, rates, GMV per 1,000 views (USD) and the winner flag; and the
    category x market benchmark a product has to beat (the rates of a fit-0 product)."""
    cats = w.products["category"].to_numpy()
    prices = w.products["price"].to_numpy()
    bench: dict[str, dict[str, dict[str, float]]] = {}
    for code in MARKET_CODES:
        bench[code] = {
            c: {"ctr": VIDEO_CTR[c] * MARKET_RATE[code], "ctor": VIDEO_CTOR[c]} for c in CATS
        }
    rows = []
    for j, sku in enumerate(w.sku_ids):
        for m, code in enumerate(MARKET_CODES):
            if not w.carried[j, m]:
                continue
            b = bench[code][cats[j]]
            vto = float(w.ctr[j, m] * w.ctor[j, m])
            rows.append(
                {
                    "sku_id": sku,
                    "market": code,
                    "fit": float(w.fit[j, m]),
                    "ctr": float(w.ctr[j, m]),
                    "ctor": float(w.ctor[j, m]),
                    "gpm_usd": 1000 * vto * float(prices[j]) * MARKETS[m][5],
                    "winner": vto >= FIT["winner_lift"] * b["ctr"] * b["ctor"],
                }
            )
    return {
        "sku_market": rows,
        "benchmarks": bench,
        "fit_model": dict(FIT),
        "winner_rule": "true view-to-order rate (ctr x ctor) at least winner_lift times the "
        "category x market benchmark",
    }
