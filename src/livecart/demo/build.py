"""Build a demo workspace: draw the world and the session plans, simulate every live room, and
write everything through the importers (`livecart.ingest.import_frame`, the same validation a
user's files get), in chunks of sessions so memory stays bounded at any scale. The hidden
parameters go to ``truth.json``, written last: its presence marks a finished demo, which later
calls reuse instead of rebuilding.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from livecart.demo import buyers as buyers_mod
from livecart.demo import hosting, room, tables, videos
from livecart.demo import plans as plans_mod
from livecart.demo.reviews import review_stages
from livecart.demo.world import BRAND, DAYS, MARKETS, START, World, make_world
from livecart.errors import WorkspaceError
from livecart.ingest import import_frame
from livecart.model.schema import KINDS
from livecart.store import Workspace
from livecart.store.workspace import DB_FILE

Progress = Callable[[str, float], None]
TRUTH_FILE = "truth.json"
CHUNK = 25  # sessions simulated and written together


@dataclass
class DemoSummary:
    path: str
    brand: str
    seed: int
    scale: float
    reused: bool
    date_from: str
    date_to: str
    markets: list[dict[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # GMV per market as the dashboard counts it (livecart.report.overview), added by callers
    gmv_by_market: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build(
    out: str | Path,
    *,
    seed: int = 42,
    scale: float = 1.0,
    progress: Progress | None = None,
    stage_reviews: bool = True,
) -> DemoSummary:
    """Build the demo workspace at ``out`` (or reuse the finished one already there).
    ``stage_reviews``: the team's monthly stage reviews (``livecart.demo.reviews``), which
    evaluations that never read the stage board skip (a few seconds a build)."""
    started = time.perf_counter()
    path = Path(out)
    report = progress or (lambda _msg, _frac: None)
    if scale <= 0:
        raise WorkspaceError(f"scale must be above 0 (got {scale}); 1 is the default size")
    if (path / TRUTH_FILE).exists():
        meta = json.loads((path / TRUTH_FILE).read_text())["meta"]
        report("reusing the demo workspace", 1.0)
        return summarize(path, meta, reused=True, seconds=time.perf_counter() - started)
    if (path / DB_FILE).exists():
        raise WorkspaceError(
            f"{path} holds a livecart workspace that is not a finished demo; "
            f"choose another --out for the demo (it never overwrites your data)"
        )
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise WorkspaceError(f"{path} exists and is not empty: choose another --out for the demo")
    tmp = path.with_name(path.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    meta = _build_into(tmp, seed, scale, report, stage_reviews)
    if path.exists():
        path.rmdir()  # only an empty folder can be here (checked above)
    tmp.rename(path)
    report("done", 1.0)
    return summarize(path, meta, reused=False, seconds=time.perf_counter() - started)


def _build_into(
    tmp: Path, seed: int, scale: float, report: Progress, stage_reviews: bool = True
) -> dict[str, Any]:
    report("drawing the brand's world", 0.0)
    w = make_world(seed, scale)
    plans = plans_mod.make_plans(w)
    ws = Workspace.init(tmp)
    try:
        for kind, frame in (
            ("markets", w.markets),
            ("products", w.products),
            ("creators", w.creators),
            ("fx_rates", w.fx),
        ):
            write(ws, kind, frame)
        report("short videos", 0.05)
        tests = videos.test_videos(w)
        warm = videos.warmup_videos(w, plans)
        joins = buyers_mod.JoinTruth()
        sess_truth = _write_sessions(ws, w, plans, report, joins)
        _write_videos(ws, w, [tests, warm], report, joins)
        write(ws, "inventory", _inventory(w, plans))
        write(ws, "host_availability", hosting.availability(w))  # the roster's input
        if stage_reviews:
            report("the team's stage reviews", 0.95)
            first = START.replace(tzinfo=None)
            review_stages(ws, first, first + dt.timedelta(days=DAYS))
        meta = {
            "seed": seed,
            "scale": scale,
            "brand": BRAND,
            "generator": "livecart.demo",
            "start": START.date().isoformat(),
            "end": (START + dt.timedelta(days=DAYS - 1)).date().isoformat(),
        }
        truth = _truth(w, meta, sess_truth)
        truth["fans_uplift"] = joins.truth()
    finally:
        ws.close()
    (tmp / TRUTH_FILE).write_text(json.dumps(truth, indent=1, default=_json_default))
    return meta


def write(ws: Workspace, kind: str, frame: pd.DataFrame) -> None:
    """Every demo write goes through the importers' validation and atomic upsert."""
    cols = KINDS[kind].column_names
    frame = frame.reindex(columns=cols)
    if len(frame):
        import_frame(ws, kind, frame, source=f"demo:{kind}")


