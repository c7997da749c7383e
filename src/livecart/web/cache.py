"""Results of slow reads (a products ranking, a stock plan: seconds of model fitting), kept
until their inputs change, so that reading an existing result answers at once.

A result's key is its fingerprint: the route, its parameters, the versions of the tables it
reads (``tables=``: each bumped when a committed write of the process that owns the workspace
changed that table; a server is that process, and a CLI command it runs for a client writes
through the same workspace) and, for results that depend on the time (a plan made "as of now"
moves with it), the clock's UTC minute. A result that names no tables is keyed on the
workspace's ``data_version``: any write computes it anew. Naming too few tables shows stale
results: tests/web/test_cache_tables.py traces the tables each result reads and fails on one it
does not name. A workspace that reads a lake (``query_source``) is not written by its own
transactions when the lake changes: there every result is kept for its minute at most.
Concurrent requests for the same key compute it once. The cache is bounded (least recently
used results go first)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

T = TypeVar("T")
SIZE = 128
# the tables of the lives' history: the lives, their line-ups, sales and ad spend, and the
# products with their test videos (the host model and the stock plans read them all)
LIVES_TABLES = ("sessions", "session_products", "orders", "ad_spend", "products", "videos")


class ResultCache:
    def __init__(self, size: int = SIZE, clock: Callable[[], float] = time.time) -> None:
        self.size, self.clock = size, clock
        self._done: OrderedDict[tuple, Any] = OrderedDict()
        self._busy: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                self.hits += 1
                return self._done[key]
            busy = self._busy.setdefault(key, threading.Lock())
        with busy:  # one computation per key; the others wait for it
            with self._lock:
                if key in self._done:
                    self.hits += 1
                    return self._done[key]
            value = compute()  # an error is not cached: the next request tries again
            with self._lock:
                self.misses += 1
                self._done[key] = value
                while len(self._done) > self.size:
                    self._done.popitem(last=False)
                self._busy.pop(key, None)
            return value


def cached(
    request: Request,
    name: str,
    compute: Callable[[], T],
    *,
    clock: bool = True,
    tables: tuple[str, ...] | None = None,
    **params: Any,
) -> T:
    """``compute()``, or its result for the same route, parameters, data and minute
    (``clock=False``: any minute, for results that depend on the data alone, like a model fitted
    on the workspace's history). ``tables``: every table ``compute`` reads, so that writes to
    others keep the result; None: any write computes it anew."""
    state = request.app.state
    cache = getattr(state, "result_cache", None)
    if cache is None:
        cache = state.result_cache = ResultCache()
    ws = state.workspace
    clock = clock or bool(ws.settings.query_source)  # a lake changes without our writes
    data = ("any", ws.data_version) if tables is None else (tables, ws.table_versions.key(tables))
    key = (name, tuple(sorted((k, repr(v)) for k, v in params.items())), data)
    return cache.get((*key, int(cache.clock() // 60) if clock else None), compute)
