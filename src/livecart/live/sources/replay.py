"""The replay source: a JSON-lines or CSV recording read in batches, optionally paced in real
time. Its position is a byte offset; its identity (path, size, mtime, a hash of its head) is saved
with each checkpoint so that a restart on another file is refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from livecart.errors import LivecartError
from livecart.live.engine import columns as C
from livecart.live.sources.base import Batch
from livecart.model.events import EVENT_FIELDS

HEAD_BYTES = 64 << 10  # how much of a recording's head its identity hashes
# An unpaced replay reads chunks this big: per chunk the runner evaluates each touched room's
# alerts (their minutes all moved on), so small chunks of a fast replay cost more in alerts than
# in parsing. A paced replay reads chunks of PACED_BATCH_BYTES so that positions come often.
BATCH_BYTES = 8 << 20
PACED_BATCH_BYTES = 64 << 10


class ReplaySource:
    """Replay a recording: JSON lines (``.jsonl``, ``.json``, ``.ndjson``) or CSV with a header
    of event field names. ``speed``: 1 = real time, N = N times faster, 0 or None = as fast as
    possible. Real-time pacing follows the events' own timestamps. The position is a byte
    offset into the file (a complete line always ends a batch)."""

    def __init__(
        self,
        path: str | Path,
        speed: float | None = None,
        batch_bytes: int = BATCH_BYTES,
        batch_ms: int = 200,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self._closed = threading.Event()
        if not self.path.exists():
            raise LivecartError(
                f"no event recording at {self.path}: check the path (make one "
                f"with `livecart demo-events DIR SESSION_ID --out FILE`)"
            )
        self.speed = speed or 0.0
        self.batch_bytes = batch_bytes if not speed else min(batch_bytes, PACED_BATCH_BYTES)
        self.batch_ms = batch_ms
        # the default sleep wakes at close(): a paced replay stops at once, not at its next event
        self._sleep, self._clock = sleep or self._closed.wait, clock
        self.is_csv = self.path.suffix.lower() == ".csv"

    def close(self) -> None:
        """Stop handing out batches (a monitor run being stopped): the batch being read
        is the last."""
        self._closed.set()

    def identity(self) -> dict[str, Any]:
        """Saved with each checkpoint: a restart on another file is refused."""
        return file_identity(self.path)

    def batches(self, position: Any = None) -> Iterator[Batch]:
        chunks = self._chunks(int(position or 0))
        if self.speed <= 0:
            yield from chunks
            return
        yield from self._paced(chunks)

    def _chunks(self, offset: int) -> Iterator[Batch]:
        header = self._csv_header() if self.is_csv else None
        with open(self.path, "rb") as f:
            if header is not None and offset == 0:
                offset = len(f.readline())
            f.seek(offset)
            while not self._closed.is_set():
                data = f.read(self.batch_bytes)
                if not data:
                    return
                cut = data.rfind(b"\n") + 1
                if cut == 0 or (len(data) < self.batch_bytes and not data.endswith(b"\n")):
                    data += f.readline()  # the last line, or one longer than a batch
                    cut = len(data)
                f.seek(offset + cut)
                offset += cut
                body = data[:cut]
                cols = parse_csv(body, header) if header else C.parse_lines(body)
                yield Batch(cols, offset)

    def _csv_header(self) -> list[str]:
        with open(self.path, encoding="utf-8") as f:
            return next(csv.reader(f), [])

    def _paced(self, chunks: Iterator[Batch]) -> Iterator[Batch]:
        """Split each chunk into slices of ``batch_ms`` event time and release each slice
        when the replay clock reaches it. Only the last slice of a chunk carries the position
        (the others carry None): a runner checkpoints at chunk ends only, so the state saved
        and the position saved always agree."""
        t0_event: int | None = None
        t0_wall = self._clock()
        for batch in chunks:
            cols = batch.events
            if not len(cols):
                yield batch
                continue
            if t0_event is None:
                t0_event = int(cols.ts.min())
            # slices of batch_ms of wall-clock time: speed x batch_ms of event time
            width = max(int(self.batch_ms * self.speed), 1)
            slot = (cols.ts - t0_event) // width
            order = np.argsort(slot, kind="stable")
            slots = slot[order]
            cuts = np.flatnonzero(np.r_[True, slots[1:] != slots[:-1]])
            for n, lo in enumerate(cuts):
                hi = cuts[n + 1] if n + 1 < len(cuts) else len(order)
                due = t0_wall + max(int(slots[lo]) * width, 0) / 1000.0 / self.speed
                wait = due - self._clock()
                if wait > 0:
                    self._sleep(wait)
                if self._closed.is_set():
                    return
                part = cols.take(order[lo:hi])
                if n == 0:
                    part.malformed = cols.malformed
                yield Batch(part, batch.position if hi == len(order) else None)


def file_identity(path: str | Path) -> dict[str, Any]:
    """Who a recording is: resolved path, size, mtime_ns and the SHA-256 of its first
    ``HEAD_BYTES`` (``head_len`` says how many bytes the hash covers)."""
    p = Path(path).resolve()
    st = p.stat()
    with open(p, "rb") as f:
        head = f.read(HEAD_BYTES)
    return {
        "kind": "file",
        "path": str(p),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "head_len": len(head),
        "head_sha256": hashlib.sha256(head).hexdigest(),
    }


def parse_csv(data: bytes, header: list[str]) -> C.Columns:
    """CSV rows (header = event field names) into Columns; empty cells are absent fields."""
    ints = {"ts", "count", "diamonds", "quantity", "level", "planned_minutes"}
    floats = {"price", "amount"}
    rows: list[dict] = []
    bad: list[C.Malformed] = []
    for rec in csv.reader(io.StringIO(data.decode("utf-8", "replace"))):
        if not rec:
            continue
        d: dict[str, Any] = {}
        try:
            for k, v in zip(header, rec, strict=True):
                if v == "":
                    continue
                d[k] = int(v) if k in ints else float(v) if k in floats else v
        except ValueError as e:
            bad.append(C.Malformed(f"bad CSV event row: {e}", ",".join(rec)[:200]))
            continue
        rows.append(d)
    cols = C.from_dicts(rows)
    cols.malformed = bad + cols.malformed
    return cols


KNOWN_FIELDS = sorted({f for r, o in EVENT_FIELDS.values() for f in r + o})
