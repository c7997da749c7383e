"""Numbered schema migrations, run in order when a workspace opens. A workspace records the
highest one applied; opening an older workspace upgrades it. Rules for new migrations: append a
function, never edit an old one, and keep each idempotent (``IF NOT EXISTS``)."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from livecart.model.schema import KINDS, Kind

SQL_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "ts": "TIMESTAMP",
    "date": "DATE",
}


def create_table_sql(kind: Kind) -> str:
    cols = ", ".join(f'"{c.name}" {SQL_TYPES[c.type]}' for c in kind.columns)
    return f'CREATE TABLE IF NOT EXISTS "{kind.name}" ({cols})'


def _m001_initial(con: duckdb.DuckDBPyConnection) -> None:
    for k in KINDS.values():
        con.execute(create_table_sql(k))
    con.execute(
        "CREATE TABLE IF NOT EXISTS _imports (sha256 VARCHAR, kind VARCHAR, file VARCHAR, "
        "rows BIGINT, imported_at TIMESTAMP DEFAULT current_timestamp)"
    )


def _m002_plans_and_logs(con: duckdb.DuckDBPyConnection) -> None:
    """Tables the models write: the product stage log (selection), session plans and their
    versions (plan), and saved stock plans (stock)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS selection_stage_log (sku_id VARCHAR NOT NULL, "
        "market VARCHAR NOT NULL, from_stage VARCHAR NOT NULL, to_stage VARCHAR NOT NULL, "
        "reason VARCHAR NOT NULL, evidence VARCHAR NOT NULL, status VARCHAR NOT NULL, "
        "confirmed_by VARCHAR NOT NULL, confirmed_at TIMESTAMP NOT NULL)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS plans (plan_id VARCHAR PRIMARY KEY, version INTEGER, "
        "market VARCHAR, start_utc TIMESTAMP, session_id VARCHAR, title VARCHAR, "
        "updated_at TIMESTAMP, body VARCHAR)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS plan_versions (plan_id VARCHAR, version INTEGER, "
        "saved_at TIMESTAMP, change VARCHAR, body VARCHAR, PRIMARY KEY (plan_id, version))"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS stock_plan_lines (plan_id VARCHAR NOT NULL, "
        "session_id VARCHAR NOT NULL, as_of TIMESTAMP NOT NULL, saved_at TIMESTAMP NOT NULL, "
        "sku_id VARCHAR NOT NULL, p10 DOUBLE, p50 DOUBLE, p90 DOUBLE, target INTEGER, "
        "order_qty INTEGER, budget DOUBLE, capacity DOUBLE, PRIMARY KEY (plan_id, sku_id))"
    )


MIGRATIONS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [
    _m001_initial,
    _m002_plans_and_logs,
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The migration a database is at (0 for a database livecart never touched)."""
    try:
        row = con.execute("SELECT value FROM _meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the database to SCHEMA_VERSION; return the version it was at."""
    from livecart.errors import SchemaVersionError

    con.execute("CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    row = con.execute("SELECT value FROM _meta WHERE key = 'schema_version'").fetchone()
    current = int(row[0]) if row else 0
    if current > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"this workspace has schema version {current}, newer than this livecart "
            f"understands ({SCHEMA_VERSION}): upgrade livecart"
        )
    for n in range(current, SCHEMA_VERSION):
        con.execute("BEGIN TRANSACTION")
        try:
            MIGRATIONS[n](con)
            con.execute("INSERT OR REPLACE INTO _meta VALUES ('schema_version', ?)", [str(n + 1)])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return current
