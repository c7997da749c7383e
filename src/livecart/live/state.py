"""Per-session state of the monitor: a (minute x metric) array of summed numerators and
denominators, per-SKU totals and stock, and the counters of what was dropped and why.

Only sums (and the viewer peak and last snapshot) are stored; every ratio (CTR, CTOR, GPM, AOV) is
computed when it is read, from summed numerators and denominators (METRICS.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from livecart.model.events import JOIN_SOURCES

SUMMED = (
    "entries",
    "exits",
    "comments",
    "likes",
    "shares",
    "new_followers",
    "fan_club_joins",
    "gifts",
    "product_impressions",
    "product_clicks",
    "add_to_carts",
    "orders",
    "units",
    "gmv",
    "ad_spend",
    *(f"traffic_{s}" for s in JOIN_SOURCES),
    "viewers_sum",
    "viewers_n",
)
VIEWER_COLS = ("viewers_peak", "viewers_last", "viewers_last_ts")
METRICS = SUMMED + VIEWER_COLS
M = {name: i for i, name in enumerate(METRICS)}
NM = len(METRICS)
SKU_METRICS = ("product_impressions", "product_clicks", "add_to_carts", "orders", "units", "gmv")
MAX_MINUTES = 24 * 60  # a live longer than a day is a broken start time, not a live

DROP_REASONS = ("late", "duplicate", "before_start", "too_long", "currency", "no_start")


@dataclass
class SkuState:
    """Stock and sales timing of one SKU (its counts are in SessionState.sku_totals)."""

    stock_level: float | None = None  # last stock snapshot
    stock_ts: int = -1
    orders: list[tuple[int, float]] = field(default_factory=list)  # (ts, units) for stock math
    units_by_minute: dict[int, float] = field(default_factory=dict)

    def stock_left(self) -> float | None:
        if self.stock_level is None:
            return None
        sold = sum(q for ts, q in self.orders if ts >= self.stock_ts)
        return max(self.stock_level - sold, 0.0)

    def sales_rate(self, minute: int, window: int) -> float:
        """Units per minute over the last ``window`` completed minutes before ``minute`` (in
        minute 0, nothing is complete yet: the current minute's sales so far)."""
        hi = max(minute, 1)
        lo = max(hi - window, 0)
        return sum(q for m, q in self.units_by_minute.items() if lo <= m < hi) / (hi - lo)


@dataclass
class SessionState:
    session_id: str
    index: int
    start_ts: int
    planned_minutes: int | None = None
    market: str | None = None
    currency: str | None = None
    end_ts: int | None = None
    watermark: int = -(2**62)
    last_arrival_ts: int | None = None  # time of the event that arrived last (Monitor._drop_late)
    minutes: np.ndarray = field(default_factory=lambda: np.zeros((64, NM)))
    n_minutes: int = 0  # highest minute seen + 1
    skus: dict[str, SkuState] = field(default_factory=dict)
    sku_rows: dict[str, int] = field(default_factory=dict)  # SKU -> row of sku_totals
    sku_totals: np.ndarray = field(default_factory=lambda: np.zeros((16, len(SKU_METRICS))))
    pinned: str | None = None
    pinned_ts: int = -1
    accepted: int = 0
    stock_seeded: bool = False  # the planned starting stock was applied (LiveRun.starting_stock)
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DROP_REASONS, 0))

    def ensure(self, n: int) -> None:
        """Room for minutes [0, n)."""
        if n > len(self.minutes):
            grown = np.zeros((max(n, 2 * len(self.minutes)), NM))
            grown[: len(self.minutes)] = self.minutes
            self.minutes = grown
        self.n_minutes = max(self.n_minutes, n)

    def sku(self, sku_id: str) -> SkuState:
        s = self.skus.get(sku_id)
        if s is None:
            s = self.skus[sku_id] = SkuState()
        return s

    def sku_row(self, sku_id: str) -> int:
        r = self.sku_rows.get(sku_id)
        if r is None:
            r = self.sku_rows[sku_id] = len(self.sku_rows)
            if r >= len(self.sku_totals):
                grown = np.zeros((2 * len(self.sku_totals), len(SKU_METRICS)))
                grown[: len(self.sku_totals)] = self.sku_totals
                self.sku_totals = grown
        return r

    def current_minute(self) -> int:
        """The minute the session's clock (its newest event) is in."""
        if self.watermark < self.start_ts:
            return 0
        return int((self.watermark - self.start_ts) // 60000)

    def add_block(self, lo: int, block: np.ndarray) -> None:
        """Merge an aggregated block of minutes [lo, lo + len(block)) into the state."""
        hi = lo + len(block)
        self.ensure(hi)
        cur = self.minutes[lo:hi]
        s = len(SUMMED)
        cur[:, :s] += block[:, :s]
        p, la, lt = M["viewers_peak"], M["viewers_last"], M["viewers_last_ts"]
        np.maximum(cur[:, p], block[:, p], out=cur[:, p])
        newer = block[:, lt] >= cur[:, lt]
        has = block[:, lt] > 0
        upd = newer & has
        cur[upd, la] = block[upd, la]
        cur[upd, lt] = block[upd, lt]
