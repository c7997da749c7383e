"""Columnar event batches: the one shape every source's events take inside the monitor.

A batch is a handful of NumPy arrays (one row per event) so that aggregation is a few
``bincount`` calls instead of a Python loop per event. JSON-lines bytes are read by a byte
scanner (wire.scan_lines, numba) that decodes the lines it can decode exactly; every other line
(a broken one, a wrong type, an escape in an id, a number it cannot convert bit for bit) is
parsed line by line with json.loads, which keeps every good event and reports each bad one with
its reason. Either way the result is what the line-by-line parser alone would give.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pandas.api.extensions import take

from livecart.errors import EventError
from livecart.live.engine import tokens, wire
from livecart.live.engine.tokens import hash_strings
from livecart.model.events import (
    EVENT_FIELDS,
    EVENT_TYPES,
    JOIN_SOURCES,
    Event,
    event_from_dict,
)

TYPE_CODE = {t: i for i, t in enumerate(EVENT_TYPES)}
SOURCE_CODE = {s: i for i, s in enumerate(JOIN_SOURCES)}
NO_SOURCE = len(JOIN_SOURCES)

_STR = (
    "id",
    "session_id",
    "type",
    "user_id",
    "source",
    "text",
    "sku_id",
    "order_id",
    "currency",
    "buyer_id",
    "phase",
    "market",
)
_INT = ("ts", "count", "diamonds", "quantity", "level", "planned_minutes")
_FLOAT = ("price", "amount")


@dataclass(frozen=True)
class Malformed:
    """One event that could not be used, and why (the line's start, for a person to find it)."""

    reason: str
    raw: str = ""


@dataclass
class Columns:
    """Events as parallel arrays. ``id_hash`` is the event id's 64-bit hash (tokens.hash_strings:
    ids are only compared, never shown); other strings are object arrays; missing numbers are NaN;
    ``etype`` and ``source`` are small integer codes (see TYPE_CODE and SOURCE_CODE). Fields the
    monitor never reads (order_id, user_id, text, ...) are validated and left out."""

    id_hash: np.ndarray  # uint64
    session_id: np.ndarray
    ts: np.ndarray  # int64 ms
    etype: np.ndarray  # int8
    count: np.ndarray  # float64, NaN when absent
    sku_id: np.ndarray
    quantity: np.ndarray
    price: np.ndarray
    amount: np.ndarray
    level: np.ndarray
    source: np.ndarray  # int8, NO_SOURCE when absent
    currency: np.ndarray
    planned_minutes: np.ndarray
    market: np.ndarray
    malformed: list[Malformed] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, idx: np.ndarray) -> Columns:
        """Rows ``idx`` (an index or boolean array), malformed list left behind."""
        return Columns(**{n: getattr(self, n)[idx] for n in ARRAY_FIELDS})


ARRAY_FIELDS = tuple(n for n in Columns.__dataclass_fields__ if n != "malformed")
_NUM = ("count", "quantity", "price", "amount", "level", "planned_minutes")
_OBJ = ("session_id", "sku_id", "currency", "market")
_KIND = (
    {n: tokens.SKIP for n in _STR}
    | {n: tokens.KEEP for n in _OBJ}
    | {"id": tokens.ID, "type": tokens.TYPE, "source": tokens.SOURCE}
    | {n: tokens.COUNT if n in _NUM else tokens.INT for n in _INT}
    | {"ts": tokens.TS}
    | {n: tokens.NUMBER for n in _FLOAT}
)
_LAYOUT = wire.layout(
    fields=tuple(Event.__dataclass_fields__),
    kinds=_KIND,
    keep=_OBJ,
    nums=_NUM,
    types=EVENT_TYPES,
    required={t: ("id", "session_id", "ts", "type", *req) for t, (req, _) in EVENT_FIELDS.items()},
    sources=JOIN_SOURCES,
)


def empty() -> Columns:
    return from_dicts([])


def concat(parts: Sequence[Columns]) -> Columns:
    if not parts:
        return empty()
    out = Columns(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in ARRAY_FIELDS})
    out.malformed = [m for p in parts for m in p.malformed]
    return out


def from_events(events: Iterable[Event]) -> Columns:
    """Columns from Event objects (already validated)."""
    return from_dicts([e.to_dict() for e in events], validated=True)


