"""Session ids for LIVE list exports that have none.

Seller Center's LIVE list export has one row per LIVE but no id column. livecart derives a stable
id from what identifies a LIVE: the room (account), the start time *as written in the file* and
the room title, ``live-`` + the first 16 hex digits of their SHA-1. The same export imported twice
gives the same ids, so re-imports upsert instead of duplicating; and because the start is taken
as written (shop-local wall time), not as converted to UTC, importing the export again with a
corrected ``--timezone`` replaces its rows instead of adding a second copy. Exports are small (one
row per LIVE), so a Python loop over rows is fine here.
"""

from __future__ import annotations

import hashlib

import pyarrow as pa


def session_id(room: str | None, start: object, title: str | None) -> str:
    text = "|".join("" if v is None else str(v) for v in (room, start, title))
    return "live-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def derive_session_ids(table: pa.Table, written_start: pa.Array | None = None) -> pa.Table:
    """Replace the ``session_id`` column with ids derived from room, start and title.
    ``written_start`` is the start as the file writes it (read with no time zone), one per row;
    without it the stored ``actual_start`` (UTC) is used."""
    start = table.column("actual_start") if written_start is None else written_start
    starts = [None if v is None else v.isoformat() for v in start.to_pylist()]
    rooms = table.column("room").to_pylist()
    titles = table.column("title").to_pylist()
    ids = pa.array(
        [session_id(r, s, t) for r, s, t in zip(rooms, starts, titles, strict=True)], pa.string()
    )
    i = table.column_names.index("session_id")
    return table.set_column(i, "session_id", ids)
