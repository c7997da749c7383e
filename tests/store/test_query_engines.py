"""Every expression of the query layer gives the same frame on DuckDB (the workspace file) and
on Spark local mode (the same workspace written out as Parquet): rtol 1e-9 on numbers, exact on
everything else. One Spark session for the whole run (a start takes ~25 s and ~1 GB), so the
comparison is one test: xdist never starts a second session in another worker."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import livecart
from livecart.hosts.history import load_history
from livecart.report import overview
from livecart.store.query import (
    EXPRESSIONS,
    duckdb_engine,
    engine_for,
    export_lake,
    export_parquet,
    spark_engine,
)
from tests.store.test_query_layer import KEYS, close, same

pytest.importorskip("pyspark", reason="the Spark engine needs the livecart[spark] extra")


@pytest.fixture(scope="session")
def spark(demo_path, tmp_path_factory):
    ws = livecart.open(demo_path, read_only=True)
    lake = export_parquet(ws, tmp_path_factory.mktemp("lake"))
    ws.close()
    return spark_engine(lake, "local[2]")


@pytest.mark.slow
def test_every_expression_gives_the_same_frame_on_duckdb_and_spark(
    demo_path, spark, monkeypatch, tmp_path_factory
):
    """Then the overview and the roster's local slots read through the settings on Spark, and
    Delta exports read on Spark."""

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
        inputs = _model_inputs(ws)
    monkeypatch.setenv("LIVECART_QUERY_ENGINE", "spark")
    monkeypatch.setenv("LIVECART_QUERY_SOURCE", str(spark.source))
    monkeypatch.setenv("LIVECART_SPARK_MASTER", "local[2]")
    with livecart.open(demo_path, read_only=True) as ws:
        assert engine_for(ws).name == "spark"
        on_spark, _ = load_cells(ws)
        spark_overview = overview(ws, recent=8)
        spark_slots = load_history(ws).sessions[["session_id", "weekday", "hour"]]
        spark_inputs = _model_inputs(ws)
    same(on_spark, on_duckdb, None)
    for name, got in spark_inputs.items():
        if isinstance(got, dict):
            close(got, inputs[name])
        else:
            same(got, inputs[name], None)
    monkeypatch.delenv("LIVECART_QUERY_ENGINE")
    monkeypatch.delenv("LIVECART_QUERY_SOURCE")
    with livecart.open(demo_path, read_only=True) as ws:
        assert engine_for(ws).source is None
        close(spark_overview.model_dump(), overview(ws, recent=8).model_dump())
        slots = load_history(ws).sessions[["session_id", "weekday", "hour"]]
    same(spark_slots, slots, ["session_id"])
    _lakes_on_spark(demo_path, tmp_path_factory)
    _object_store_on_spark(demo_path)


def _model_inputs(ws) -> dict:
    """Models' inputs read through the settings (#16): the plan's golden-hour base and live
    history, the product stages' evidence, the nowcast's past lives, the roster's availability
    and the FX rates every conversion uses."""
    import datetime as dt

    from livecart.hosts.workspace import load_availability
    from livecart.live.history import load_history as live_history
    from livecart.plan.neighbours import golden_history
    from livecart.plan.neighbours import live_history as sku_history
    from livecart.selection.stages import live_evidence
    from livecart.store.query import fx_table

    market = ws.query("SELECT min(market) AS m FROM sessions")["m"].iloc[0]
    h = live_history(ws)
    return {
        "golden": golden_history(ws, market),
        "sku_history": sku_history(ws, market),
        "stages": live_evidence(ws, dt.datetime(2030, 1, 1)),
        "nowcast": h.meta.reset_index(drop=True),
        "nowcast_gmv": {"per_minute": h.per_minute["gmv"].ravel().tolist()},
        "availability": load_availability(ws),
        "fx": {"usd": fx_table(ws).rate("GBP", "USD", dt.date(2026, 9, 1))},
    }


# between them these read every table the layer reads
ON_DELTA = ("paid_orders", "session_kpis", "host_lines", "video_cells", "catalog_counts")


def _lakes_on_spark(demo_path, tmp_path_factory) -> None:
    """Delta exports of the demo and of the report's sample workspace (which leaves live
    minutes, ad spend and videos empty: no file to read a schema from), and a Parquet export
    with partitioned orders, on Spark, against DuckDB on the workspace file, in the same Spark
    session."""
    if importlib.util.find_spec("deltalake") is None:  # the livecart[lake] extra
        return
    from tests.report.sample_workspace import build
    from tests.store.test_lake import _partition_orders

    tmp = tmp_path_factory.mktemp("delta")
    sample = build(tmp / "sample")
    for path, names in ((demo_path, ON_DELTA), (sample, ("session_kpis", "recent_lives"))):
        with livecart.open(path, read_only=True) as ws:
            lake = export_lake(ws, tmp / f"delta-{path.name}", fmt="delta")
            on_spark = spark_engine(lake, "local[2]")
            for name in names:
                want = duckdb_engine(ws).frame(EXPRESSIONS[name])
                assert len(want) > 0, name
                same(on_spark.frame(EXPRESSIONS[name]), want, KEYS[name])
    # and Parquet with orders in Hive-style partition folders (orders/market=US/)
    with livecart.open(demo_path, read_only=True) as ws:
        lake = Path(export_lake(ws, tmp / "partitioned"))
        _partition_orders(lake)
        on_spark = spark_engine(lake, "local[2]")
        for name in ("paid_orders", "host_lines", "gmv_quarters"):
            same(
                on_spark.frame(EXPRESSIONS[name]),
                duckdb_engine(ws).frame(EXPRESSIONS[name]),
                KEYS[name],
            )
        # Spark's own reader keeps the files it first listed: a file rewritten in the lake is
        # read again all the same (its listing changed)
        import pyarrow.parquet as pq

        from livecart.store.query import live_totals

        sessions = pq.read_table(lake / "sessions.parquet")
        assert on_spark.frame(live_totals)["sessions"].iloc[0] == len(sessions)
        pq.write_table(sessions.slice(4), lake / "sessions.parquet")
        assert on_spark.frame(live_totals)["sessions"].iloc[0] == len(sessions) - 4


def _object_store_on_spark(demo_path) -> None:
    """The demo exported to a fake S3 as Parquet and as Delta, read on Spark at its s3:// URL:
    this Spark has no S3 connector (no hadoop-aws), so the lake reads it through the Arrow
    data source, in the executors. One expression on Parquet, one on Delta (between them
    orders, markets, buyers, sessions, live minutes and line-ups); then a Parquet file
    replaced in the bucket is read again (its listing changed) without a new engine. The
    fake's AWS_* variables are set after the session started: the executors get them from the
    data source, not their environment."""
    if importlib.util.find_spec("deltalake") is None:  # the livecart[lake] extra
        return
    import io

    import pyarrow.parquet as pq

    from livecart.store.query import live_totals
    from tests.store.fake_s3 import fake_s3

    with fake_s3() as s3, livecart.open(demo_path, read_only=True) as ws:
        duck = duckdb_engine(ws)
        lake = export_lake(ws, "s3://lake/demo")
        on_s3 = spark_engine(lake, "local[2]")
        name = "paid_orders"
        same(on_s3.frame(EXPRESSIONS[name]), duck.frame(EXPRESSIONS[name]), KEYS[name])
        assert on_s3.lake.arrow_on_spark  # Spark said it has no file system for s3://
        delta = export_lake(ws, "s3://lake/delta", fmt="delta")
        on_delta = spark_engine(delta, "local[2]")
        same(on_delta.frame(EXPRESSIONS["host_lines"]), duck.frame(EXPRESSIONS["host_lines"]),
             KEYS["host_lines"])  # fmt: skip
        assert on_delta.lake.arrow_on_spark
        sessions = ws.cursor().sql("SELECT * FROM sessions").to_arrow_table()
        body = io.BytesIO()
        pq.write_table(sessions.slice(3), body)
        s3.put_object(Bucket="lake", Key="demo/sessions.parquet", Body=body.getvalue())
        assert on_s3.frame(live_totals)["sessions"].iloc[0] == len(sessions) - 3
