from __future__ import annotations

import pandas as pd
import pytest

import livecart
from livecart.errors import SchemaVersionError, WorkspaceError
from livecart.store import SCHEMA_VERSION


def _markets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "market": ["US", "UK"],
            "name": ["United States", "United Kingdom"],
            "currency": ["USD", "GBP"],
            "timezone": ["America/New_York", "Europe/London"],
        }
    )


def test_upsert_twice_keeps_one_row_per_key(ws):
    ws.upsert("markets", _markets())
    ws.upsert("markets", _markets())
    assert ws.count("markets") == 2


def test_upsert_replaces_changed_row_by_natural_key(ws):
    ws.upsert("markets", _markets())
    changed = _markets().iloc[:1].assign(timezone="America/Los_Angeles")
    ws.upsert("markets", changed)
    t = ws.table("markets").set_index("market")
    assert t.loc["US", "timezone"] == "America/Los_Angeles"
    assert t.loc["UK", "timezone"] == "Europe/London"


def test_transaction_rolls_back_everything_on_error(ws):
    with pytest.raises(RuntimeError):
        with ws.transaction():
            ws.upsert("markets", _markets())
            raise RuntimeError("boom")
    assert ws.count("markets") == 0


def test_open_missing_workspace_says_how_to_create_one(tmp_path):
    with pytest.raises(WorkspaceError, match="livecart init"):
        livecart.open(tmp_path / "nothing")


def test_open_upgrades_old_workspace_and_refuses_newer(tmp_path):
    ws = livecart.init(tmp_path / "w")
    ws.con.execute("UPDATE _meta SET value = '0' WHERE key = 'schema_version'")
    ws.close()
    ws = livecart.open(tmp_path / "w")
    v = ws.con.execute("SELECT value FROM _meta WHERE key='schema_version'").fetchone()[0]
    assert int(v) == SCHEMA_VERSION
    ws.con.execute("UPDATE _meta SET value = '999' WHERE key = 'schema_version'")
    ws.close()
    with pytest.raises(SchemaVersionError):
        livecart.open(tmp_path / "w")


def test_table_arrow_and_sql_see_the_same_rows(ws):
    ws.upsert("markets", _markets())
    assert len(ws.table("markets")) == ws.arrow("markets").num_rows == 2
    q = ws.query("SELECT count(*) AS n FROM markets WHERE currency = ?", ["GBP"])
    assert q["n"].iloc[0] == 1


def test_status_lists_counts_and_markets(ws):
    ws.upsert("markets", _markets())
    st = ws.status()
    assert st["kinds"]["markets"]["rows"] == 2
    assert {m["market"] for m in st["markets"]} == {"US", "UK"}


def test_read_only_open_of_an_old_workspace_upgrades_it_first(tmp_path):
    ws = livecart.init(tmp_path / "w")
    ws.con.execute("DROP TABLE plans")
    ws.con.execute("UPDATE _meta SET value = '1' WHERE key = 'schema_version'")
    ws.close()
    ro = livecart.open(tmp_path / "w", read_only=True)
    assert ro.query("SELECT count(*) AS n FROM plans")["n"].iloc[0] == 0
    ro.close()


def test_memory_limit_setting_is_applied_and_a_bad_one_refused(tmp_path):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "livecart.toml").write_text('duckdb_memory_limit = "512MB"\n')
    ws = livecart.init(tmp_path / "w")
    limit = ws.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.replace(" ", "") in ("512.0MiB", "488.2MiB", "512MB", "488.2MB")
    ws.close()
    (tmp_path / "w" / "livecart.toml").write_text('duckdb_memory_limit = "lots; DROP"\n')
    with pytest.raises(WorkspaceError, match="not a size"):
        livecart.open(tmp_path / "w")


def test_workspace_held_by_another_process_says_what_to_do(tmp_path):
    import subprocess
    import sys

    livecart.init(tmp_path / "w").close()
    holder = subprocess.Popen(  # stands in for a running `livecart serve`
        [
            sys.executable,
            "-c",
            "import sys, livecart; ws = livecart.open(sys.argv[1]); print('open', flush=True); "
            "sys.stdin.read()",
            str(tmp_path / "w"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        for read_only in (False, True):
            with pytest.raises(WorkspaceError) as e:
                livecart.open(tmp_path / "w", read_only=read_only)
            msg = str(e.value)
            assert "livecart serve (or another livecart command" in msg
            assert f"PID {holder.pid}" in msg
            assert msg.endswith("stop it, or use the dashboard / its API while it runs")
            assert "\n" not in msg
        cli = subprocess.run(
            [sys.executable, "-m", "livecart", "status", str(tmp_path / "w")],
            capture_output=True,
            text=True,
        )
        assert cli.returncode == 1 and len(cli.stderr.splitlines()) == 1
        assert "has this workspace open: stop it" in cli.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
