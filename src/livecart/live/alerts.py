"""Alerts with a recommended action: rules evaluated on a session's state against its plan, a
book that deduplicates them (one alert per rule and subject while the condition holds) and lets
a person acknowledge them, and sinks that deliver new alerts (a webhook here; the CLI and the
dashboard read the book).

Rules (thresholds in AlertRules, all with defaults):
- ``stockout``: a SKU sells out within ``stockout_minutes`` at its recent sales rate;
- ``ctr_low`` / ``ctor_low``: the minute's rate is below the plan's lower line for
  ``rate_minutes`` completed minutes in a row (minutes with too few impressions or clicks to
  judge don't break or extend the run);
- ``viewers_drop``: viewers online have stayed ``viewer_drop`` below the golden-hour peak for
  ``viewer_drop_minutes`` completed minutes;
- ``ad_pacing``: cumulative ad spend is off the plan's median by more than ``pacing_tolerance``.
"""

from __future__ import annotations

import json
import queue
import threading
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from livecart.live.engine.kpis import ratio, sku_rows, stockout_eta, viewers_by_minute
from livecart.live.engine.state import M, SessionState
from livecart.live.targets import GOLDEN_HOUR, Plan

STOCK_WINDOW = 10  # minutes of sales a SKU's stock-out estimate runs at
PIN_MIN_MINUTES = 2.0  # a SKU to pin must last this long even if it took the room's whole pace
# Never suggest pinning a SKU with fewer units left than this, however slow the room: a pinned
# product sells several times faster than the room's past pace shows (in a slow room 0.1
# units/min makes 2 units "last" 20 min), and a host who pins a SKU with a unit or two left
# sees it sell out at the first burst of orders and has to switch again.
PIN_MIN_UNITS = 5


@dataclass(frozen=True)
class AlertRules:
    stockout_minutes: float = 10.0
    rate_minutes: int = 5
    min_impressions: int = 30  # a minute's CTR is judged only above this many impressions
    min_clicks: int = 10  # a minute's CTOR is judged only above this many clicks
    viewer_drop: float = 0.3
    viewer_drop_minutes: int = 2
    pacing_tolerance: float = 0.25
    pacing_after_minutes: int = 5


@dataclass
class Alert:
    id: str
    session_id: str
    rule: str
    subject: str
    minute: int
    message: str
    action: str
    acked: bool = False
    # the how-many-th time this alert was raised in the live (it clears, then holds again):
    # with ``id``, the key of one raise, by which a receiver (or the workers of a Redis
    # group, ``sources.redis_alerts``) delivers each raise once
    seq: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(st: SessionState, plan: Plan | None, rules: AlertRules) -> list[Alert]:
    """The conditions that hold now for one session. A plan in another currency than the
    session's is not compared with it (its money targets mean nothing here)."""
    if plan is not None and plan.currency and st.currency and plan.currency != st.currency:
        plan = None
    out = _stockouts(st, rules)
    # the completed minutes' sums (each rule reads the few columns it judges)
    done = st.minutes[: min(st.current_minute(), st.n_minutes)]
    if plan is not None:
        out += _rate_low(
            st,
            done,
            plan,
            rules,
            "ctr",
            "product_clicks",
            "product_impressions",
            rules.min_impressions,
            "click-through rate",
            "change the offer or the script: show the price, a bundle or a "
            "countdown on the pinned product",
        )
        out += _rate_low(
            st,
            done,
            plan,
            rules,
            "ctor",
            "orders",
            "product_clicks",
            rules.min_clicks,
            "click-to-order rate",
            "change the offer: a limited discount, free "
            "shipping or a smaller bundle; answer objections in the script",
        )
        out += _pacing(st, done, plan, rules)
    out += _viewers_drop(st, done, rules)
    return out


def _alert(st: SessionState, rule: str, subject: str, message: str, action: str) -> Alert:
    return Alert(
        f"{st.session_id}:{rule}:{subject}",
        st.session_id,
        rule,
        subject,
        st.current_minute(),
        message,
        action,
    )


