"""Which tables each cached result really reads: every SQL statement run on a workspace cursor
(the query layer's frames, ``ws.query``, ``ws.table``...) or through ``ws.execute`` while the
result is computed, and the tables named after its FROM and JOIN; and, since a route may make
a result from another cached one (the Hosts view from the host model), the tables that the
results fetched before it in the same request declared. The web result cache's tests compare
them with the tables each result declares (``cached(..., tables=...)``). Requests one at a
time: the tracer's state is shared by the threads that serve them."""

from __future__ import annotations

import re
import sys
import threading
from collections import defaultdict
from typing import Any

from livecart.store import workspace as workspace_module
from livecart.store.table_versions import TrackedConnection
from livecart.web.cache import ResultCache

_SOURCE = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)


class _Cursor:
    """A cursor that tells ``note`` the statements it runs."""

    def __init__(self, cur: Any, note) -> None:
        self._cur, self._note = cur, note

    def sql(self, query: str, *a: Any, **kw: Any) -> Any:
        self._note(query)
        return self._cur.sql(query, *a, **kw)

    def execute(self, query: str, *a: Any, **kw: Any) -> Any:
        self._note(query)
        return self._cur.execute(query, *a, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


class ReadTracer:
    """``install(monkeypatch)``; then ``reads[name]``: the tables each cached result named
    ``name`` read while computed, ``declared[name]``: the tables it declared (None: none)."""

    def __init__(self) -> None:
        self.reads: dict[str, set[str]] = defaultdict(set)
        self.declared: dict[str, tuple[str, ...] | None] = {}
        self.computed: dict[str, int] = defaultdict(int)
        self._stack: list[set[str]] = []
        self._fetched: list[str] = []  # in this request, in order
        self._lock = threading.Lock()

    def new_request(self) -> None:
        self._fetched = []

    def note(self, query: str) -> None:
        names = {m.lower() for m in _SOURCE.findall(query)}
        with self._lock:
            for reads in self._stack:
                reads |= names

    def install(self, monkeypatch) -> None:
        tracer = self
        cursor, get = workspace_module.Workspace.cursor, ResultCache.get

        def traced_cursor(ws):
            cur = cursor(ws)
            if sys._getframe(1).f_code.co_name == "duckdb_engine":  # ibis wants the real one
                return cur
            return _Cursor(cur, tracer.note)

        def traced_get(cache, key, compute):
            name, _params, (declared, _versions), _minute = key
            tracer.declared[name] = None if declared == "any" else declared
            before = [n for n in tracer._fetched if n != name]
            tracer._fetched.append(name)

            def run():
                reads = {t for n in before for t in tracer.declared[n] or ()}
                tracer._stack.append(reads)
                tracer.computed[name] += 1
                try:
                    return compute()
                finally:
                    tracer._stack[:] = [r for r in tracer._stack if r is not reads]
                    tracer.reads[name] |= reads

            return get(cache, key, run)

        for method in ("execute", "sql"):
            original = getattr(TrackedConnection, method)

            def traced(con, query, *a, _original=original, **kw):
                tracer.note(query)
                return _original(con, query, *a, **kw)

            monkeypatch.setattr(TrackedConnection, method, traced)
        monkeypatch.setattr(workspace_module.Workspace, "cursor", traced_cursor)
        monkeypatch.setattr(ResultCache, "get", traced_get)

    def undeclared(self, known: frozenset[str]) -> dict[str, set[str]]:
        """Per result: tables it read but did not declare (results declaring none left out)."""
        out = {}
        for name, reads in self.reads.items():
            declared = self.declared.get(name)
            if declared is None:
                continue
            missing = (reads & known) - set(declared)
            if missing:
                out[name] = missing
        return out
