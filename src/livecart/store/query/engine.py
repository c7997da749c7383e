"""Where the read-side expressions run: an Ibis backend and the place its source tables live.

Three set-ups, chosen by the workspace's settings (``query_engine``, ``query_source``,
``spark_master``):

- DuckDB on the workspace file (the default): a fresh cursor of the workspace's own connection,
  so a query sees every committed write and never shares a connection with another thread.
- DuckDB on a lake: ``query_source`` names a folder or an object-store URL holding one
  ``<table>.parquet`` file, ``<table>/`` folder of Parquet files or ``<table>/`` Delta table per
  record kind: a brand's own lake, read in place (``livecart.store.query.lake``).
- Spark: ``query_engine = "spark"`` with ``spark_master`` ``local[*]`` (an in-process Spark) or a
  Spark Connect URL ``sc://host:15002``; its tables are read from ``query_source`` (Spark cannot
  read a DuckDB file; ``livecart export`` writes a workspace out as a lake).

The expressions themselves (``livecart.store.query.orders`` and its neighbours) never know which
one they run on: the models take the same frames either way.
"""

from __future__ import annotations

import functools
import gc
import threading
import warnings
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from livecart.store.query.errors import QueryEngineError

if TYPE_CHECKING:
    import pandas as pd

    from livecart.store.query.lake import Lake
    from livecart.store.workspace import Workspace

ENGINES = ("duckdb", "spark")
Tables = Callable[[str], ibis.Table]
Expression = Callable[[Tables], ibis.Table]


class QueryEngine:
    """An Ibis backend and a function from a record kind's name to its table."""

    def __init__(
        self,
        name: str,
        backend: ibis.BaseBackend,
        tables: Tables,
        source: str | Path | None = None,
        lake: Lake | None = None,
    ) -> None:
        self.name = name
        self.backend = backend
        self._tables = tables
        self.source = source  # the lake it reads (folder or URL), None on a workspace file
        self.lake = lake

    def table(self, name: str) -> ibis.Table:
        return self._tables(name)

    def build(self, expression: Expression) -> ibis.Table:
        return expression(self.table)

    def frame(self, expression: Expression | ibis.Table) -> pd.DataFrame:
        """Run one expression (a function of the tables, or an expression built from this
        engine's tables) and return its rows as a pandas DataFrame."""
        expr = expression if isinstance(expression, ibis.Table) else self.build(expression)
        if self.name == "spark":  # straight to Arrow: ibis's own path goes through pandas
            with warnings.catch_warnings():
                # pyspark leaves its result socket for the garbage collector to close ("will be
                # automatically closed when garbage-collected"): collect it here, quietly
                warnings.simplefilter("ignore", ResourceWarning)
                table = self.backend.raw_sql(self.backend.compile(expr)).toArrow()
                gc.collect()
        else:
            table = self.backend.to_pyarrow(expr)
        return arrow_to_frame(table)


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """The pandas frame DuckDB's own ``.df()`` makes of the same rows, on every engine: dates
    as datetimes, timestamps in microseconds (Spark hands back nanoseconds), integer columns
    with nulls as pandas' nullable integers. (Not ibis's ``execute``: its pandas path trips
    pandas 3's deprecation of ``future.infer_string``.)"""
    out = table.to_pandas(date_as_object=False)
    for name, col in zip(table.column_names, table.columns, strict=True):
        if out[name].dtype.kind == "M":
            if getattr(out[name].dtype, "tz", None) is not None:  # Spark's zoned TIMESTAMP
                out[name] = out[name].dt.tz_convert("UTC").dt.tz_localize(None)
            out[name] = out[name].astype("datetime64[us]")
        elif pa.types.is_integer(col.type) and col.null_count:
            out[name] = out[name].astype(f"Int{col.type.bit_width}")
    return out


def duckdb_engine(ws: Workspace) -> QueryEngine:
    """DuckDB on the workspace's own file, through a new cursor (cheap: no second open)."""
    backend = ibis.duckdb.from_connection(ws.cursor())
    return QueryEngine("duckdb", backend, backend.table)


def parquet_engine(source: str | Path) -> QueryEngine:
    """DuckDB (in memory) over a lake: a folder or URL of Parquet files or Delta tables."""
    from livecart.store.query.lake import Lake

    lake = Lake(source)
    backend = ibis.duckdb.connect()
    return QueryEngine("duckdb", backend, lake.tables(backend), source, lake)


