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
  (delta-rs lists them; no Delta jars needed). A URL is handed to Spark first (a cluster with
  hadoop-aws reads ``s3a://`` itself, the faster way); where Spark has no file system for its
  scheme (``s3://`` without a connector), a Python data source reads it with Arrow in the
  executors instead (``livecart.store.query.spark_arrow``).

Each query sees the table as it is: a Delta table at its latest version, a Parquet file or
folder that an engine lists once (Spark always; DuckDB at a URL) read again when its listing
(names, sizes, modification times) changed since the last query, at the cost of one listing
a table a query (one LIST request per 1,000 objects on S3).

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
        self.arrow_on_spark = False  # set once Spark says it cannot open the lake's scheme

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
        read: dict[str, tuple[object, ibis.Table]] = {}
        on = self._on_duckdb if backend.name == "duckdb" else self._on_spark
        # DuckDB's own reader lists a local file or folder again at every query
        relists = backend.name != "duckdb" or self.url

        def table(name: str) -> ibis.Table:
            if name not in found:
                found[name] = self.find(name)
            fmt, path = found[name]
            delta, version = None, None
            if fmt == "delta":  # its latest version: reading the log is a few small files
                delta = delta_table(self.uri(path))
                version = delta.version()
            elif relists:
                version = self._listing(fmt, path)
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
        backend.con.register(view, self._dataset(path, delta))  # scanned in place, columns
        return backend.table(view)  # and filters pushed down

    def _dataset(self, path: str, delta):  # -> pyarrow.dataset.Dataset
        if delta is not None:
            return delta.to_pyarrow_dataset()
        import pyarrow.dataset as ds

        return ds.dataset(path, filesystem=self.fs, format="parquet", partitioning="hive")

    def _listing(self, fmt: str, path: str) -> tuple:
        """What changes when a Parquet file or folder does: its files' names, sizes and
        modification times."""
        if fmt == "file":
            infos = [self.fs.get_file_info(path)]
        else:
            infos = self.fs.get_file_info(pafs.FileSelector(path, recursive=True))
        files = (i for i in infos if i.type == pafs.FileType.File)
        return tuple(sorted((i.path, i.size, i.mtime_ns) for i in files))

    def _on_spark(
        self, backend: ibis.BaseBackend, view: str, fmt: str, path: str, delta
    ) -> ibis.Table:
        if delta is not None:
            _check_spark_reads(delta, self.uri(path))
        session = backend._session
        if delta is not None:
            files = delta.file_uris()
            if not files:  # an empty table: no file to read the schema from
                session.createDataFrame(delta.to_pyarrow_table()).createOrReplaceTempView(view)
                return backend.table(view)
        if not self.arrow_on_spark:
            try:
                if delta is None:
                    frame = session.read.parquet(self.uri(path))
                else:  # basePath: partition columns come back from the files' folder names
                    frame = session.read.option("basePath", self.uri(path)).parquet(*files)
                frame.createOrReplaceTempView(view)
                return backend.table(view)
            except Exception as e:  # Py4JJavaError, or pyspark's own over Spark Connect
                if not self.url or "No FileSystem for scheme" not in str(e):
                    raise
                self.arrow_on_spark = True  # no connector for this scheme: Arrow from now on
        from livecart.store.query.spark_arrow import arrow_frame, plan_parts

        root = self.uri(path)
        # delta-rs's dataset names its files relative to the table's root
        uri_of = (lambda p: f"{root}/{p}") if delta is not None else self.uri
        dataset = self._dataset(path, delta)
        arrow_frame(session, view, dataset.schema, plan_parts(dataset, uri_of))
        return backend.table(view)


def _check_spark_reads(delta, uri: str) -> None:
    unread = sorted(set(delta.protocol().reader_features or ()) & SPARK_CANNOT_APPLY)
    if unread:  # the files alone would bring back deleted rows or wrong column names
        raise QueryEngineError(
            f"the Delta table {uri} uses {', '.join(unread)}, which reading its Parquet files "
            "on Spark cannot apply: try query_engine = 'duckdb' (which reads Delta through "
            "delta-rs)"
        )


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