def _stockouts(st: SessionState, rules: AlertRules) -> list[Alert]:
    if not st.stock_counted():
        return []  # no SKU's stock is known: none can be seen selling out
    v = st.sku_view(STOCK_WINDOW)
    if not (stockout_eta(v["stock_left"], v["units_per_minute"]) <= rules.stockout_minutes).any():
        return []  # the usual case, found without a row per SKU
    skus = sku_rows(st, STOCK_WINDOW)
    soon = [r for r in skus if r["stockout_eta_minutes"] <= rules.stockout_minutes]
    # a pinned product sells at least as fast as the room's fastest SKU now or so far
    so_far = st.sku_view(max(st.current_minute(), 1))["units_per_minute"]
    alt = _switch_to(skus, soon, rules, float(np.max(so_far, initial=0.0)))
    out = []
    for r in soon:
        left, eta = r["stock_left"], r["stockout_eta_minutes"]
        when = "is sold out" if left <= 0 else f"sells out in ~{eta:.0f} min"
        out.append(
            _alert(
                st,
                "stockout",
                r["sku_id"],
                f"{r['sku_id']} {when} ({left:.0f} left, {r['units_per_minute']:.1f}/min)",
                f"switch the pinned product to {alt}, or release reserved stock of {r['sku_id']}"
                if alt
                else f"restock {r['sku_id']} or release reserved stock of {r['sku_id']}; "
                f"no other SKU has {PIN_MIN_UNITS}+ units, enough for "
                f"{rules.stockout_minutes:.0f} min at this pace, "
                "so pin none of them",
            )
        )
    return out


def _switch_to(skus: list[dict], soon: list[dict], rules: AlertRules, pace: float) -> str | None:
    """The SKU to pin instead of those selling out: the best seller (ties: first in id order)
    whose stock lasts over ``stockout_minutes`` at the pace of a pinned product (the room's
    fastest SKU rate, in the window or ``pace`` over the live so far) and over
    ``PIN_MIN_MINUTES`` even if it took the whole room's sales, and with at least
    ``PIN_MIN_UNITS`` left (the floor for slow rooms), or whose stock is not counted.
    None when no SKU lasts: a SKU with a unit or two left sells out soon after being pinned."""
    gone = {r["sku_id"] for r in soon}
    rates = [r["units_per_minute"] for r in skus]
    pace, room = max(rates + [pace]), sum(rates)

    def lasts(r: dict) -> bool:
        left = r["stock_left"]
        if np.isnan(left):
            return True  # stock never counted: nothing says it sells out
        return (
            left >= PIN_MIN_UNITS
            and (pace <= 0 or left / pace > rules.stockout_minutes)
            and (room <= 0 or left / room > PIN_MIN_MINUTES)
        )

    others = [r for r in skus if r["sku_id"] not in gone and lasts(r)]
    return max(others, key=lambda r: r["gmv"])["sku_id"] if others else None


def _rate_low(
    st: SessionState,
    done,
    plan: Plan,
    rules: AlertRules,
    metric: str,
    num: str,
    den: str,
    min_den: int,
    label: str,
    action: str,
) -> list[Alert]:
    """Alert when the minute's rate was below the plan's lower line in the newest
    ``rate_minutes`` judged minutes (within the plan's horizon, enough ``den`` to judge)."""
    lines = plan.rate.get(metric)
    k = len(done)
    if lines is None or k == 0:
        return []
    value = ratio(done[:, M[num]], done[:, M[den]])  # num / den: the metric, minute by minute
    q = np.full((3, k), np.nan)
    w = min(k, lines.shape[1])
    q[:, :w] = lines[:, :w]  # no target beyond the plan's horizon
    judged = np.flatnonzero(~np.isnan(q).any(axis=0) & (done[:, M[den]] >= min_den))[::-1]
    low = value[judged] < q[0, judged]  # newest first; NaN is not low
    run = int(np.argmin(low)) if not low.all() else len(low)
    if run < rules.rate_minutes:
        return []
    lo, mid = q[0, judged[rules.rate_minutes - 1]], q[1, judged[rules.rate_minutes - 1]]
    return [
        _alert(
            st,
            f"{metric}_low",
            "",
            f"{label} {value[-1]:.1%} "
            f"below plan ({lo:.1%} lower line, {mid:.1%} median) for "
            f"{rules.rate_minutes} minutes",
            action,
        )
    ]


def _viewers_drop(st: SessionState, done, rules: AlertRules) -> list[Alert]:
    k = rules.viewer_drop_minutes
    if len(done) < k + 1:
        return []
    last, peaks, _ = viewers_by_minute(done)
    peak = float(peaks[:GOLDEN_HOUR].max())
    recent = last[-k:]
    if peak <= 0 or not (recent < (1 - rules.viewer_drop) * peak).all():
        return []
    return [
        _alert(
            st,
            "viewers_drop",
            "",
            f"viewers {recent[-1]:.0f}, "
            f"{1 - recent[-1] / peak:.0%} below the golden-hour peak {peak:.0f}",
            "push LIVE ads to refill the room and run an interaction (giveaway, Q&A, "
            "flash deal) to hold viewers",
        )
    ]


