"""Session ids for LIVE list exports that have none.

Seller Center's LIVE list export has one row per LIVE but no id column. livecart derives a stable
id from what identifies a LIVE: the room (account), the actual start time and the room title,
``live-`` + the first 16 hex digits of their SHA-1. The same export imported twice gives the same
ids, so re-imports upsert instead of duplicating. Exports are small (one row per LIVE), so a
Python loop over rows is fine here.
"""

from __future__ import annotations

import hashlib

import pyarrow as pa


def session_id(room: str | None, start: object, title: str | None) -> str:
    text = "|".join("" if v is None else str(v) for v in (room, start, title))
    return "live-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def derive_session_ids(table: pa.Table) -> pa.Table:
    """Replace the ``session_id`` column with ids derived from room, actual_start and title."""
    rooms = table.column("room").to_pylist()
    starts = [
        None if v is None else v.isoformat() for v in table.column("actual_start").to_pylist()
    ]
    titles = table.column("title").to_pylist()
    ids = pa.array(
        [session_id(r, s, t) for r, s, t in zip(rooms, starts, titles, strict=True)], pa.string()
    )
    i = table.column_names.index("session_id")
    return table.set_column(i, "session_id", ids)
