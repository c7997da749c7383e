"""Money is only compared within a currency: the golden-hour plan comes from past sessions in the
session's own currency (a room that spans markets never mixes them), and the nowcast gives each
currency its own level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import livecart
from livecart.errors import LivecartError
from livecart.live import AlertRules, LiveRun, Nowcaster, ReplaySource, evaluate
from livecart.live.history import from_frames
from livecart.live.targets import plan_from_history, plan_from_targets
from livecart.model.events import Event
from livecart.model.schema import LIVE_MINUTES, SESSIONS
from tests.live.synth import state, stream, synth_history


def past(specs: list[tuple[str, str, str, float]], minutes: int = 60):
    """Sessions (id, market, currency, GMV per minute) in one room, ad spend = GMV / 10."""
    rows, sess = [], []
    t0 = pd.Timestamp("2026-01-01")
    for i, (sid, market, cur, g) in enumerate(specs):
        start = t0 + pd.Timedelta(days=i)
        sess.append(
            {
                "session_id": sid,
                "room": "store_sea_1",
                "market": market,
                "currency": cur,
                "planned_start": start,
                "planned_end": start + pd.Timedelta(minutes=minutes),
                "actual_start": start,
            }
        )
        for k in range(minutes):
            rows.append(
                {
                    "session_id": sid,
                    "minute": k,
                    "ts": start + pd.Timedelta(minutes=k),
                    "gmv": g,
                    "ad_spend": g / 10,
                    "orders": 2,
                    "currency": cur,
                }
            )
    lm = pd.DataFrame(rows).reindex(columns=LIVE_MINUTES.column_names)
    for c in LIVE_MINUTES.column_names:
        if c not in ("session_id", "ts", "currency") and lm[c].isna().all():
            lm[c] = 0
    return lm, pd.DataFrame(sess).reindex(columns=SESSIONS.column_names)


def run_on(tmp_path, specs):
    """A LiveRun on a workspace holding ``specs`` and the new PH session NEW (no minutes yet)."""
    lm, s = past(specs)
    new = past([("NEW", "PH", "PHP", 0.0)])[1]
    ws = livecart.init(tmp_path / "ws")
    ws.upsert("sessions", pd.concat([s, new], ignore_index=True))
    ws.upsert("live_minutes", lm)
    rec = tmp_path / "empty.jsonl"
    rec.write_text("")
    return ws, LiveRun(ws, ReplaySource(rec))


IDR = [(f"I{i}", "ID", "IDR", 150_000.0) for i in range(8)]


def test_plan_of_a_session_in_a_mixed_market_room_uses_its_own_currency(tmp_path):
    php = [(f"P{i}", "PH", "PHP", 500.0 * (i + 1)) for i in range(3)]
    ws, run = run_on(tmp_path, IDR + php)
    with ws:
        plan = run.plan_for("NEW")
    assert plan.currency == "PHP" and "room store_sea_1 in PH" in plan.source
    # cumulative ad spend by minute 60: the median of the three PHP sessions (100 x 60 / 10 ...)
    np.testing.assert_allclose(plan.at("cum", "ad_spend", 59), [4500.0, 6000.0, 7500.0])


def test_no_history_in_the_currency_means_no_history_plan_not_another_currency(tmp_path):
    php = [(f"P{i}", "PH", "PHP", 500.0) for i in range(2)]
    ws, run = run_on(tmp_path, IDR + php)
    with ws:
        plan = run.plan_for("NEW")
    assert plan.cum == {} and plan.currency == "PHP"
    assert plan.source == "none: fewer than 3 past sessions in PHP"


def test_plan_from_history_refuses_a_history_in_several_currencies():
    h = from_frames(*past(IDR[:3] + [("P0", "PH", "PHP", 1.0)]))
    with pytest.raises(LivecartError, match="IDR, PHP"):
        plan_from_history(h)


def test_a_plan_in_another_currency_raises_no_pacing_alert():
    st = state(stream(14, lambda m, t: [Event(f"a{m}", "R", t, "ad_spend", amount=1.0)]))
    plan = plan_from_targets(minutes=60, ad_spend=500_000)  # far ahead of 14 x 1.0
    assert "ad_pacing" in {a.rule for a in evaluate(st, plan, AlertRules())}
    plan.currency = "IDR"  # the session is in USD
    assert "ad_pacing" not in {a.rule for a in evaluate(st, plan, AlertRules())}


def relabel(lm: pd.DataFrame, s: pd.DataFrame, cur: str, k: float, prefix: str):
    lm, s = lm.copy(), s.copy()
    lm["session_id"] = prefix + lm["session_id"]
    s["session_id"] = prefix + s["session_id"]
    lm["gmv"] *= k
    lm["currency"] = s["currency"] = cur
    return lm, s


def test_nowcast_levels_are_per_currency_and_do_not_depend_on_exchange_rates():
    """The same 60 sessions once in USD and once in IDR at 16,000 to the dollar: a session's
    nowcast in IDR is 16,000 times its nowcast in USD (to 2%: log1p is not exactly log).
    Pooled on one intercept, IDR sessions would drag USD nowcasts far up."""
    usd = synth_history(60, seed=3)
    idr = relabel(*usd, "IDR", 16_000.0, "X")
    usd = relabel(*usd, "USD", 1.0, "")
    nc = Nowcaster().fit(
        from_frames(*(pd.concat(p, ignore_index=True) for p in zip(usd, idr, strict=True)))
    )
    assert nc.currencies_ == ("IDR", "USD")
    so_far = {"gmv": 600.0, "orders": 30.0, "entries": 900.0}
    a = nc.predict(30, so_far, viewers=400, planned=120, currency="USD")
    b = nc.predict(30, {**so_far, "gmv": 600.0 * 16_000}, viewers=400, planned=120, currency="IDR")
    np.testing.assert_allclose(np.array(b["gmv"]) / np.array(a["gmv"]), 16_000.0, rtol=0.02)
    np.testing.assert_allclose(b["orders"], a["orders"], rtol=0.02)


def test_no_nowcast_for_a_currency_with_too_little_history():
    nc = Nowcaster(min_per_currency=5).fit(from_frames(*synth_history(30, seed=3)))
    assert nc.predict(30, {"gmv": 10.0}, viewers=5, planned=120, currency="PHP") is None
    assert "fewer than 5 past sessions in PHP" in nc.why_not("PHP")
    assert nc.predict(30, {"gmv": 10.0}, viewers=5, planned=120, currency="USD") is not None