def from_dicts(rows: Sequence[dict], validated: bool = False) -> Columns:
    """Columns from decoded JSON objects; each is validated (event_from_dict) unless told."""
    bad: list[Malformed] = []
    if not validated:
        good, bad = _validate(rows)
        rows = [rows[j] for j in good]
    cols = Columns(
        id_hash=hash_strings([str(d["id"]) for d in rows]),
        **{n: np.array([d.get(n) for d in rows], dtype=object) for n in _OBJ},
        ts=np.array([d["ts"] for d in rows], dtype=np.int64),
        etype=np.array([TYPE_CODE[d["type"]] for d in rows], dtype=np.int8),
        source=np.array([SOURCE_CODE.get(d.get("source"), NO_SOURCE) for d in rows], np.int8),
        **{n: np.array([_num(d.get(n)) for d in rows], dtype=np.float64) for n in _NUM},
    )
    cols.malformed = bad
    return cols


def _validate(rows: Sequence[dict]) -> tuple[list[int], list[Malformed]]:
    """Indices of the rows that are valid events, and why each other one is not."""
    good: list[int] = []
    bad: list[Malformed] = []
    for j, d in enumerate(rows):
        try:
            if not isinstance(d, dict):
                raise EventError("a JSON event must be an object")
            event_from_dict(d)
            _check_values(d)
        except EventError as e:
            bad.append(Malformed(str(e), json.dumps(d, default=str)[:200]))
            continue
        good.append(j)
    return good, bad


def _num(v: object) -> float:
    return float("nan") if v is None else float(v)  # type: ignore[arg-type]


def _check_values(d: dict) -> None:
    """Value checks event_from_dict leaves to the consumer: numbers must be numbers >= 0, and
    ts must fit the int64 column (one such line once failed its whole batch)."""
    if not -(1 << 63) <= d["ts"] < 1 << 63:
        raise EventError(f"event {d.get('id')!r}: 'ts' {d['ts']} is out of range (milliseconds)")
    for n in _NUM:
        v = d.get(n)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v < 0):
            raise EventError(f"event {d.get('id')!r}: {n!r} must be a number >= 0, got {v!r}")


def parse_lines(data: bytes) -> Columns:
    """Parse JSON-lines bytes (blank lines skipped): the same Columns as ``_parse_slow(data)``
    for any input, rows in line order, at 5 to 7 million lines per CPU-second. The number
    arrays are views of one block (see wire.scan_lines); ``take`` copies."""
    s = wire.scan_lines(data, _LAYOUT)
    n = s.rows
    text = s.text.tobytes()
    uniques = np.empty(len(s.uniques) + 1, dtype=object)  # the last stays None: code -1
    uniques[:-1] = [text[a:b].decode() for a, b in s.uniques.tolist()]
    cols = Columns(
        id_hash=s.id_hash[:n],
        ts=s.ts[:n],
        etype=s.etype[:n],
        source=s.source[:n],
        **{f: s.nums[j, :n] for j, f in enumerate(_NUM)},
        **{f: _strings(uniques, s.codes[j, :n]) for j, f in enumerate(_OBJ)},
    )
    if len(s.slow):
        cols = _merge_careful(cols, data, s.slow)
    return cols


def _strings(uniques: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """uniques[codes] as an object array (code -1 is the None at the end)."""
    present = codes >= 0
    k = int(np.count_nonzero(present))
    if 8 * k >= len(codes):
        return take(uniques, codes)  # pandas' take: faster than NumPy's for object arrays
    out = np.empty(len(codes), dtype=object)  # None
    if k:
        at = np.flatnonzero(present)
        out[at] = take(uniques, codes[at])
    return out


def _merge_careful(cols: Columns, data: bytes, slow: np.ndarray) -> Columns:
    """``cols`` with the rows of the lines the scanner left (start, end, rows before) put back
    in their places, and those lines' malformed reasons."""
    lines = [bytes(data[a:b]) for a, b, _ in slow.tolist()]
    careful, at = _parse_careful(lines)
    if not len(cols):
        return careful
    if any(getattr(careful, n).ndim != 1 for n in _OBJ):
        return _parse_slow(data)  # list values made from_dicts build 2-D columns: as it does
    out = cols
    if len(careful):
        pos = slow[at, 2]
        out = Columns(
            **{n: np.insert(getattr(cols, n), pos, getattr(careful, n)) for n in ARRAY_FIELDS}
        )
    out.malformed = careful.malformed
    return out


def _parse_slow(data: bytes) -> Columns:
    """The reference parser: json.loads per line, then from_dicts."""
    return _parse_careful(data.splitlines())[0]


def _parse_careful(lines: Sequence[bytes]) -> tuple[Columns, list[int]]:
    """Columns of the good lines, and the index of each row's line."""
    rows: list[dict] = []
    at: list[int] = []
    bad: list[Malformed] = []
    for k, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
            at.append(k)
        except ValueError as e:
            bad.append(Malformed(f"not a JSON event: {e}", line[:200].decode("utf-8", "replace")))
    good, invalid = _validate(rows)
    cols = from_dicts([rows[j] for j in good], validated=True)
    cols.malformed = bad + invalid
    return cols, [at[j] for j in good]
