"""Picking a table's columns for a join: the ones kept as they are and the keys renamed so they
do not clash with the other side's (``s_session`` for ``session_id``)."""

from __future__ import annotations

import ibis


def pick(table: ibis.Table, names: str, **renamed: str) -> ibis.Table:
    """``table``'s columns ``names`` (space-separated) as they are, and ``renamed`` (new name =
    old name): ``pick(s, "market room", s_session="session_id")``."""
    return table.select(*names.split(), **renamed)
