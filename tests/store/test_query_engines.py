"""Every expression of the query layer gives the same frame on DuckDB (the workspace file) and
on Spark local mode (the same workspace written out as Parquet): rtol 1e-9 on numbers, exact on
everything else. One Spark session for the whole run (a start takes ~25 s and ~1 GB), so the
comparison is one test: xdist never starts a second session in another worker."""

from __future__ import annotations

import pytest

import livecart
from livecart.store.query import (
    EXPRESSIONS,
    duckdb_engine,
    engine_for,
    export_lake,
    export_parquet,
    spark_engine,
)

pytest.importorskip("pyspark", reason="the Spark engine needs the livecart[spark] extra")


@pytest.fixture(scope="session")
def spark(demo_path, tmp_path_factory):
    ws = livecart.open(demo_path, read_only=True)
    lake = export_parquet(ws, tmp_path_factory.mktemp("lake"))
    ws.close()
    return spark_engine(lake, "local[2]")


@pytest.mark.slow
def test_every_expression_gives_the_same_frame_on_duckdb_and_spark(demo_path, spark, monkeypatch):
    from tests.store.test_query_layer import KEYS, same

    assert set(KEYS) == set(EXPRESSIONS), "a new expression needs its sort key here"
    ws = livecart.open(demo_path, read_only=True)
    try:
        duck = duckdb_engine(ws)
        failures = {}
        for name, expression in EXPRESSIONS.items():
            a, b = duck.frame(expression), spark.frame(expression)
            assert len(a) > 0, name
            try:
                same(a, b, KEYS[name])
            except AssertionError as e:
                failures[name] = str(e)[:400]
        assert not failures, failures
    finally:
        ws.close()
    # a model's input read through the settings: the same evidence cells on either engine
    from livecart.selection.evidence import load_cells

    with livecart.open(demo_path, read_only=True) as ws:
        on_duckdb, _ = load_cells(ws)
    monkeypatch.setenv("LIVECART_QUERY_ENGINE", "spark")
    monkeypatch.setenv("LIVECART_QUERY_SOURCE", str(spark.source))
    monkeypatch.setenv("LIVECART_SPARK_MASTER", "local[2]")
    with livecart.open(demo_path, read_only=True) as ws:
        assert engine_for(ws).name == "spark"
        on_spark, _ = load_cells(ws)
    same(on_spark, on_duckdb, None)


# between them these read every table the layer reads
ON_DELTA = ("paid_orders", "session_kpis", "host_lines", "video_cells", "catalog_counts")


@pytest.mark.slow
def test_spark_reads_delta_tables_at_their_current_version(demo_path, spark, tmp_path):
    """Delta exports of the demo and of the report's sample workspace (which leaves live
    minutes, ad spend and videos empty: no file to read a schema from) on Spark, against DuckDB
    on the workspace file; the Spark session is the one the test above started."""
    pytest.importorskip("deltalake", reason="Delta tables need the livecart[lake] extra")
    from tests.report.sample_workspace import build
    from tests.store.test_query_layer import KEYS, same

    sample = build(tmp_path / "sample")
    for path, names in ((demo_path, ON_DELTA), (sample, ("session_kpis", "recent_lives"))):
        with livecart.open(path, read_only=True) as ws:
            lake = export_lake(ws, tmp_path / f"delta-{path.name}", fmt="delta")
            on_spark = spark_engine(lake, "local[2]")
            for name in names:
                want = duckdb_engine(ws).frame(EXPRESSIONS[name])
                assert len(want) > 0, name
                same(on_spark.frame(EXPRESSIONS[name]), want, KEYS[name])
