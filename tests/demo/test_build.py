"""Building, reusing and validating demo workspaces; the CLI commands."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

import livecart
from livecart.demo import build, truth
from livecart.errors import WorkspaceError
from livecart.ingest import import_frame
from livecart.model.events import parse_event
from livecart.model.schema import KINDS, LOAD_ORDER
from tests.conftest import invoke

HIDDEN = (
    "fit",
    "skill",
    "affinity",
    "buzz",
    "heat",
    "expected_units",
    "winner",
    "click_hazard",
    "golden_g",
    "push",
    "xu_m",
    "lambda",
    "dropout",
)


def _table_hashes(path) -> dict[str, str]:
    """sha256 of each table exported as CSV in key order (the database file itself carries
    page layout that is not data)."""
    out = {}
    with livecart.open(path, read_only=True) as ws:
        for k in KINDS.values():
            cols = ", ".join(f'"{c}"' for c in k.key)
            df = ws.query(f'SELECT * FROM "{k.name}" ORDER BY {cols}')
            out[k.name] = hashlib.sha256(df.to_csv(index=False).encode()).hexdigest()
    return out


def test_same_seed_gives_the_same_data_byte_for_byte(tmp_path):
    a = build(tmp_path / "a", seed=3, scale=0.05)
    b = build(tmp_path / "b", seed=3, scale=0.05)
    build(tmp_path / "c", seed=4, scale=0.05)
    assert a.counts == b.counts and a.counts["orders"] > 1000
    ha, hb, hc = (_table_hashes(tmp_path / x) for x in "abc")
    assert ha == hb
    assert (tmp_path / "a" / "truth.json").read_bytes() == (
        tmp_path / "b" / "truth.json"
    ).read_bytes()
    assert ha["orders"] != hc["orders"] and ha["live_minutes"] != hc["live_minutes"]


def test_demo_workspace_passes_the_importers_validation(demo_path, tmp_path):
    """Re-import every table of the demo through import_frame into a fresh workspace: nothing
    is rejected and every row arrives."""
    fresh = livecart.init(tmp_path / "fresh")
    try:
        with livecart.open(demo_path, read_only=True) as ws:
            for kind in LOAD_ORDER:
                frame = ws.arrow(kind)
                res = import_frame(fresh, kind, frame, source=f"{kind}.demo")
                assert res.rows_written == frame.num_rows == fresh.count(kind), kind
                assert frame.num_rows > 0, kind
    finally:
        fresh.close()


def test_truth_is_in_truth_json_and_not_in_the_tables(demo_path):
    t = truth(demo_path)
    assert {
        "meta",
        "products",
        "hosts",
        "live",
        "warmup",
        "ads",
        "bgnbd",
        "gamma_gamma",
        "fans",
        "sessions",
    } <= set(t)
    assert t["meta"]["seed"] == 7 and t["meta"]["scale"] == 0.2
    with livecart.open(demo_path, read_only=True) as ws:
        names = set(ws.query("SELECT table_name FROM information_schema.tables")["table_name"])
        columns = set(ws.query("SELECT column_name FROM information_schema.columns")["column_name"])
        skills = {round(h["skill"], 6) for h in t["hosts"].values()}
        stored = ws.query("SELECT commission_rate, fee FROM creators")
    assert not any("truth" in n for n in names)
    assert not columns & set(HIDDEN)
    assert not skills & {round(float(x), 6) for x in stored.to_numpy().ravel()}
    assert sum(r["winner"] for r in t["products"]["sku_market"]) > 0


def test_build_reuses_a_finished_demo_and_refuses_a_user_workspace(demo_path, tmp_path):
    before = os.stat(demo_path / "livecart.duckdb").st_mtime_ns
    again = build(demo_path, seed=7, scale=0.2)
    assert again.reused and os.stat(demo_path / "livecart.duckdb").st_mtime_ns == before
    livecart.init(tmp_path / "mine").close()
    with pytest.raises(WorkspaceError, match="not a finished demo"):
        build(tmp_path / "mine")
    with pytest.raises(WorkspaceError, match="scale"):
        build(tmp_path / "x", scale=0)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="not empty"):
        build(tmp_path / "notes", scale=0.02)
    assert (tmp_path / "notes" / "todo.txt").read_text() == "mine"


def test_demo_cli_builds_summarises_and_reuses(cli, tmp_path):
    out = tmp_path / "d"
    r = invoke(cli, "demo", "--out", out, "--seed", "5", "--scale", "0.05", "--no-serve")
    assert r.exit_code == 0, r.output
    assert "Built the demo workspace" in r.output and "Kirala Beauty" in r.output
    for m in ("US", "UK", "ID", "TH", "MY", "PH"):
        assert m in r.output
    assert "GMV by market" in r.output and "2026-05-18" in r.output
    r2 = invoke(cli, "demo", "--out", out, "--no-serve", "--json")
    s = json.loads(r2.output)
    assert s["reused"] is True and s["seed"] == 5 and s["counts"]["sessions"] == 8
    assert {g["market"] for g in s["gmv_by_market"]} == {"US", "UK", "ID", "TH", "MY", "PH"}
    from livecart.report import overview

    with livecart.open(out, read_only=True) as ws:
        total = overview(ws).gmv  # the dashboard's headline: the summary counts the same way
    assert sum(g["gmv_usd"] for g in s["gmv_by_market"]) == pytest.approx(total, rel=1e-9)
    r3 = invoke(cli, "demo", "--out", out, "--seed", "6", "--no-serve")
    assert "--seed 6 ignored" in " ".join(r3.stderr.split())
    assert "ignored" not in invoke(cli, "demo", "--out", out, "--no-serve").stderr  # defaults


def test_demo_events_writes_json_lines_that_parse(cli, demo_path, tmp_path):
    with livecart.open(demo_path, read_only=True) as ws:
        sid, gmv = ws.query("SELECT session_id, gmv FROM sessions ORDER BY views LIMIT 1").iloc[0]
    f = tmp_path / "events.jsonl"
    r = invoke(cli, "demo-events", demo_path, sid, "--out", f)
    assert r.exit_code == 0, r.output
    events = [parse_event(line) for line in f.read_text().splitlines()]
    assert events[0].type == "live_start" and events[-1].type == "live_end"
    assert all(e.session_id == sid for e in events)
    assert [e.ts for e in events] == sorted(e.ts for e in events)
    assert sum(e.quantity * e.price for e in events if e.type == "order") == pytest.approx(gmv)
    r = invoke(cli, "demo-events", demo_path, sid, "--out", "-")
    assert r.output.count("\n") == len(events)
