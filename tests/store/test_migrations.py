"""Migrations are frozen history: a workspace made by migration 1 and upgraded on open must end
up with exactly the tables schema.py declares now. Adding a column to a kind without a new
migration fails here."""

from __future__ import annotations

import duckdb
import pytest

import livecart
from livecart.model.schema import KINDS
from livecart.store import DB_FILE, SCHEMA_VERSION
from livecart.store.migrations import SQL_TYPES, migrate

# Tables that are not record kinds, as the code that writes them expects them today. A change
# here needs a new migration too.
OTHER_TABLES = {
    "_meta": {"key": "VARCHAR", "value": "VARCHAR"},
    "_imports": {
        "sha256": "VARCHAR",
        "kind": "VARCHAR",
        "file": "VARCHAR",
        "rows": "BIGINT",
        "imported_at": "TIMESTAMP",
    },
    "selection_stage_log": {
        "sku_id": "VARCHAR",
        "market": "VARCHAR",
        "from_stage": "VARCHAR",
        "to_stage": "VARCHAR",
        "reason": "VARCHAR",
        "evidence": "VARCHAR",
        "status": "VARCHAR",
        "confirmed_by": "VARCHAR",
        "confirmed_at": "TIMESTAMP",
    },
    "plans": {
        "plan_id": "VARCHAR",
        "version": "INTEGER",
        "market": "VARCHAR",
        "start_utc": "TIMESTAMP",
        "session_id": "VARCHAR",
        "title": "VARCHAR",
        "updated_at": "TIMESTAMP",
        "body": "VARCHAR",
    },
    "plan_versions": {
        "plan_id": "VARCHAR",
        "version": "INTEGER",
        "saved_at": "TIMESTAMP",
        "change": "VARCHAR",
        "body": "VARCHAR",
    },
    "stock_plan_lines": {
        "plan_id": "VARCHAR",
        "session_id": "VARCHAR",
        "as_of": "TIMESTAMP",
        "saved_at": "TIMESTAMP",
        "sku_id": "VARCHAR",
        "p10": "DOUBLE",
        "p50": "DOUBLE",
        "p90": "DOUBLE",
        "target": "INTEGER",
        "order_qty": "INTEGER",
        "budget": "DOUBLE",
        "capacity": "DOUBLE",
    },
}


def _expected() -> dict[str, dict[str, str]]:
    kinds = {k.name: {c.name: SQL_TYPES[c.type] for c in k.columns} for k in KINDS.values()}
    assert not set(kinds) & set(OTHER_TABLES)
    return {**kinds, **OTHER_TABLES}


def _tables(con) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, {})[column] = dtype
    return out


def _version_1_workspace(path):
    """A workspace as livecart left it when migration 1 was the newest."""
    path.mkdir()
    con = duckdb.connect(str(path / DB_FILE))
    assert migrate(con, to=1) == 0
    con.close()
    return path


def test_version_1_workspace_upgraded_on_open_has_every_current_table_and_column(tmp_path):
    d = _version_1_workspace(tmp_path / "v1")
    with livecart.open(d) as ws:
        v = ws.con.execute("SELECT value FROM _meta WHERE key = 'schema_version'").fetchone()
        assert int(v[0]) == SCHEMA_VERSION
        got = _tables(ws.con)
    expected = _expected()
    assert sorted(got) == sorted(expected), "tables differ: add a migration"
    for table, columns in expected.items():
        assert got[table] == columns, f"{table}: columns or types differ: add a migration"


def test_fresh_workspace_matches_an_upgraded_one_column_for_column(tmp_path):
    d = _version_1_workspace(tmp_path / "v1")
    with livecart.open(d) as old, livecart.init(tmp_path / "new") as new:
        q = (
            "SELECT table_name, column_name, ordinal_position, data_type, column_default, "
            "is_nullable FROM information_schema.columns WHERE table_schema = 'main' "
            "ORDER BY 1, 3"
        )
        assert old.con.execute(q).fetchall() == new.con.execute(q).fetchall()


def test_migration_1_does_not_read_the_live_schema(tmp_path, monkeypatch):
    """A column added to a kind today must not appear in what migration 1 creates."""
    from dataclasses import replace

    from livecart.model.schema import Column

    orders = KINDS["orders"]
    grown = replace(orders, columns=(*orders.columns, Column("added_later", "str", "x")))
    monkeypatch.setitem(KINDS, "orders", grown)
    con = duckdb.connect()
    migrate(con, to=1)
    assert "added_later" not in _tables(con)["orders"]
    with pytest.raises(AssertionError):  # and the upgrade check above would catch it
        assert _tables(con)["orders"] == _expected()["orders"]