def _write_sessions(
    ws: Workspace,
    w: World,
    plans: list[plans_mod.SessionPlan],
    report: Progress,
    joins: buyers_mod.JoinTruth,
) -> list[dict[str, Any]]:
    truth: list[dict[str, Any]] = []
    for k in range(0, len(plans), CHUNK):
        chunk = plans[k : k + CHUNK]
        report(
            f"simulating lives {k + 1}-{k + len(chunk)} of {len(plans)}", 0.1 + 0.7 * k / len(plans)
        )
        out: dict[str, list[pd.DataFrame]] = {
            n: []
            for n in ("sessions", "live_minutes", "session_products", "orders", "ad_spend", "first")
        }
        for p in chunk:
            truth.append(_one_session(w, p, out))
        for kind in ("sessions", "live_minutes", "session_products", "ad_spend"):
            write(ws, kind, pd.concat(out[kind], ignore_index=True))
        _write_buyers(ws, w, pd.concat(out["first"], ignore_index=True), out["orders"], k, joins)
    return truth


def _one_session(w: World, p: plans_mod.SessionPlan, out: dict[str, list]) -> dict[str, Any]:
    log = room.simulate(p, w.seed)
    rng = np.random.default_rng([w.seed, 5, p.index])
    lm = tables.live_minutes(log)
    out["live_minutes"].append(lm)
    out["sessions"].append(pd.DataFrame([tables.session_row(log, lm, rng)]))
    out["session_products"].append(tables.session_products(log))
    out["orders"].append(tables.live_orders(log, w.price[p.skus, p.market]))
    out["first"].append(tables.first_buyers(log))
    ads, ads_truth = tables.ad_rows(log, lm, rng)
    out["ad_spend"].append(ads)
    return {
        "session_id": p.session_id,
        "market": p.market_code,
        "host_id": p.host_id,
        "room": p.room,
        "minutes": p.minutes,
        "n_products": len(p.skus),
        "heat": p.heat,
        "golden_g": log.golden_g,
        "push": log.push,
        "views_plan": p.views_plan,
        "xu_m": p.xu_m,
        "host_form": p.host_form,
        "demand": p.demand,
        "expected_entries_60": p.expected_entries_60,
        "expected_orders_60": p.expected_orders_60,
        "ads": ads_truth,
        "skus": {
            s: {
                "expected_units": float(p.expected_units[i]),
                "buzz": float(p.buzz[i]),
                "click_hazard": float(p.click[i]),
                "ctor": float(p.ctor[i]),
                "stock_start": int(p.stock[i]),
                "role": p.roles[i],
            }
            for i, s in enumerate(p.sku_names)
        },
    }


def _write_buyers(
    ws: Workspace,
    w: World,
    first: pd.DataFrame,
    orders: list[pd.DataFrame],
    salt: int,
    joins: buyers_mod.JoinTruth,
) -> None:
    """Buyers of a chunk (with the joins at repeat purchases), first and repeat orders."""
    repeats, first = buyers_mod.repeat_orders(w, first, salt, joins)
    write(ws, "buyers", buyers_mod.buyers_table(first))
    write(ws, "orders", _finish_orders(w, pd.concat([*orders, repeats], ignore_index=True)))


def _write_videos(
    ws: Workspace,
    w: World,
    frames: list[pd.DataFrame],
    report: Progress,
    joins: buyers_mod.JoinTruth,
) -> None:
    report("video orders and repeat buyers", 0.85)
    for i, v in enumerate(frames):
        write(ws, "videos", v)
        lines = videos.video_order_lines(w, v, i)
        rng = np.random.default_rng([w.seed, 9, i])
        n = len(lines)
        fol = rng.random(n) < videos.VIDEO_FOLLOW["follow_prob"]
        fan = fol & (
            rng.random(n)
            < videos.VIDEO_FOLLOW["fan_club_prob"] / videos.VIDEO_FOLLOW["follow_prob"]
        )
        t = lines["created_at"] + pd.Timedelta(minutes=5)
        first = pd.DataFrame(
            {
                "buyer_id": lines["buyer_id"],
                "market": lines["market"],
                "first_at": lines["created_at"],
                "followed_at": t.where(fol),
                "fan_club_joined_at": t.where(fan),
            }
        )
        _write_buyers(ws, w, first, [lines], 900 + i, joins)


