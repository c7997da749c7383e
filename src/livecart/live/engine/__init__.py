"""The event engine: bytes in, per-minute numbers out. ``wire`` scans JSON lines into columns,
``columns`` holds a batch of events as arrays, ``aggregate`` folds batches into each session's
per-minute and per-product arrays, ``state`` names them, ``kpis`` shapes them into rows and
snapshots, and ``monitor`` ties these together for many concurrent sessions.

The engine imports only ``livecart.model`` and ``livecart.errors`` (tests/test_layers.py checks).
"""

from livecart.live.engine.columns import Columns, from_dicts, from_events, parse_lines
from livecart.live.engine.monitor import Monitor

__all__ = ["Columns", "Monitor", "from_dicts", "from_events", "parse_lines"]
