"""Which tables a committed write changed, so that a result computed from some tables is kept
while other tables change (a live's minute rows arriving every few seconds leave a fans model
fitted on orders alone as it is).

Every write goes through ``Workspace.transaction()``, whose block sees the writer connection
through ``TrackedConnection``: each statement it runs is read for the table it writes
(``INSERT INTO t``, ``DELETE FROM t``, ``UPDATE t``, ``INSERT OR REPLACE INTO t``). A read
(``SELECT``, ``WITH ... SELECT``), a temporary view and the registration of a frame write
nothing; any other statement, or a method of the connection this module does not know, counts
as a write to every table (``ALL``): a wrong guess costs a recomputation, never a stale result.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

ALL = "*"

_NAME = r'(?:"(?P<q{n}>[^"]+)"|(?P<b{n}>[A-Za-z_][A-Za-z0-9_]*))'
_WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+(?:REPLACE|IGNORE)\s+)?INTO|DELETE\s+FROM|UPDATE)\s+"
    + _NAME.format(n=1)
    + r"(?=[\s(;]|$)",
    re.IGNORECASE,
)
_READ = re.compile(
    r"\s*(?:SELECT\b|CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+VIEW\b|DROP\s+VIEW\b)",
    re.IGNORECASE,
)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_MUTATING = re.compile(
    r"\b(?:INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY|TRUNCATE|ATTACH)\b", re.IGNORECASE
)


def written_table(sql: str) -> str | None:
    """The table one statement writes: its name, None for a read, ``ALL`` when unsure."""
    if re.search(r";\s*\S", sql):  # several statements: not worth reading each
        return ALL
    m = _WRITE.match(sql)
    if m:
        return (m.group("q1") or m.group("b1")).lower()
    if _READ.match(sql):
        return None
    if _WITH.match(sql) and not _MUTATING.search(sql):
        return None
    return ALL


# what a transaction's block may call on the connection without writing anything
_SAFE = frozenset(
    {"register", "unregister", "fetchone", "fetchall", "fetchmany", "description", "rowcount"}
)


class TrackedConnection:
    """The writer connection inside a transaction: statements run on it as usual; ``note``
    is told the table each one writes."""

    def __init__(self, con: Any, note: Callable[[str], None]) -> None:
        self._con, self._note = con, note

    def execute(self, query: str, *args: Any, **kw: Any) -> Any:
        self._see(query)
        return self._con.execute(query, *args, **kw)

    def executemany(self, query: str, *args: Any, **kw: Any) -> Any:
        self._see(query)
        return self._con.executemany(query, *args, **kw)

    def sql(self, query: str, *args: Any, **kw: Any) -> Any:
        self._see(query)
        return self._con.sql(query, *args, **kw)

    def _see(self, query: Any) -> None:
        table = written_table(query) if isinstance(query, str) else ALL
        if table is not None:
            self._note(table)

    def __getattr__(self, name: str) -> Any:
        if name not in _SAFE:  # e.g. append() or a relation's insert_into(): assume the worst
            self._note(ALL)
        return getattr(self._con, name)


class TableVersions:
    """A counter per table, bumped when a transaction that wrote it commits; ``ALL`` bumps a
    counter that every key includes. ``key(tables)`` changes exactly when one of ``tables``
    (or, after an unknown write, any table) was written."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = frozenset(t.lower() for t in known)
        self._counts: dict[str, int] = {}
        self._all = 0
        self._lock = threading.Lock()

    def bump(self, tables: Iterable[str]) -> None:
        with self._lock:
            for t in tables:
                if t == ALL:
                    self._all += 1
                else:
                    self._counts[t] = self._counts.get(t, 0) + 1

    def key(self, tables: Iterable[str]) -> tuple[int, ...]:
        names = [t.lower() for t in tables]
        unknown = sorted(set(names) - self.known)
        if unknown:  # a misspelt name would never change: its results would go stale
            raise ValueError(
                f"no table {', '.join(map(repr, unknown))} in the workspace: "
                f"declare one of {', '.join(sorted(self.known))}"
            )
        with self._lock:
            return (self._all, *(self._counts.get(t, 0) for t in names))
