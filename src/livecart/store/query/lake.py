"""A lake the query layer reads: a local folder or an object-store URL (``s3://bucket/prefix``,
``gs://``, ``abfs://``: whatever Arrow's file systems open) holding, for each record kind,
``<kind>.parquet``, a ``<kind>/`` folder of Parquet files (Hive-style ``key=value/``
partition folders read as columns), or a ``<kind>/`` Delta table (a folder with a
``_delta_log/``).

How each engine reads them:

- DuckDB reads local Parquet natively; Parquet at a URL through Arrow's file system (DuckDB's
  own ``httpfs`` extension is a download, which an offline machine cannot make); Delta tables
  through delta-rs (the ``deltalake`` package: the current version's files, with deletions and
  overwrites applied), as Arrow datasets it scans in place.
- Spark reads Parquet itself, and a Delta table as the Parquet files of its current version
  (delta-rs lists them; no Delta jars needed). A URL is handed to Spark as it is: its cluster
  needs its own object-store connector (hadoop-aws for ``s3a://``).

Object-store credentials and endpoints come from the usual environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_ENDPOINT_URL`` ...), which Arrow and delta-rs
both read: livecart keeps no secrets in its settings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import ibis
import pyarrow.fs as pafs

from livecart.store.query.errors import QueryEngineError

URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# Delta reader features that change what a table's Parquet files mean
SPARK_CANNOT_APPLY = frozenset({"deletionVectors", "columnMapping"})
DELTA_HINT = "pip install 'livecart[lake]' (the deltalake package reads Delta tables)"


def is_url(source: str | Path) -> bool:
    return bool(URL.match(str(source)))


class Lake:
    """A lake's root and the file system it is on."""

    def __init__(self, source: str | Path) -> None:
        text = str(source)
        self.url = is_url(text)
        self.source = text.rstrip("/") if self.url else str(Path(text).resolve())
        try:
            self.fs, self.root = pafs.FileSystem.from_uri(self.source)
        except Exception as e:  # Arrow raises ArrowInvalid, OSError or its own per scheme
            raise QueryEngineError(
                f"query_source {text!r} cannot be opened ({e}): give a folder or a URL such "
                "as s3://bucket/prefix, with the store's credentials in the environment"
            ) from e
        self.scheme = text.split("://", 1)[0] if self.url else ""
        if self._type(self.root) != pafs.FileType.Directory:
            raise QueryEngineError(
                f"query_source {text!r} is not a folder: point it at a folder (or URL) of "
                "Parquet files or Delta tables, one per record kind (write one with "
                "`livecart export`)"
            )
        # views are named after the lake too: one Spark session serves every engine of the
        # process, and a view named after the table alone would be taken over by another lake's
        self.tag = hashlib.sha1(self.source.encode()).hexdigest()[:10]

    def _type(self, path: str) -> pafs.FileType:
        return self.fs.get_file_info(path).type

    def uri(self, path: str) -> str:
        """What an engine is given: a local path, or the URL of ``path``."""
        return f"{self.scheme}://{path}" if self.url else path

    def find(self, name: str) -> tuple[str, str]:
        """(format, path) of a record kind: "file" (one Parquet file), "folder" (of Parquet
        files) or "delta" (a Delta table's root)."""
        one, many = f"{self.root}/{name}.parquet", f"{self.root}/{name}"
        if self._type(one) == pafs.FileType.File:
            return "file", one
        if self._type(f"{many}/_delta_log") == pafs.FileType.Directory:
            return "delta", many
        if self._type(many) == pafs.FileType.Directory:
            inside = self.fs.get_file_info(pafs.FileSelector(many))
            if any(_parquet_or_partition(f) for f in inside):
                return "folder", many
        raise QueryEngineError(
            f"no {name} table under {self.source}: expected {name}.parquet, a {name}/ folder of "
            f"Parquet files or a {name}/ Delta table (write a workspace out with `livecart "
            f"export`)"
        )

    def tables(self, backend: ibis.BaseBackend) -> Callable[[str], ibis.Table]:
        """A function from a record kind's name to its table on ``backend``, each registered
        once under a view named after the kind and the lake; a Delta table again whenever it
        has a new version (a long-running server sees each new version as it lands)."""
        found: dict[str, tuple[str, str]] = {}
        read: dict[str, tuple[int | None, ibis.Table]] = {}
        on = self._on_duckdb if backend.name == "duckdb" else self._on_spark

        def table(name: str) -> ibis.Table:
            if name not in found:
                found[name] = self.find(name)
            fmt, path = found[name]
            if fmt == "delta":  # its latest version: reading the log is a few small files
                delta = delta_table(self.uri(path))
                version = delta.version()
            else:
                delta, version = None, None
            if name not in read or read[name][0] != version:
                view = f"src_{name}_{self.tag}"
                read[name] = (version, on(backend, view, fmt, path, delta))
            return read[name][1]

        return table

    def _on_duckdb(
        self, backend: ibis.BaseBackend, view: str, fmt: str, path: str, delta
    ) -> ibis.Table:
        if fmt == "file" and not self.url:  # DuckDB's own reader: the fastest
            return backend.read_parquet(path, table_name=view)
        if fmt == "folder" and not self.url:  # files at any depth, key=value folders as columns
            glob = f"{path}/**/*.parquet"
            return backend.read_parquet(glob, table_name=view, hive_partitioning=True)
        if delta is not None:
            dataset = delta.to_pyarrow_dataset()
        else:
            import pyarrow.dataset as ds

            dataset = ds.dataset(path, filesystem=self.fs, format="parquet", partitioning="hive")
        backend.con.register(view, dataset)  # scanned in place, columns and filters pushed down
        return backend.table(view)

    def _on_spark(
        self, backend: ibis.BaseBackend, view: str, fmt: str, path: str, delta
    ) -> ibis.Table:
        if delta is None:
            return backend.read_parquet(self.uri(path), table_name=view)
        table = delta
        unread = sorted(set(table.protocol().reader_features or ()) & SPARK_CANNOT_APPLY)
        if unread:  # the files alone would bring back deleted rows or wrong column names
            raise QueryEngineError(
                f"the Delta table {self.uri(path)} uses {', '.join(unread)}, which reading its "
                "Parquet files on Spark cannot apply: try query_engine = 'duckdb' (which "
                "reads Delta through delta-rs)"
            )
        session = backend._session
        files = table.file_uris()
        if files:  # basePath: partition columns come back from the files' folder names
            frame = session.read.option("basePath", self.uri(path)).parquet(*files)
        else:  # an empty table: no file to read the schema from
            frame = session.createDataFrame(table.to_pyarrow_table())
        frame.createOrReplaceTempView(view)
        return backend.table(view)


def _parquet_or_partition(info: pafs.FileInfo) -> bool:
    """A Parquet file, or a Hive-style partition folder (``market=US/``)."""
    if info.type == pafs.FileType.Directory:
        return "=" in info.base_name
    return info.path.endswith(".parquet")


def delta_table(uri: str):  # -> deltalake.DeltaTable
    try:
        from deltalake import DeltaTable
    except ImportError:
        raise QueryEngineError(f"{uri} is a Delta table: {DELTA_HINT}") from None
    try:
        return DeltaTable(uri)
    except Exception as e:  # delta-rs raises its own TableNotFoundError, OSError, ...
        raise QueryEngineError(f"cannot read the Delta table at {uri}: {e}") from e
