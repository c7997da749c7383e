"""`livecart export`: a workspace written out as a lake the settings can point at."""

from __future__ import annotations

import json

import pytest

from livecart.model.schema import KINDS
from tests.conftest import invoke


def test_export_writes_every_kind_and_says_how_to_use_it(cli, demo_path, tmp_path):
    r = invoke(cli, "export", demo_path, tmp_path / "lake")
    assert r.exit_code == 0, r.output
    assert sorted(p.stem for p in (tmp_path / "lake").glob("*.parquet")) == sorted(KINDS)
    assert "Next: set query_source" in r.output and str(tmp_path / "lake") in r.output
    assert not list((tmp_path / "lake").glob("*.part"))  # each file renamed into place
    import pyarrow as pa
    import pyarrow.parquet as pq

    units = {  # Spark 4 refuses nanosecond timestamps
        f.type.unit
        for k in KINDS
        for f in pq.read_schema(tmp_path / "lake" / f"{k}.parquet")
        if isinstance(f.type, pa.TimestampType)
    }
    assert units == {"us"}


def test_export_delta_json_counts_the_rows_of_each_kind(cli, demo_path, tmp_path):
    pytest.importorskip("deltalake")
    import livecart

    r = invoke(cli, "export", demo_path, tmp_path / "lake", "--delta", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    with livecart.open(demo_path, read_only=True) as ws:
        assert out["rows"] == {k: ws.count(k) for k in KINDS}
    assert out["format"] == "delta"
    assert all((tmp_path / "lake" / k / "_delta_log").is_dir() for k in KINDS)
    import pyarrow as pa
    from deltalake import DeltaTable

    orders = pa.schema(DeltaTable(tmp_path / "lake" / "orders").schema().to_arrow())
    assert orders.field("created_at").type == pa.timestamp("us")


def test_export_to_a_url_arrow_cannot_open_says_what_to_give(demo_path, capsys):
    from livecart.cli.app import run_argv

    assert run_argv(["export", str(demo_path), "nosuch://bucket/lake"]) == 1
    assert "give a URL such as s3://bucket/prefix" in capsys.readouterr().err
