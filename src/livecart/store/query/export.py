"""Write a workspace out as a lake that ``query_source`` reads: every record kind as
``<kind>.parquet`` or as a ``<kind>/`` Delta table, in a local folder or at an object-store URL
(``s3://bucket/prefix``: whatever Arrow's file systems open). Timestamps stay in microseconds
(DuckDB's own unit), which Spark 4 reads; it rejects Parquet nanosecond timestamps.

Each table is written whole before it replaces the old one, so a reader never sees half a
table: a Parquet file is written beside it (``<kind>.parquet.part``) and renamed, which on S3 is
a server-side copy (one request, up to S3's 5 GB copy limit); a Delta table gets a new version.
Not straight to the final key: an upload that fails midway would still be completed by Arrow's
stream when it closes (Python cannot abort it), leaving a truncated file where the old one was.
Rows stream from DuckDB in batches: memory stays bounded whatever the workspace's size.
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
    where = str(target).rstrip("/") if url else str(Path(target).resolve())
    if not url:
        Path(where).mkdir(parents=True, exist_ok=True)
    if fmt == "delta":
        write = _write_delta
    else:
        write = _write_parquet_to_url if url else _write_parquet
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


# S3 copies (and so renames) an object of up to 5 GiB in one request; Arrow makes no multipart copy
S3_COPY_LIMIT = 5 * 1024**3
ROW_GROUP_ROWS = 122_880  # DuckDB's own row group size: a Spark reader's unit of work


def _write_parquet_to_url(ws: Workspace, name: str, url: str) -> int:
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    try:
        fs, root = pafs.FileSystem.from_uri(url)
    except Exception as e:  # Arrow raises ArrowInvalid, OSError or its own per scheme
        raise QueryEngineError(
            f"cannot open {url} ({e}): give a URL such as s3://bucket/prefix"
        ) from e
    final, part = f"{root}/{name}.parquet", f"{root}/{name}.parquet.part"
    batches = ws.cursor().sql(f'SELECT * FROM "{name}"').to_arrow_reader(BATCH_ROWS)
    try:
        with fs.open_output_stream(part) as out, pq.ParquetWriter(out, batches.schema) as pw:
            for batch in batches:
                pw.write_batch(batch, row_group_size=ROW_GROUP_ROWS)
        size = fs.get_file_info(part).size
        if url.startswith("s3://") and size > S3_COPY_LIMIT:
            raise QueryEngineError(
                f"{name} is {size / 1024**3:.1f} GiB of Parquet, over the 5 GiB that S3 renames "
                "in one copy: export it with --delta (Delta tables are written in place)"
            )
        fs.move(part, final)
    except Exception as e:
        _remove_quietly(fs, part)
        if isinstance(e, QueryEngineError):
            raise
        raise QueryEngineError(f"cannot write {url}/{name}.parquet: {e}") from e
    return ws.count(name)


def _remove_quietly(fs, path: str) -> None:
    try:
        fs.delete_file(path)
    except OSError:  # never written, or the store is unreachable: the error above says why
        pass


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
