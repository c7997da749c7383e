"""Write a workspace out as a lake that ``query_source`` reads: every record kind as
``<kind>.parquet`` in a local folder, or as a ``<kind>/`` Delta table in a folder or at an
object-store URL. Timestamps stay in microseconds (DuckDB's own unit), which Spark 4 reads; it
rejects Parquet nanosecond timestamps.

Each table is written whole before it replaces the old one (a Parquet file is written beside
it and renamed; a Delta table gets a new version), so a reader never sees half a table. Rows
stream from DuckDB in batches: memory stays bounded whatever the workspace's size.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from livecart.model.schema import KINDS
from livecart.store.query.errors import QueryEngineError
from livecart.store.query.lake import DELTA_HINT, is_url

if TYPE_CHECKING:
    from livecart.store.workspace import Workspace

FORMATS = ("parquet", "delta")
BATCH_ROWS = 500_000
# called after each table with its name and row count
Progress = Callable[[str, int], None]


def export_lake(
    ws: Workspace,
    target: str | Path,
    *,
    fmt: str = "parquet",
    kinds: tuple[str, ...] = KINDS,
    progress: Progress | None = None,
) -> str:
    """Write ``kinds`` of ``ws`` to ``target`` in ``fmt`` ("parquet" or "delta"); returns the
    lake's address (a folder's absolute path, or the URL as given)."""
    if fmt not in FORMATS:
        raise QueryEngineError(f"export format {fmt!r} is not one of {', '.join(FORMATS)}")
    url = is_url(target)
    if url and fmt == "parquet":
        raise QueryEngineError(
            f"{target} is a URL: export Parquet to a local or mounted folder and copy it up "
            "with your object store's tool, or write Delta tables straight to the URL (--delta)"
        )
    where = str(target).rstrip("/") if url else str(Path(target).resolve())
    if not url:
        Path(where).mkdir(parents=True, exist_ok=True)
    write = _write_parquet if fmt == "parquet" else _write_delta
    for name in kinds:
        rows = write(ws, name, where)
        if progress is not None:
            progress(name, rows)
    return where


def export_parquet(ws: Workspace, folder: str | Path) -> Path:
    """Every record kind of ``ws`` as ``folder/<kind>.parquet`` (the layout ``query_source``
    reads)."""
    return Path(export_lake(ws, folder, fmt="parquet"))


def _write_parquet(ws: Workspace, name: str, folder: str) -> int:
    final = os.path.join(folder, f"{name}.parquet")
    part = final + ".part"
    quoted = part.replace("'", "''")
    cur = ws.cursor()
    cur.execute(f"COPY (SELECT * FROM \"{name}\") TO '{quoted}' (FORMAT parquet)")
    os.replace(part, final)
    return ws.count(name)


def _write_delta(ws: Workspace, name: str, where: str) -> int:
    try:
        from deltalake import write_deltalake
    except ImportError:
        raise QueryEngineError(f"--delta needs the deltalake package: {DELTA_HINT}") from None
    batches = ws.cursor().sql(f'SELECT * FROM "{name}"').to_arrow_reader(BATCH_ROWS)
    try:
        write_deltalake(f"{where}/{name}", batches, mode="overwrite", schema_mode="overwrite")
    except Exception as e:  # delta-rs raises its own errors (and OSError from the store)
        raise QueryEngineError(f"cannot write the Delta table {where}/{name}: {e}") from e
    return ws.count(name)
