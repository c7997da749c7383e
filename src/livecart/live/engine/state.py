"""Per-session state of the monitor: its clock, counters of what was dropped and why, and (read
through the monitor's Aggregates) a (minute x metric) array of summed numerators and
denominators (the metrics of ``model.events.MINUTE_METRICS``, then the viewer snapshots' sum,
count, peak and last) and per-SKU totals and stock.

Only sums (and the viewer peak and last snapshot) are stored; every ratio (CTR, CTOR, GPM, AOV) is
computed when it is read, from summed numerators and denominators (docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from livecart.model.events import MINUTE_METRICS

SUMMED = (*(m.name for m in MINUTE_METRICS), "viewers_sum", "viewers_n")
VIEWER_COLS = ("viewers_peak", "viewers_last", "viewers_last_ts")
METRICS = SUMMED + VIEWER_COLS
M = {name: i for i, name in enumerate(METRICS)}
NM = len(METRICS)
SKU_METRICS = tuple(m.name for m in MINUTE_METRICS if m.per_product)
MAX_MINUTES = 24 * 60  # a live longer than a day is a broken start time, not a live

DROP_REASONS = ("late", "duplicate", "before_start", "too_long", "currency", "no_start")


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
    last_arrival_ts: int | None = None  # time of the event that arrived last (aggregate._fold)
    n_minutes: int = 0  # highest minute seen + 1
    pinned: str | None = None
    pinned_ts: int = -1
    accepted: int = 0
    stock_seeded: bool = False  # the planned starting stock was applied (LiveRun.starting_stock)
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DROP_REASONS, 0))
    agg: Any = field(default=None, repr=False, compare=False)  # the monitor's Aggregates

    @property
    def minutes(self) -> np.ndarray:
        """(minute x metric) sums; rows from n_minutes on are zero."""
        return self.agg.minutes(self.index)

    def sku_view(self, window: int = 10) -> dict[str, Any]:
        """Per SKU (first seen first): totals, stock, units per minute (Aggregates.sku_view)."""
        return self.agg.sku_view(self.index, self.current_minute(), window)

    def stock_counted(self) -> bool:
        """Whether any of the session's SKUs has a stock level (counted or planned)."""
        return self.agg.stock_counted(self.index)

    def seed_stock(self, sku_id: str, level: float) -> None:
        """A planned starting stock for a SKU the room has not counted yet."""
        self.agg.seed_stock(self.index, sku_id, level, self.start_ts)

    def current_minute(self) -> int:
        """The minute the session's clock (its newest event) is in."""
        if self.watermark < self.start_ts:
            return 0
        return int((self.watermark - self.start_ts) // 60000)
