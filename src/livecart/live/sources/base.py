"""Sources: where events come from. Every source is an iterator of ``Batch`` objects, each
holding columnar events and the source's position *after* them. The monitor checkpoints that
position with its state; a restarted source resumes from it, so each event is applied once.

The sources (``replay``: a recording; ``tiktok``: the TikTok LIVE client; ``http_ingest``: signed
HTTP posts; ``redis_stream``: Redis Streams) each implement the ``Source`` protocol below.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from livecart.live.engine import columns as C


@dataclass
class Batch:
    events: C.Columns
    position: Any  # JSON-serialisable: where to resume after this batch
    # sessions taken over whole from another worker's shared checkpoint, applied before the
    # events: session id -> its state (engine.handover.export_session)
    handover: dict[str, bytes] | None = None


class Source(Protocol):
    """One small interface: ``batches(position)`` yields Batches starting after ``position``
    (None: from the beginning). A source that must confirm delivery (a Redis consumer group
    acknowledging entries) may also have ``commit(position)``: the runner calls it after each
    checkpoint with the position the saved state holds, never before."""

    def batches(self, position: Any = None) -> Iterator[Batch]: ...
