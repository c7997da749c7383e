"""Columnar event batches: the one shape every source's events take inside the monitor.

A batch is a handful of NumPy arrays (one row per event) so that aggregation is a few
``bincount`` calls instead of a Python loop per event. JSON-lines bytes are parsed with Arrow's
JSON reader (the fast path); a batch that Arrow cannot read whole (a broken line, a wrong type)
falls back to line-by-line parsing, which keeps every good event and reports each bad one with
its reason.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from livecart.errors import EventError
from livecart.live.wire import hash_strings
from livecart.model.events import EVENT_TYPES, JOIN_SOURCES, Event, event_from_dict

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
ARROW_SCHEMA = pa.schema(
    [(n, pa.string()) for n in _STR]
    + [(n, pa.int64()) for n in _INT]
    + [(n, pa.float64()) for n in _FLOAT]
)


@dataclass(frozen=True)
class Malformed:
    """One event that could not be used, and why (the line's start, for a person to find it)."""

    reason: str
    raw: str = ""


@dataclass
class Columns:
    """Events as parallel arrays. ``id_hash`` is the event id's 64-bit hash (wire.hash_strings:
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
    good: list[dict] = []
    bad: list[Malformed] = []
    for d in rows:
        if not validated:
            try:
                if not isinstance(d, dict):
                    raise EventError("a JSON event must be an object")
                event_from_dict(d)
                _check_values(d)
            except EventError as e:
                bad.append(Malformed(str(e), json.dumps(d, default=str)[:200]))
                continue
        good.append(d)
    cols = Columns(
        id_hash=hash_strings([str(d["id"]) for d in good]),
        **{n: np.array([d.get(n) for d in good], dtype=object) for n in _OBJ},
        ts=np.array([d["ts"] for d in good], dtype=np.int64),
        etype=np.array([TYPE_CODE[d["type"]] for d in good], dtype=np.int8),
        source=np.array([SOURCE_CODE.get(d.get("source"), NO_SOURCE) for d in good], np.int8),
        **{n: np.array([_num(d.get(n)) for d in good], dtype=np.float64) for n in _NUM},
    )
    cols.malformed = bad
    return cols


def _num(v: object) -> float:
    return float("nan") if v is None else float(v)  # type: ignore[arg-type]


def _check_values(d: dict) -> None:
    """Value checks event_from_dict leaves to the consumer: numbers must be numbers >= 0."""
    for n in _NUM:
        v = d.get(n)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v < 0):
            raise EventError(f"event {d.get('id')!r}: {n!r} must be a number >= 0, got {v!r}")


def parse_lines(data: bytes) -> Columns:
    """Parse JSON-lines bytes. Fast path: Arrow's JSON reader with the event schema; on any
    error, line by line so one bad line costs only itself."""
    if not data.strip():
        return empty()
    try:
        table = pajson.read_json(
            io.BytesIO(data),
            read_options=pajson.ReadOptions(use_threads=False, block_size=max(len(data), 1 << 20)),
            parse_options=pajson.ParseOptions(
                explicit_schema=ARROW_SCHEMA, unexpected_field_behavior="error"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _parse_slow(data)
    cols = _from_arrow(table)
    return cols if cols is not None else _parse_slow(data)


def _parse_slow(data: bytes) -> Columns:
    rows: list[dict] = []
    bad: list[Malformed] = []
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError as e:
            bad.append(Malformed(f"not a JSON event: {e}", line[:200].decode("utf-8", "replace")))
    cols = from_dicts(rows)
    cols.malformed = bad + cols.malformed
    return cols


def _from_arrow(t: pa.Table) -> Columns | None:
    """Columns from an Arrow table, or None when some row needs the careful path (a missing or
    unknown field value, a negative number): then every row is checked one by one."""
    import pyarrow.compute as pc

    etype_arr = t["type"]
    codes = pc.index_in(etype_arr, value_set=pa.array(EVENT_TYPES))
    if codes.null_count or t["id"].null_count or t["session_id"].null_count or t["ts"].null_count:
        return None
    etype = codes.to_numpy(zero_copy_only=False).astype(np.int8)
    num = {n: t[n].to_numpy(zero_copy_only=False).astype(np.float64, copy=False) for n in _NUM}
    with np.errstate(invalid="ignore"):
        if any((v < 0).any() for v in num.values()):
            return None
    if not _required_present(t, etype):
        return None
    src = t["source"]
    source = np.full(len(t), NO_SOURCE, dtype=np.int8)
    if src.null_count < len(t):
        sc = pc.index_in(src, value_set=pa.array(JOIN_SOURCES))
        if sc.null_count != src.null_count:
            return None  # an unknown join source: let the careful path name it
        source = sc.fill_null(NO_SOURCE).to_numpy(zero_copy_only=False).astype(np.int8)
    obj = {n: t[n].to_numpy(zero_copy_only=False) for n in _OBJ}
    return Columns(
        id_hash=hash_strings(t["id"].to_pylist()),
        ts=t["ts"].to_numpy(zero_copy_only=False).astype(np.int64),
        etype=etype,
        source=source,
        **obj,
        **num,
    )


def _required_present(t: pa.Table, etype: np.ndarray) -> bool:
    from livecart.model.events import EVENT_FIELDS

    for name, (required, _opt) in EVENT_FIELDS.items():
        if not required:
            continue
        rows = etype == TYPE_CODE[name]
        if not rows.any():
            continue
        for f in required:
            col = t[f]
            nulls = col.is_null().to_numpy(zero_copy_only=False)
            if col.null_count and np.asarray(nulls)[rows].any():
                return False
    return True
