"""A workspace exported as a lake (Parquet or Delta, in a folder or in an S3 bucket) gives the
query layer the same frames as the workspace file: every expression, and the overview read
through the settings. S3 is a local fake that speaks its wire format (moto's server on a random
port); Delta tables are read at their current version."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import livecart
from livecart.model.schema import KINDS
from livecart.report import overview
from livecart.store.query import (
    EXPRESSIONS,
    QueryEngineError,
    duckdb_engine,
    engine_for,
    export_lake,
    parquet_engine,
)
from tests.store.fake_s3 import fake_s3
from tests.store.test_query_layer import KEYS, close, same

pytest.importorskip("deltalake", reason="Delta tables need the livecart[lake] extra")


def _every_expression_equal(ws, lake) -> None:
    on_file, on_lake = duckdb_engine(ws), parquet_engine(lake)
    for name, expression in EXPRESSIONS.items():
        a = on_file.frame(expression)
        assert len(a) > 0, name
        same(a, on_lake.frame(expression), KEYS[name])


@pytest.fixture(scope="module")
def demo(demo_path):
    ws = livecart.open(demo_path, read_only=True)
    yield ws
    ws.close()


def test_a_delta_export_gives_the_same_frames_as_the_workspace(demo, tmp_path):
    lake = export_lake(demo, tmp_path / "lake", fmt="delta")
    assert (Path(lake) / "orders" / "_delta_log").is_dir()
    _every_expression_equal(demo, lake)


def test_a_delta_table_is_read_at_its_current_version(demo, tmp_path):
    """Rows a later version deleted stay in the folder's Parquet files but are not read."""
    from deltalake import DeltaTable

    from livecart.store.query import paid_orders

    lake = export_lake(demo, tmp_path / "lake", fmt="delta", kinds=("orders", "markets", "buyers"))
    before = parquet_engine(lake).frame(paid_orders)
    first = before["order_id"].min()
    DeltaTable(f"{lake}/orders").delete(f"order_id = '{first}'")
    after = parquet_engine(lake).frame(paid_orders)
    assert len(after) == len(before) - 1 and first not in set(after["order_id"])
    assert len(list(Path(lake, "orders").glob("*.parquet"))) > 1  # the old file is still there


def _partition_orders(folder: Path) -> None:
    """orders.parquet rewritten as orders/market=XX/*.parquet (market read back from the
    folder names), as a brand's platform often lays a large table out."""
    import pyarrow.dataset as ds

    one = folder / "orders.parquet"
    table = ds.dataset(one, format="parquet").to_table()
    ds.write_dataset(
        table, folder / "orders", format="parquet", partitioning=["market"],
        partitioning_flavor="hive",
    )  # fmt: skip
    one.unlink()


def test_hive_partitioned_parquet_folders_read_as_one_table(demo, tmp_path):
    folder = Path(export_lake(demo, tmp_path / "lake"))
    _partition_orders(folder)
    assert len(list((folder / "orders").glob("market=*"))) > 1
    _every_expression_equal(demo, folder)


def test_export_refuses_an_unknown_format_and_a_url_arrow_cannot_open(demo, tmp_path):
    with pytest.raises(QueryEngineError, match="not one of parquet, delta"):
        export_lake(demo, tmp_path, fmt="csv")
    with pytest.raises(QueryEngineError, match="cannot open nosuch://bucket/lake"):
        export_lake(demo, "nosuch://bucket/lake")


@pytest.fixture(scope="module")
def s3():
    with fake_s3() as client:
        yield client


def _objects(s3, prefix: str) -> set[str]:
    """The names of the objects under ``prefix/`` (not the empty ``prefix/`` marker Arrow puts
    back when it deletes a folder's last object)."""
    listed = s3.list_objects_v2(Bucket="lake", Prefix=f"{prefix}/")["Contents"]
    return {o["Key"].removeprefix(f"{prefix}/") for o in listed} - {""}


def test_a_lake_in_s3_gives_the_same_frames_and_overview_as_the_workspace(
    demo, demo_path, s3, tmp_path, monkeypatch
):
    # Parquet put in the bucket as a brand's platform would (one file a kind, then orders in
    # partition folders); Delta written there by the export
    folder = Path(export_lake(demo, tmp_path / "local"))
    for name in KINDS:
        body = io.BytesIO((folder / f"{name}.parquet").read_bytes())
        s3.upload_fileobj(body, "lake", f"brand-a/{name}.parquet")
    _every_expression_equal(demo, "s3://lake/brand-a")
    _partition_orders(folder)  # and orders as partition folders
    for part in (folder / "orders").rglob("*.parquet"):
        key = f"brand-c/{part.relative_to(folder).as_posix()}"
        s3.upload_fileobj(io.BytesIO(part.read_bytes()), "lake", key)
    for name in KINDS:
        if name != "orders":
            body = io.BytesIO((folder / f"{name}.parquet").read_bytes())
            s3.upload_fileobj(body, "lake", f"brand-c/{name}.parquet")
    _every_expression_equal(demo, "s3://lake/brand-c")
    # and Parquet written there by the export (Arrow's multipart upload)
    written = export_lake(demo, "s3://lake/brand-p")
    assert _objects(s3, "brand-p") == {f"{name}.parquet" for name in KINDS}  # no .part left
    _every_expression_equal(demo, written)
    delta = export_lake(demo, "s3://lake/brand-b", fmt="delta")
    assert delta == "s3://lake/brand-b"
    _every_expression_equal(demo, delta)
    want = overview(demo, recent=8)
    monkeypatch.setenv("LIVECART_QUERY_SOURCE", delta)
    with livecart.open(demo_path, read_only=True) as ws:
        assert engine_for(ws).source == delta
        got = overview(ws, recent=8)
    assert len(want.gmv_by_day) > 0 and len(want.recent_sessions) == 8
    close(got.model_dump(), want.model_dump())