@functools.cache
def spark_session(master: str):  # -> pyspark.sql.SparkSession
    """One Spark session per process and master (starting one takes ~25 s and ~1 GB)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise QueryEngineError(
            "query_engine = 'spark' needs pyspark: pip install 'livecart[spark]' "
            "(and a Java runtime, e.g. Debian's default-jre-headless)"
        ) from None
    builder = SparkSession.builder.appName("livecart")
    if master.startswith("sc://"):
        return builder.remote(master).getOrCreate()
    session = (
        builder.master(master)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_engine(source: str | Path, master: str = "local[*]") -> QueryEngine:
    """Spark (local or through Spark Connect) over a lake: a folder or URL of Parquet files or
    Delta tables."""
    if not str(source):
        raise QueryEngineError(
            "query_engine = 'spark' reads a lake, not the DuckDB file: set query_source to a "
            "folder or URL of Parquet files or Delta tables (write one with `livecart export`)"
        )
    from livecart.store.query.lake import Lake

    lake = Lake(source)
    backend = ibis.pyspark.connect(spark_session(master))
    return QueryEngine("spark", backend, lake.tables(backend), source, lake)


_ENGINES: weakref.WeakKeyDictionary[Workspace, QueryEngine] = weakref.WeakKeyDictionary()


def engine_for(ws: Workspace) -> QueryEngine:
    """The engine the workspace's settings name. The default (DuckDB on the workspace file)
    takes a fresh cursor every call; a Parquet or Spark engine is built once per workspace."""
    s = ws.settings
    if s.query_engine not in ENGINES:
        raise QueryEngineError(
            f"query_engine {s.query_engine!r} is not one of {', '.join(ENGINES)}: fix it in "
            f"{ws.path / 'livecart.toml'} or LIVECART_QUERY_ENGINE"
        )
    if s.query_engine == "duckdb" and not s.query_source:
        return duckdb_engine(ws)
    if ws not in _ENGINES:
        _ENGINES[ws] = (
            spark_engine(s.query_source, s.spark_master)
            if s.query_engine == "spark"
            else parquet_engine(s.query_source)
        )
    return _ENGINES[ws]


def frame(
    ws: Workspace, expression: Expression, *, limit: int | None = None, **equal: object
) -> pd.DataFrame:
    """Run ``expression`` on the engine the workspace's settings name, keeping only the rows
    whose columns equal the values given (``frame(ws, session_kpis, session_id="L0001")``), and
    only the first ``limit`` of an ordered expression's rows when a limit is given."""
    s = ws.settings
    if s.query_engine == "duckdb" and not s.query_source:
        return _workspace_frame(ws, expression, equal, limit)
    engine = engine_for(ws)
    expr = engine.build(expression)
    if equal:
        expr = expr.filter(*(expr[c] == v for c, v in equal.items()))
    return engine.frame(expr if limit is None else expr.limit(limit))


# SQL and result schema of each expression on a workspace file, compiled once per process:
# building and compiling an expression costs more than running it on a brand's workspace
_COMPILED: dict[Expression, tuple[str, pa.Schema]] = {}


_COMPILE_LOCK = threading.Lock()


def _workspace_frame(
    ws: Workspace,
    expression: Expression,
    equal: dict[str, object],
    limit: int | None = None,
) -> pd.DataFrame:
    if expression not in _COMPILED:
        # Once per expression and process, one thread at a time: an Ibis backend sets its
        # connection's options (time zone, replacement scans) when made, which the reads need
        # not repeat on every call while a live run writes from another thread.
        with _COMPILE_LOCK:
            if expression not in _COMPILED:
                engine = duckdb_engine(ws)
                expr = engine.build(expression)
                compiled = (str(engine.backend.compile(expr)), expr.schema().to_pyarrow())
                _COMPILED[expression] = compiled
    sql, schema = _COMPILED[expression]
    unknown = sorted(set(equal) - set(schema.names))
    if unknown:
        raise QueryEngineError(f"{expression.__name__} has no column {', '.join(unknown)}")
    params = list(equal.values())
    if equal:  # values bound, never formatted in
        sql = f"SELECT * FROM ({sql}) WHERE " + " AND ".join(f'"{c}" = ?' for c in equal)
    if limit is not None:  # DuckDB keeps the expression's order through the outer select
        sql, params = f"SELECT * FROM ({sql}) LIMIT ?", [*params, int(limit)]
    table = ws.cursor().sql(sql, params=params or None).to_arrow_table()
    return arrow_to_frame(table.cast(schema))
