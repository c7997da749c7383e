"""The monitor's compiled kernels (numba): whether their on-disk cache is ready, and compiling
them once with progress.

numba compiles the scanner (tokens.py, scan_kernel.py) and the fold (aggregate.py) on their
first call, about 20 s of one core, and keeps the machine code on disk (``cache=True``): beside
the sources in ``__pycache__`` when the package folder is writable, else in numba's per-user
cache folder (``~/.cache/numba``), or in ``NUMBA_CACHE_DIR`` when that is set. Later processes
load it in well under a second. A recompile happens only after livecart or numba changes.

``compile_kernels`` runs a small recording through the monitor so every kernel a replay, a
worker or the HTTP ingest calls is compiled (or loaded) before the real work starts, reporting
each kernel as it is done: the CLI shows that as a progress bar on a fresh install.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numba.core import event as numba_event
from numba.core.registry import CPUDispatcher

from livecart.live.engine import aggregate, scan_kernel, tokens
from livecart.model.events import EVENT_TYPES

T0 = 1_764_615_600_000  # 2025-12-01T19:00:00Z, any time works


def dispatchers() -> list[CPUDispatcher]:
    """Every cached kernel of the scanner and the fold."""
    found: list[CPUDispatcher] = []
    for module in (tokens, scan_kernel, aggregate):
        for value in vars(module).values():
            if not isinstance(value, CPUDispatcher) or value.targetoptions.get("inline"):
                continue  # an inlined kernel is compiled (and cached) inside its callers
            found.append(value)
    return found


def _cached(d: CPUDispatcher) -> bool:
    """Whether the kernel has a fresh entry on disk (numba's own index check: source stamp and
    numba version)."""
    try:
        return bool(d._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001  (a private numba API: unknown means "not cached")
        return False


def uncached() -> list[str]:
    """Names of the kernels that the next call would compile rather than load."""
    return [d.py_func.__name__ for d in dispatchers() if not _cached(d)]


def cache_dir() -> str:
    """Where the kernels' machine code is kept."""
    ds = dispatchers()
    return str(ds[0]._cache.cache_path) if ds else ""


def sample_lines(rooms: int = 3, per_room: int = 800) -> bytes:
    """A small recording with every event type, a repeated id, a late event and a malformed
    line: enough to call every kernel a real stream calls."""
    fields = {
        "viewers": {"count": 120},
        "like": {"user_id": "u1", "count": 3},
        "join": {"user_id": "u2", "source": "foryou"},
        "comment": {"user_id": "u3", "text": "hi"},
        "gift": {"user_id": "u4", "count": 1, "diamonds": 5},
        "product_impression": {"sku_id": "K1", "count": 4},
        "product_click": {"sku_id": "K1", "user_id": "u5"},
        "add_to_cart": {"sku_id": "K2", "user_id": "u5"},
        "order": {"order_id": "o", "sku_id": "K2", "quantity": 2, "price": 19.9,
                  "currency": "USD", "buyer_id": "b1"},
        "pin": {"sku_id": "K1"},
        "ad_spend": {"amount": 12.5, "currency": "USD", "phase": "live"},
        "stock": {"sku_id": "K2", "level": 50},
    }  # fmt: skip
    kinds = [k for k in EVENT_TYPES if k in fields]
    lines: list[str] = []
    for r in range(rooms):
        sid = f"R{r}"
        start = {"id": f"s{r}", "session_id": sid, "ts": T0, "type": "live_start"}
        lines.append(json.dumps({**start, "planned_minutes": 60, "currency": "USD"}))
        for i in range(per_room):
            k = kinds[i % len(kinds)]
            extra: dict[str, Any] = dict(fields[k])
            if k == "order":
                extra["order_id"] = f"o{r}-{i}"
            if "user_id" in extra:  # many distinct strings: the tables grow (rehash kernels)
                extra["user_id"] = f"u{r}-{i}"
            ev = {"id": f"e{r}-{i}", "session_id": sid, "ts": T0 + 1000 + i * 9000, "type": k}
            lines.append(json.dumps({**ev, **extra}))
        lines.append(lines[-1])  # a repeated id
        late = {"id": f"late{r}", "session_id": sid, "ts": T0 + 5, "type": "like", "count": 1}
        lines.append(json.dumps(late))
        end = {"id": f"end{r}", "session_id": sid, "ts": T0 + 3_700_000, "type": "live_end"}
        lines.append(json.dumps(end))
    lines.append('{"id": "bad", "type": ')
    return ("\n".join(lines) + "\n").encode()


class _CompileCounter(numba_event.Listener):
    def __init__(self, names: set[str], report: Callable[[str], None]) -> None:
        self.names, self.report = names, report

    def on_start(self, event: numba_event.Event) -> None:
        pass

    def on_end(self, event: numba_event.Event) -> None:
        name = event.data["dispatcher"].py_func.__name__
        if name in self.names:
            self.names.discard(name)
            self.report(name)


def compile_kernels(on_kernel: Callable[[str], None] | None = None) -> float:
    """Compile (or load) every kernel by monitoring a small sample; ``on_kernel(name)`` is
    called as each uncached kernel finishes compiling. Returns the seconds it took."""
    from livecart.live.engine.kpis import snapshot
    from livecart.live.engine.monitor import Monitor

    t = time.perf_counter()
    listener = _CompileCounter(set(uncached()), on_kernel or (lambda name: None))
    with numba_event.install_listener("numba:compile", listener):
        mon = Monitor(lateness_seconds=120)
        data = sample_lines()
        half = data.rfind(b"\n", 0, len(data) // 2) + 1
        mon.feed_lines(data[:half])
        mon.feed_lines(data[half:])
        for st in mon.sessions.values():
            snapshot(st)  # the per-SKU window
        tokens.hash_strings(["an id"])  # the path of events that arrive as objects
        # the scanner's string table grows only past ~500 distinct strings in one block
        table, keys = np.full(1024, -1, dtype=np.int32), np.zeros((256, 2), dtype=np.uint64)
        scan_kernel.rehash(table, keys, 0)
    return time.perf_counter() - t