def _finish_orders(w: World, o: pd.DataFrame) -> pd.DataFrame:
    names = w.products.set_index("sku_id")
    o = o.assign(
        platform_discount=0.0,
        order_amount=o["subtotal"],
        status="completed",
        cancel_return_type=None,
        paid_at=o["created_at"] + pd.Timedelta(seconds=90),
        seller_sku=o["sku_id"].map(names["seller_sku"]),
        product_name=o["sku_id"].map(names["product_name"]),
        variation=o["sku_id"].map(names["variation"]),
    )
    return o


def _inventory(w: World, plans: list[plans_mod.SessionPlan]) -> pd.DataFrame:
    """Monthly stock snapshots per SKU and market warehouse, with inbound and lead times."""
    rng = np.random.default_rng([w.seed, 8])
    lead = {"US": 30, "UK": 35, "ID": 14, "TH": 14, "MY": 18, "PH": 21}
    demand = np.zeros(w.fit.shape)
    for p in plans:
        demand[p.skus, p.market] += p.expected_units
    months = pd.date_range(START.date(), periods=DAYS // 30 + 1, freq="MS").date
    rows = []
    for m, (code, *_rest) in enumerate(MARKETS):
        for j in np.flatnonzero(w.carried[:, m]):
            base = demand[j, m] / len(months) + 20
            for d in months:
                inbound = int(rng.poisson(base)) if rng.random() < 0.5 else 0
                rows.append(
                    {
                        "sku_id": w.sku_ids[j],
                        "location": code,
                        "as_of": d,
                        "on_hand": int(rng.poisson(base * rng.uniform(0.5, 2.0))),
                        "inbound": inbound,
                        "inbound_arrival": d + dt.timedelta(days=int(lead[code]))
                        if inbound
                        else None,
                        "lead_time_days": lead[code],
                    }
                )
    return pd.DataFrame(rows)


def _truth(w: World, meta: dict[str, Any], sessions: list[dict[str, Any]]) -> dict[str, Any]:
    hosts = {
        cid: {"kind": kind, "skill": w.skill[cid], "affinity": w.affinity[cid]}
        for cid, kind in zip(w.creators["creator_id"], w.creators["kind"], strict=True)
    }
    return {
        "meta": meta,
        "products": w.truth,
        "hosts": hosts,
        "hosting": hosting.hosting_truth(w),
        "live": {
            "rates": plans_mod.LIVE,
            "stay_minutes": dict(zip(plans_mod.SOURCES, plans_mod.STAY_MIN.tolist(), strict=True)),
            "xu_generator": plans_mod.XU,
            "xu_target": {"views": 0.84, "duration": 1.07, "products": 0.72},
            "golden_hour": plans_mod.GOLDEN,
            "buyers": room.BUYER,
            "engagement": room.ENGAGE,
        },
        "warmup": {
            **videos.WARMUP,
            "c0_by_market": {m[0]: videos.warmup_c0(i) for i, m in enumerate(MARKETS)},
            "model": "log(views) = c0[market] + c1 * log(expected_units) + N(0, noise_sd)",
        },
        "ads": {
            **plans_mod.ADS,
            "response": "attributed_gmv_usd = beta x^s / (x^s + K^s) * "
            "exp(N(0, noise_sd)); x_pre = S_pre, x_live = S_live + carryover S_pre, "
            "x_close = S_close + carryover S_live (USD per session)",
        },
        "bgnbd": buyers_mod.BGNBD,
        "gamma_gamma": buyers_mod.GAMMA_GAMMA,
        "fans": buyers_mod.FANS,
        "late_join": buyers_mod.LATE_JOIN,
        "video": videos.VIDEO,
        "sessions": sessions,
    }


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    raise TypeError(type(o))


def summarize(path: Path, meta: dict[str, Any], *, reused: bool, seconds: float) -> DemoSummary:
    with Workspace.open(path, read_only=True) as ws:
        counts = {k: ws.count(k) for k in KINDS}
        markets = ws.query("SELECT market, currency, timezone FROM markets ORDER BY market")
    return DemoSummary(
        str(path),
        meta["brand"],
        meta["seed"],
        meta["scale"],
        reused,
        meta["start"],
        meta["end"],
        markets.to_dict("records"),
        counts,
        seconds=seconds,
    )