def _pacing(st: SessionState, done, plan: Plan, rules: AlertRules) -> list[Alert]:
    m = len(done) - 1
    q = plan.at("cum", "ad_spend", m)
    if m + 1 < rules.pacing_after_minutes or q is None or q[1] <= 0:
        return []
    spent = float(np.cumsum(done[:, M["ad_spend"]])[-1])
    off = spent / q[1] - 1
    if abs(off) <= rules.pacing_tolerance:
        return []
    way = "ahead of" if off > 0 else "behind"
    act = (
        "slow LIVE ads spend (lower the budget or bid) to keep budget for the peak and close"
        if off > 0
        else "raise LIVE ads spend (budget or bid) to catch up with the plan"
    )
    return [
        _alert(
            st,
            "ad_pacing",
            "",
            f"ad spend {spent:,.0f} is {abs(off):.0%} {way} plan ({q[1]:,.0f} by minute {m})",
            act,
        )
    ]


@dataclass
class AlertBook:
    """Active alerts by id, deduplicated: a condition that holds again is not raised again; once
    it clears, a later return raises a new alert (its ``seq`` one more). Acknowledged alerts
    stay quiet until cleared. ``raised``: alert id -> the ``seq`` of its last raise."""

    active: dict[str, Alert] = field(default_factory=dict)
    log: list[Alert] = field(default_factory=list)
    raised: dict[str, int] = field(default_factory=dict)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("raised", {})  # a book checkpointed before ``raised``

    def update(self, session_id: str, conditions: list[Alert]) -> list[Alert]:
        """Replace the session's conditions; return the alerts that are new."""
        now = {a.id: a for a in conditions}
        for aid in [
            a for a, al in self.active.items() if al.session_id == session_id and a not in now
        ]:
            del self.active[aid]
        new = []
        for aid, a in now.items():
            old = self.active.get(aid)
            if old is None:
                a.seq = self.raised.get(aid, 0) + 1
                self.raised[aid] = a.seq
                self.active[aid] = a
                self.log.append(a)
                new.append(a)
            else:
                old.message, old.minute, old.action = a.message, a.minute, a.action
        return new

    def ack(self, alert_id: str) -> bool:
        a = self.active.get(alert_id)
        if a is None:
            return False
        a.acked = True
        return True

    def open_alerts(self) -> list[Alert]:
        return [a for a in self.active.values() if not a.acked]

    def room_alerts(self, session_id: str) -> list[dict[str, Any]]:
        """The session's active alerts (raised, acknowledged or not), then one
        ``{"id", "session_id", "seq", "cleared": True}`` per alert of it raised before and
        cleared since: what a room's shared checkpoint carries to the worker that takes the
        room over (the next raise of a cleared alert continues its ``seq``)."""
        out = [a.to_dict() for a in self.active.values() if a.session_id == session_id]
        out += [
            {"id": aid, "session_id": session_id, "seq": seq, "cleared": True}
            for aid, seq in self.raised.items()
            if aid not in self.active and aid.startswith(session_id + ":")
        ]
        return out

    def adopt_room(self, session_id: str, alerts: list[dict[str, Any]]) -> None:
        """Take a room's alerts from its last owner (``room_alerts``): the conditions they
        name are not raised again while they hold, acknowledged ones stay quiet, an alert this
        book held of the room that the owner's state no longer has is dropped, and raises
        continue the owner's ``seq``."""
        for aid in [a for a, al in self.active.items() if al.session_id == session_id]:
            del self.active[aid]
        for aid in [a for a in self.raised if a.startswith(session_id + ":")]:
            del self.raised[aid]
        for d in alerts:
            if d.get("session_id") != session_id:
                continue
            if d.get("cleared"):
                self.raised[d["id"]] = int(d["seq"])
                continue
            a = Alert(**d)
            self.active[a.id] = a
            self.raised[a.id] = a.seq


class WebhookSink:
    """POSTs each new alert as JSON to ``url`` from a background thread, so a slow receiver
    never stalls the monitor. Failures are kept in ``errors`` (after ``retries`` attempts)."""

    def __init__(self, url: str, timeout: float = 5.0, retries: int = 2) -> None:
        self.url, self.timeout, self.retries = url, timeout, retries
        self.errors: list[str] = []
        self.sent = 0
        self._q: queue.Queue[dict | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def __call__(self, alert: Alert) -> None:
        self._q.put({"type": "alert", **alert.to_dict()})

    def _run(self) -> None:
        while (item := self._q.get()) is not None:
            body = json.dumps(item).encode()
            for attempt in range(self.retries + 1):
                try:
                    req = urllib.request.Request(
                        self.url, body, method="POST", headers={"Content-Type": "application/json"}
                    )
                    with urllib.request.urlopen(req, timeout=self.timeout):
                        self.sent += 1
                    break
                except OSError as e:
                    if attempt == self.retries:
                        self.errors.append(f"{self.url}: {e}")

    def close(self) -> None:
        """Deliver what is queued, then stop."""
        self._q.put(None)
        self._thread.join(timeout=self.timeout * (self.retries + 1) * 4)


__all__ = ["Alert", "AlertBook", "AlertRules", "WebhookSink", "evaluate", "np"]
