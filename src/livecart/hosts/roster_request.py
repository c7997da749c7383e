"""What a roster is asked: the professional hosts (markets, availability windows in their own
zone, hours a day and a week), the week's slots per market, and each host x slot's value; which
host may work which slot (``RosterRequest.allowed``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np


@dataclass
class RosterHost:
    host_id: str
    markets: list[str]
    timezone: str
    windows: dict[int, tuple[float, float]]  # weekday -> (from, to) local hours, host's zone
    max_hours_day: float = 8.0
    max_hours_week: float = 40.0


@dataclass
class Slot:
    market: str
    timezone: str
    start_local: dt.datetime
    minutes: int

    @property
    def start_utc(self) -> dt.datetime:
        return self.start_local.astimezone(dt.UTC)

    @property
    def end_utc(self) -> dt.datetime:
        return self.start_utc + dt.timedelta(minutes=self.minutes)


@dataclass
class RosterRequest:
    hosts: list[RosterHost]
    slots: list[Slot]
    value: np.ndarray  # (hosts, slots) expected GMV, reporting currency
    rest_hours: float = 1.0
    require_all: bool = False
    currency: str = "USD"
    notes: list[str] = field(default_factory=list)  # about the request (hosts left out)

    def allowed(self) -> np.ndarray:
        ok = np.zeros(self.value.shape, bool)
        for i, h in enumerate(self.hosts):
            for j, s in enumerate(self.slots):
                ok[i, j] = s.market in h.markets and _available(h, s)
        return ok


def _available(h: RosterHost, s: Slot) -> bool:
    tz = ZoneInfo(h.timezone)
    a, b = s.start_utc.astimezone(tz), s.end_utc.astimezone(tz)
    w = h.windows.get(a.weekday())
    if w is None:
        return False
    start = a.hour + a.minute / 60
    end = start + s.minutes / 60
    return w[0] <= start and end <= w[1] + 1e-9 and (b.date() == a.date() or w[1] >= 24)


def host_day(h: RosterHost, s: Slot) -> dt.date:
    return s.start_utc.astimezone(ZoneInfo(h.timezone)).date()
