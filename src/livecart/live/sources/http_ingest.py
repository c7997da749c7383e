"""Signed HTTP ingest, the core: verify a batch's HMAC signature, validate it field by field,
and journal it durably and idempotently. The web route (``POST /api/sessions/{id}/events``) is a
thin layer over ``IngestJournal.receive``; a ``JournalSource`` follows the journal into the
monitor like any other source.

Signing (a shared secret per workspace, setting ``ingest_secret``), in the style of Stripe's and
Slack's webhook signatures::

    X-Livecart-Timestamp: 1764615600                 (Unix seconds when the batch was signed)
    X-Livecart-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

A batch signed more than ``tolerance_s`` (300 s) away from the receiver's clock is refused, so
a captured request cannot be replayed later. Body (at most ``max_bytes``, 1 MiB)::

    {"batch_id": "orders-000123", "events": [{"id": ..., "type": "order", ...}, ...]}

``batch_id`` makes a retry idempotent: the same id with the same body gets the same answer and
is journaled once; the same id with another body is a conflict. An accepted batch is on disk
(written and fsynced, one JSON line per batch) before the answer goes out, so a sender that got
an answer never has to send it again, and a server restart replays the journal into the monitor
with exact totals.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from livecart.errors import LivecartError
from livecart.live.engine import columns as C
from livecart.live.sources.base import Batch
from livecart.model.events import EVENT_FIELDS, JOIN_SOURCES
from livecart.model.schema import ORDERS

TOLERANCE_S = 300
MAX_BYTES = 1 << 20
MAX_EVENTS = 10_000
JOURNAL_NAME = "events.journal.jsonl"
MAX_ID_CHARS = 128  # session, batch and event ids, and every other string but a comment's text
MAX_TEXT_CHARS = 4096
TS_HEADER = "X-Livecart-Timestamp"
SIG_HEADER = "X-Livecart-Signature"
# Bounds at the door. Per-event counts stay below 2**31 so that the sums the monitor writes
# (BIGINT columns) cannot overflow for any number of events a session can hold; a stock level
# and a price are read as float64, exact below 2**53; a live is planned for at most a week.
MAX_COUNT = 2**31 - 1
MAX_MONEY = 1e12
_INT_MAX = {
    "ts": 2**53 - 1,
    "count": MAX_COUNT,
    "diamonds": MAX_COUNT,
    "quantity": MAX_COUNT,
    "level": MAX_COUNT,
    "planned_minutes": 7 * 24 * 60,
}
# the importer's minimums, one rule for both (an order line has at least one unit)
_INT_MIN = {"quantity": int(ORDERS.column("quantity").min or 0)}
_FLOATS = ("price", "amount")
_STRS = ("id", "session_id", "type", "user_id", "source", "text", "sku_id", "order_id")
_STRS += ("currency", "buyer_id", "phase", "market")


class IngestRefused(LivecartError):
    """A batch the ingest will not take. ``status``: 401 (signature), 413 (too large),
    409 (a batch id reused with another body), 422 (malformed; ``field`` names the field)."""

    def __init__(self, status: int, detail: str, fix: str, field: str | None = None) -> None:
        detail, field = printable(detail), None if field is None else printable(field)
        super().__init__(detail)
        self.status, self.detail, self.fix, self.field = status, detail, fix, field

    def body(self) -> dict[str, Any]:
        out = {"error": "refused", "detail": self.detail, "fix": self.fix}
        return out if self.field is None else {**out, "field": self.field}


def printable(text: str) -> str:
    """``text`` with anything UTF-8 cannot encode (a lone surrogate quoted back from a hostile
    body) escaped, so an answer naming it can always be sent."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def check_id(value: Any, field: str, limit: int = MAX_ID_CHARS) -> str | None:
    """Why ``value`` is not a usable id or string (None when it is): a non-empty string of at
    most ``limit`` characters that UTF-8 can encode (no lone surrogates)."""
    if not isinstance(value, str) or not value:
        return f"{field} must be a non-empty string, got {value!r:.80}"
    if len(value) > limit:
        return f"{field} has {len(value):,} characters, over the limit of {limit:,}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"{field} is not valid Unicode text (a lone surrogate such as \\ud800)"
    return None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` signed at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{int(timestamp)}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Headers a sender adds (used by the tests, the benchmark and senders in Python)."""
    ts = int(time.time() if now is None else now)
    return {TS_HEADER: str(ts), SIG_HEADER: sign(secret, ts, body)}


def verify(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float | None = None,
    tolerance_s: int = TOLERANCE_S,
) -> None:
    """Raise IngestRefused(401) unless ``signature`` signs ``body`` at a fresh ``timestamp``."""
    fix_sig = (
        f"sign each batch: {SIG_HEADER}: sha256=hex(HMAC-SHA256(ingest_secret, "
        f'timestamp + "." + body)) with {TS_HEADER}: the Unix time in seconds'
    )
    if not secret:
        raise IngestRefused(
            401,
            "this workspace has no ingest_secret, so no batch can be verified",
            "set ingest_secret in the workspace's livecart.toml (or LIVECART_INGEST_SECRET) "
            "and give the same secret to the sender",
        )
    if not timestamp or not signature:
        raise IngestRefused(401, f"unsigned batch: {TS_HEADER} and {SIG_HEADER} needed", fix_sig)
    try:
        ts = int(timestamp)
    except ValueError:
        raise IngestRefused(
            401, f"{TS_HEADER} is not Unix seconds: {timestamp!r}", fix_sig
        ) from None
    if not hmac.compare_digest(sign(secret, ts, body), signature.strip()):
        raise IngestRefused(401, "the signature does not match the body", fix_sig)
    skew = (time.time() if now is None else now) - ts
    if abs(skew) > tolerance_s:
        raise IngestRefused(
            401,
            f"batch signed {skew:+.0f} s from now, outside the {tolerance_s} s tolerance "
            f"(a replayed or delayed request)",
            "sign each request when sending it (a retry signs again), and keep the sender's "
            "clock in sync (NTP)",
        )


def parse_batch(
    body: bytes,
    session_id: str,
    now: float | None = None,
    max_ahead_s: int = TOLERANCE_S,
) -> tuple[str, list[dict[str, Any]]]:
    """The batch id and its events, each checked; IngestRefused(422) names the first bad field
    (``events[3].quantity``). An event without ``session_id`` takes the URL's. An event ``ts``
    more than ``max_ahead_s`` ahead of the receiver's clock (``now``, Unix seconds) is refused:
    the monitor's clock is its newest event time, so one event stamped in the future would make
    every on-time event after it look late."""
    why = check_id(session_id, "session_id")
    if why is not None:
        raise _bad("session_id", f"the URL's {why}")
    try:
        doc = json.loads(body)  # NaN, Infinity and 1e400 read; refused by field below
    except (ValueError, RecursionError) as e:
        raise _bad("body", f"the body is not JSON: {e}") from None
    if not isinstance(doc, dict):
        raise _bad("body", "the body must be a JSON object with batch_id and events")
    bid = doc.get("batch_id")
    why = check_id(bid, "batch_id")
    if why is not None:
        raise _bad("batch_id", why)
    events = doc.get("events")
    if not isinstance(events, list) or not events:
        raise _bad("events", "events must be a non-empty list of event objects")
    if len(events) > MAX_EVENTS:
        raise _bad("events", f"at most {MAX_EVENTS} events a batch, got {len(events)}")
    extra = set(doc) - {"batch_id", "events"}
    if extra:
        raise _bad(sorted(extra)[0], "unknown field; a batch has batch_id and events")
    latest_ms = int(((time.time() if now is None else now) + max_ahead_s) * 1000)
    latest = (latest_ms, max_ahead_s)
    return bid, [_check_event(e, i, session_id, latest) for i, e in enumerate(events)]


def _bad(field: str, detail: str) -> IngestRefused:
    return IngestRefused(
        422, f"{field}: {detail}", "correct the field and send the batch again", field
    )


def _check_event(e: Any, i: int, session_id: str, latest: tuple[int, int]) -> dict[str, Any]:
    at = f"events[{i}]"
    if not isinstance(e, dict):
        raise _bad(at, "each event must be a JSON object")
    e = {"session_id": session_id, **e}
    if e["session_id"] != session_id:
        raise _bad(f"{at}.session_id", f"{e['session_id']!r} is not this URL's {session_id!r}")
    etype = e.get("type")
    if etype not in EVENT_FIELDS:
        raise _bad(f"{at}.type", f"unknown type {etype!r}; known: {', '.join(EVENT_FIELDS)}")
    required, optional = EVENT_FIELDS[etype]
    for f in ("id", "ts", *required):
        if e.get(f) is None:
            raise _bad(f"{at}.{f}", f"a {etype} event needs {f!r}")
    allowed = {"id", "session_id", "ts", "type", *required, *optional}
    for f, v in e.items():
        if f not in allowed:
            raise _bad(f"{at}.{f}", f"not a field of a {etype} event")
        if v is not None and not _plainly_valid(f, v):
            _check_value(f"{at}.{f}", f, v)  # says what is wrong (or finds it right after all)
    latest_ms, ahead_s = latest
    if e["ts"] > latest_ms:
        ahead = (e["ts"] - latest_ms) / 1000
        raise _bad(
            f"{at}.ts",
            f"{e['ts']} is {ahead:,.0f} s past the latest time accepted, {latest_ms} (the "
            f"server's clock plus {ahead_s} s); ts is milliseconds since the epoch, UTC",
        )
    if etype == "join" and e.get("source") not in (None, *JOIN_SOURCES):
        raise _bad(f"{at}.source", f"source must be one of {', '.join(JOIN_SOURCES)}")
    return e


_INT_RANGE = {f: (_INT_MIN.get(f, 0), high) for f, high in _INT_MAX.items()}
_STR_LIMIT = {f: MAX_TEXT_CHARS if f == "text" else MAX_ID_CHARS for f in _STRS}


def _plainly_valid(f: str, v: Any) -> bool:
    """The common case, cheaply: True only for a value ``_check_value`` accepts (a whole number
    in range, a finite amount in range, a short ASCII string); anything else goes to
    ``_check_value``, which says what is wrong. Most of an ingest batch's time was these checks."""
    t = type(v)
    if f in _INT_RANGE:
        low, high = _INT_RANGE[f]
        return t is int and low <= v <= high
    if f in _STR_LIMIT:
        return t is str and 0 < len(v) <= _STR_LIMIT[f] and v.isascii()
    if f in _FLOATS:
        return (t is float or t is int) and 0 <= v <= MAX_MONEY  # NaN and inf fail here
    return True  # no check for this field


def _check_value(at: str, f: str, v: Any) -> None:
    if f in _INT_MAX:
        low, high = _INT_MIN.get(f, 0), _INT_MAX[f]
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            raise _bad(at, f"must be a whole number >= {low} and <= {high:,}, got {v!r:.40}")
    if f in _FLOATS and (
        isinstance(v, bool)
        or not isinstance(v, int | float)
        or not math.isfinite(v)
        or not 0 <= v <= MAX_MONEY
    ):
        raise _bad(at, f"must be a finite number >= 0 and <= {MAX_MONEY:g}, got {v!r:.40}")
    if f in _STRS:
        why = check_id(v, "the value", MAX_TEXT_CHARS if f == "text" else MAX_ID_CHARS)
        if why is not None:
            raise _bad(at, why)


class IngestJournal:
    """The accepted batches of a workspace, one JSON line each, in ``<workspace>/ingest/``:
    ``{"batch_id", "sha256", "answer", "events"}``. Thread-safe; the index of batch ids is
    rebuilt from the file on open (a torn last line from a crash is cut off).

    Group commit: each batch's line is written under the lock, then the batch waits until an
    fsync begun after its write has finished; one fsync covers every line written before it
    began, so batches received together share one (the disk's flush, about 10 ms here, is paid
    once per group, not once per batch). No answer goes out before its line is on disk."""

    def __init__(self, folder: str | Path, fsync: bool = True) -> None:
        self.path = Path(folder) / JOURNAL_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fsync = fsync
        self._lock = threading.Lock()
        # batch id -> (digest, answer, its line's number: on disk once ``_synced`` reaches it)
        self._index: dict[str, tuple[str, dict[str, Any], int]] = {}
        self._sync_lock = threading.Lock()  # one fsync at a time
        self._written = 0  # lines written (flushed to the OS) by this process
        self._synced = 0  # of which on disk
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        good = 0
        with open(self.path, "rb") as f:
            for line in f:
                try:
                    rec = json.loads(line) if line.endswith(b"\n") else None
                except ValueError:
                    rec = None
                if rec is None:
                    break
                self._index[rec["batch_id"]] = (rec["sha256"], rec["answer"], 0)
                good += len(line)
        if good < self.path.stat().st_size:
            os.truncate(self.path, good)

    def receive(
        self,
        secret: str,
        session_id: str,
        headers: dict[str, str],
        body: bytes,
        now: float | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Verify, validate and journal one batch. Returns (answer, replayed): ``replayed`` is
        True when the batch id was seen before with the same body (its first answer again)."""
        if len(body) > MAX_BYTES:
            raise IngestRefused(
                413,
                f"batch of {len(body)} bytes, over {MAX_BYTES}",
                "split it into smaller batches",
            )
        h = {k.lower(): v for k, v in headers.items()}
        verify(secret, h.get(TS_HEADER.lower()), h.get(SIG_HEADER.lower()), body, now)
        bid, events = parse_batch(body, session_id, now)
        # the events as validated, canonical: a retry that re-serialises them differently is
        # still the same batch
        digest = hashlib.sha256(json.dumps(events, sort_keys=True).encode()).hexdigest()
        return self.append(bid, digest, session_id, events)

    def append(
        self, bid: str, digest: str, session_id: str, events: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], bool]:
        with self._lock:
            seen = self._index.get(bid)
            if seen is not None:
                if seen[0] != digest:
                    raise IngestRefused(
                        409,
                        f"batch_id {bid!r} was already used for other events",
                        "give every new batch its own batch_id; resend a batch unchanged",
                        "batch_id",
                    )
                answer, line_no, replayed = seen[1], seen[2], True
            else:
                answer = {"batch_id": bid, "session_id": session_id, "accepted": len(events)}
                rec = {"batch_id": bid, "sha256": digest, "answer": answer, "events": events}
                line = json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n"
                with open(self.path, "ab") as f:
                    f.write(line.encode())
                self._written += 1
                line_no, replayed = self._written, False
                self._index[bid] = (digest, answer, line_no)
        self._durable(line_no)  # a retry of a batch still being flushed waits for it too
        return answer, replayed

    def _durable(self, line_no: int) -> None:
        """Return once line ``line_no`` is on disk: fsync, unless a flush begun after it was
        written has already finished (or one is under way: then wait for it and look again)."""
        if not self.fsync:
            return
        with self._sync_lock:
            if self._synced >= line_no:
                return
            upto = self._written  # every line up to here is written: this fsync covers them
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            self._synced = upto


class JournalSource:
    """Follow an ingest journal into the monitor. The position is a byte offset; with
    ``follow`` it waits for new batches (yielding an empty batch every ``idle_ms`` so that a run
    can stop) until ``close()``; without, it stops at the end of the file."""

    def __init__(
        self,
        path: str | Path,
        follow: bool = True,
        idle_ms: int = 200,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.path, self.follow, self.idle_ms, self._sleep = Path(path), follow, idle_ms, sleep
        self._stop = threading.Event()

    def close(self) -> None:
        self._stop.set()

    def batches(self, position: Any = None) -> Iterator[Batch]:
        offset = int(position or 0)
        if self.path.exists() and offset > self.path.stat().st_size:
            offset = 0  # not this journal's position (it was replaced): read it all again
        while not self._stop.is_set():
            rows, offset, got = self._read(offset)
            if got:
                yield Batch(C.from_dicts(rows, validated=True), offset)
                continue
            if not self.follow:
                return
            yield Batch(C.empty(), offset)
            self._sleep(self.idle_ms / 1000)

    def _read(self, offset: int, limit: int = 4 << 20) -> tuple[list[dict], int, bool]:
        if not self.path.exists():
            return [], offset, False
        with open(self.path, "rb") as f:
            f.seek(offset)
            data = f.read(limit)
            if data and not data.endswith(b"\n"):
                data += f.readline()  # the rest of a line longer than ``limit``, any length
        cut = data.rfind(b"\n") + 1  # whole lines only: the writer may be mid-line
        rows = [e for line in data[:cut].splitlines() for e in json.loads(line)["events"]]
        return rows, offset + cut, cut > 0
