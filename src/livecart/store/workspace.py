"""A workspace: one folder per brand holding an embedded DuckDB file (``livecart.duckdb``), its
settings (``livecart.toml``) and any side files (``truth.json`` of a demo, monitor checkpoints).

The Workspace owns the single write connection; readers get cursors. Every write goes through
``with ws.transaction():``. Parameters are always bound, never formatted into SQL. This module and
the rest of ``livecart.store`` are the only places that import duckdb.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from livecart.errors import WorkspaceError
from livecart.model.schema import KINDS, Kind, kind
from livecart.settings import Settings, load_settings
from livecart.store.migrations import SCHEMA_VERSION, migrate, schema_version
from livecart.store.staging import clean_stale_staging
from livecart.store.table_versions import TableVersions, TrackedConnection

if TYPE_CHECKING:  # loaded by duckdb itself when a result is fetched as a frame
    import pandas as pd
    import pyarrow as pa

DB_FILE = "livecart.duckdb"
# The workspace a server lends to the command it runs for a CLI client (see ``lend``).
_LENT: contextvars.ContextVar[Workspace | None] = contextvars.ContextVar("lent", default=None)


class Workspace:
    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
        self.path = path
        self.con = con
        self.settings = settings
        self._lock = threading.RLock()
        self._in_tx = False
        # readers' cursors are made from this idle connection under their own lock, never from
        # `con` while another thread writes through it (two threads in one DuckDB connection
        # crashed the process: a reader's cursor() during a live run's INSERT)
        self._cursor_root = con.cursor()
        self._cursor_lock = threading.Lock()
        # bumped by every committed transaction of this process that wrote (all writes go
        # through transaction()): results computed from the workspace are cached under it, or
        # under the versions of the tables they read (table_versions, web/cache.py)
        self.data_version = 0
        self._written: set[str] = set()
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")
        self.table_versions = TableVersions(r[0] for r in tables.fetchall())

    # --- opening -----------------------------------------------------------------------------
    @classmethod
    def init(cls, path: str | Path, exist_ok: bool = True) -> Workspace:
        """Create a workspace folder (or open the one already there)."""
        p = Path(path)
        if (lent := _lent_for(p)) is not None:
            return lent
        if (p / DB_FILE).exists() and not exist_ok:
            raise WorkspaceError(f"{p} already holds a workspace")
        if p.exists() and not p.is_dir():
            raise WorkspaceError(f"{p} is a file, not a folder: choose another path")
        p.mkdir(parents=True, exist_ok=True)
        return cls._connect(p)

    @classmethod
    def open(cls, path: str | Path, read_only: bool = False) -> Workspace:
        """Open the workspace at ``path``; inside ``lend(ws)`` for the same folder, ``ws``
        itself (a handle whose close does nothing)."""
        p = Path(path)
        if (lent := _lent_for(p)) is not None:
            return lent
        if not (p / DB_FILE).exists():
            raise WorkspaceError(
                f"no livecart workspace at {p}: create one with `livecart init {p}` "
                f"or build the demo with `livecart demo --out {p}`"
            )
        return cls._connect(p, read_only=read_only)

    @classmethod
    def _connect(cls, p: Path, read_only: bool = False) -> Workspace:
        try:
            con = duckdb.connect(str(p / DB_FILE), read_only=read_only)
        except duckdb.IOException as e:
            raise WorkspaceError(_open_failed(p, str(e))) from None
        settings = load_settings(p)
        if settings.duckdb_memory_limit:
            con.execute(f"SET memory_limit = '{_memory_limit(settings.duckdb_memory_limit)}'")
        if not read_only:
            migrate(con)
            clean_stale_staging(p)  # staging folders of imports killed mid-way
        elif schema_version(con) < SCHEMA_VERSION:
            # An older workspace opened for reading: upgrade it once, then read.
            con.close()
            cls._connect(p).close()
            return cls._connect(p, read_only=True)
        return cls(p, con, settings)

    def close(self) -> None:
        self._cursor_root.close()
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing. Nested calls join the outer transaction. The block's connection
        notes the tables its statements write (``table_versions``): once committed, their
        versions move on."""
        with self._lock:
            tracked: Any = TrackedConnection(self.con, self._written.add)
            if self._in_tx:
                yield tracked
                return
            self.con.execute("BEGIN TRANSACTION")
            self._in_tx = True
            self._written.clear()
            try:
                yield tracked
                self.con.execute("COMMIT")
                if self._written:
                    self.table_versions.bump(self._written)
                    self.data_version += 1
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            finally:
                self._in_tx = False
                self._written.clear()

    def upsert(self, kind_name: str, data: pa.Table | pd.DataFrame | str) -> int:
        """Insert rows, replacing any with the same natural key. ``data`` holds exactly the kind's
        columns (an Arrow table, a DataFrame, or the name of a table or view in this connection).
        Returns the number of rows written. Runs inside a transaction (the caller's, if any)."""
        k = kind(kind_name)
        cols = ", ".join(f'"{c}"' for c in k.column_names)
        with self.transaction() as con:
            if isinstance(data, str):
                src = data
            else:
                con.register("_upsert_src", data)
                src = "_upsert_src"
            try:
                if not self._is_empty(k.name):  # a first import has nothing to replace
                    keys = ", ".join(f'"{c}"' for c in k.key)
                    on = " AND ".join(f't."{c}" IS NOT DISTINCT FROM s."{c}"' for c in k.key)
                    con.execute(
                        f'DELETE FROM "{k.name}" t USING (SELECT DISTINCT {keys} FROM {src}) s '
                        f"WHERE {on}"
                    )
                # INSERT returns the rows it wrote: no second pass over the source to count them
                n = con.execute(
                    f'INSERT INTO "{k.name}" ({cols}) SELECT {cols} FROM {src}'
                ).fetchone()[0]
            finally:
                if src == "_upsert_src":
                    # after a failed statement DuckDB refuses even this until the rollback;
                    # its error would hide the one that says what went wrong
                    with contextlib.suppress(duckdb.Error):
                        con.unregister("_upsert_src")
        return int(n)

    def execute(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement on the writer connection (temporary views live there) and fetch
        its rows, after any other thread's transaction: a server shares its one writer between
        threads, so nothing runs on it outside this lock."""
        with self.transaction() as con:
            return con.execute(sql, params or []).fetchall()

    def _is_empty(self, table: str) -> bool:
        return self.con.execute(f'SELECT NOT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]

    def record_import(self, sha256: str, kind_name: str, file: str, rows: int) -> None:
        with self.transaction() as con:
            con.execute(
                "INSERT INTO _imports (sha256, kind, file, rows) VALUES (?, ?, ?, ?)",
                [sha256, kind_name, file, rows],
            )

    def last_import_key(self, kind_name: str) -> str | None:
        """The key recorded by the latest import of this kind (None before any)."""
        row = (
            self.cursor()
            .execute(
                "SELECT sha256 FROM _imports WHERE kind = ? ORDER BY imported_at DESC, rowid DESC "
                "LIMIT 1",
                [kind_name],
            )
            .fetchone()
        )
        return row[0] if row else None

    # --- reading -----------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for reading from another thread (the web server's request handlers)."""
        with self._cursor_lock:
            return self._cursor_root.cursor()

    def table(self, kind_name: str) -> pd.DataFrame:
        """One record kind as a pandas DataFrame."""
        k = kind(kind_name)
        return self.cursor().sql(f'SELECT * FROM "{k.name}"').df()

    def arrow(self, kind_name: str) -> pa.Table:
        """One record kind as an Arrow table (zero-copy for larger work)."""
        k = kind(kind_name)
        return self.cursor().sql(f'SELECT * FROM "{k.name}"').to_arrow_table()

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run SQL against the workspace (tables are named after the record kinds)."""
        return self.cursor().execute(sql, params or []).df()

    def count(self, kind_name: str) -> int:
        k = kind(kind_name)
        return int(self.cursor().execute(f'SELECT count(*) FROM "{k.name}"').fetchone()[0])

    def status(self) -> dict[str, Any]:
        """What the workspace holds: counts by kind, date ranges, markets."""
        cur = self.cursor()
        kinds: dict[str, Any] = {}
        for k in KINDS.values():
            n = int(cur.execute(f'SELECT count(*) FROM "{k.name}"').fetchone()[0])
            entry: dict[str, Any] = {"rows": n}
            if k.time_column and n:
                lo, hi = cur.execute(
                    f'SELECT min("{k.time_column}"), max("{k.time_column}") FROM "{k.name}"'
                ).fetchone()
                entry["from"] = lo.isoformat() if lo is not None else None
                entry["to"] = hi.isoformat() if hi is not None else None
            kinds[k.name] = entry
        markets = [
            {"market": m, "currency": c, "timezone": tz}
            for m, c, tz in cur.execute(
                "SELECT market, currency, timezone FROM markets ORDER BY market"
            ).fetchall()
        ]
        return {
            "path": str(self.path),
            "kinds": kinds,
            "markets": markets,
            "reporting_currency": self.settings.reporting_currency,
        }


class _Lent(Workspace):
    """The server's own workspace, handed to a command it runs for a client: the same
    connection, lock and settings (it shares the server's attributes); closing it does
    nothing, the server closes the workspace when it stops."""

    def close(self) -> None:
        pass


@contextlib.contextmanager
def lend(ws: Workspace) -> Iterator[None]:
    """While this block runs (in this thread or context), ``Workspace.open`` and
    ``Workspace.init`` of ``ws``'s folder return ``ws`` itself instead of connecting again: a
    server runs CLI commands against the workspace it holds open, and every write goes through
    its one writer (``transaction``'s lock)."""
    lent = object.__new__(_Lent)
    lent.__dict__ = ws.__dict__  # one state: _in_tx and the lock are the server's
    token = _LENT.set(lent)
    try:
        yield
    finally:
        _LENT.reset(token)


def _lent_for(p: Path) -> Workspace | None:
    lent = _LENT.get()
    if lent is None:
        return None
    with contextlib.suppress(OSError):
        if p.resolve() == lent.path.resolve():
            return lent
    return None


def _open_failed(p: Path, error: str) -> str:
    """What to do when DuckDB cannot open the file. The usual cause is its lock: one process at a
    time may write a workspace, and a running `livecart serve` keeps it open."""
    if "lock" not in error.lower():
        return f"cannot open the workspace at {p}: {error}"
    pid = re.search(r"PID (\d+)", error)
    who = f" (PID {pid.group(1)})" if pid else ""
    return (
        f"cannot open the workspace at {p}: livecart serve (or another livecart command{who}) "
        "has this workspace open: stop it, or use the dashboard / its API while it runs"
    )


def _memory_limit(value: str) -> str:
    """'2GB', '512 MB' and the like; anything else is refused (it goes into a SET statement)."""
    v = value.strip().upper().replace(" ", "")
    if not re.fullmatch(r"\d+(\.\d+)?(KB|MB|GB|TB|KIB|MIB|GIB|TIB)", v):
        raise WorkspaceError(
            f"duckdb_memory_limit {value!r} is not a size: write it like '2GB' or '512MB'"
        )
    return v


def open(path: str | Path, read_only: bool = False) -> Workspace:  # noqa: A001 - livecart.open
    """Open the workspace at ``path``: ``ws = livecart.open("DIR")``."""
    return Workspace.open(path, read_only=read_only)


def init(path: str | Path) -> Workspace:
    """Create (or open) a workspace at ``path``."""
    return Workspace.init(path)


def kinds() -> list[Kind]:
    return list(KINDS.values())