def test_a_missing_bucket_or_table_says_what_it_wanted(s3):
    with pytest.raises(QueryEngineError, match="is not a folder"):
        parquet_engine("s3://lake/nothing-here")
    s3.put_object(Bucket="lake", Key="empty/readme.txt", Body=b"no tables")
    with pytest.raises(QueryEngineError, match=r"no orders table .*orders\.parquet"):
        parquet_engine("s3://lake/empty").frame(EXPRESSIONS["paid_orders"])


def test_spark_refuses_a_delta_table_whose_files_alone_would_mislead(tmp_path):
    """Deletion vectors hide rows that stay in the Parquet files: Spark, which reads the files,
    says so instead of counting them (checked before any Spark session is touched)."""
    import pyarrow as pa
    from deltalake import write_deltalake

    from livecart.store.query import Lake

    write_deltalake(
        tmp_path / "orders",
        pa.table({"order_id": ["a", "b"]}),
        configuration={"delta.enableDeletionVectors": "true"},
    )

    class NoSpark:
        name = "pyspark"

    with pytest.raises(QueryEngineError, match="deletionVectors.*query_engine = 'duckdb'"):
        Lake(tmp_path).tables(NoSpark())("orders")


def test_a_running_engine_sees_each_new_delta_version(demo, tmp_path):
    """A server keeps its engine: rows appended to a Delta table after the engine first read
    it are in its next frame."""
    from deltalake import DeltaTable, write_deltalake

    from livecart.store.query import live_totals

    lake = export_lake(demo, tmp_path / "lake", fmt="delta", kinds=("sessions",))
    engine = parquet_engine(lake)
    before = engine.frame(live_totals)["sessions"].iloc[0]
    extra = DeltaTable(f"{lake}/sessions").to_pyarrow_table().slice(0, 2)
    write_deltalake(f"{lake}/sessions", extra, mode="append")
    assert engine.frame(live_totals)["sessions"].iloc[0] == before + 2


def test_a_failed_parquet_export_to_s3_leaves_the_old_table(demo, s3, monkeypatch):
    """A write that fails midway (here the second batch) keeps the table the lake had, and
    leaves no staging object: Arrow's stream completes an upload when it closes, even on an
    error, so the export writes beside the table and renames only a whole file."""
    import pyarrow.parquet as pq

    from livecart.store.query import export as export_module
    from livecart.store.query import paid_orders

    lake = export_lake(demo, "s3://lake/brand-f", kinds=("orders", "markets", "buyers"))
    before = parquet_engine(lake).frame(paid_orders)
    monkeypatch.setattr(export_module, "BATCH_ROWS", 100)  # several batches per table
    calls = []

    def fail_on_second(self, batch, row_group_size=None):
        calls.append(len(batch))
        if len(calls) == 2:
            raise OSError("connection reset")
        return real(self, batch, row_group_size=row_group_size)

    real = pq.ParquetWriter.write_batch
    monkeypatch.setattr(pq.ParquetWriter, "write_batch", fail_on_second)
    with pytest.raises(QueryEngineError, match=r"cannot write s3://lake/brand-f/orders\.parquet"):
        export_lake(demo, lake, kinds=("orders",))
    assert calls == [100, 100]
    assert _objects(s3, "brand-f") == {f"{k}.parquet" for k in ("orders", "markets", "buyers")}
    same(parquet_engine(lake).frame(paid_orders), before, KEYS["paid_orders"])


def test_a_running_engine_sees_parquet_replaced_or_added_at_a_url(demo, s3):
    """A server keeps its engine: a Parquet file replaced in the bucket, or a file added to a
    table's folder, is in the next frame (the engine lists the table again when its listing
    changed; Arrow's dataset alone would keep the files it first listed)."""
    import pyarrow.parquet as pq

    from livecart.store.query import live_totals

    sessions = demo.cursor().sql("SELECT * FROM sessions").to_arrow_table()

    def put(key: str, table) -> None:
        body = io.BytesIO()
        pq.write_table(table, body)
        s3.put_object(Bucket="lake", Key=key, Body=body.getvalue())

    put("brand-r/sessions.parquet", sessions)
    put("brand-s/sessions/part-0.parquet", sessions.slice(0, 10))
    one, many = parquet_engine("s3://lake/brand-r"), parquet_engine("s3://lake/brand-s")
    assert one.frame(live_totals)["sessions"].iloc[0] == len(sessions)
    assert many.frame(live_totals)["sessions"].iloc[0] == 10
    put("brand-r/sessions.parquet", sessions.slice(5))
    put("brand-s/sessions/part-1.parquet", sessions.slice(10, 7))
    assert one.frame(live_totals)["sessions"].iloc[0] == len(sessions) - 5
    assert many.frame(live_totals)["sessions"].iloc[0] == 17
