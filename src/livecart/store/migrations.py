"""Numbered schema migrations, run in order when a workspace opens. A workspace records the
highest one applied; opening an older workspace upgrades it. Rules for new migrations: append a
function, never edit an old one, and keep each idempotent (``IF NOT EXISTS``)."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from livecart.model.schema import KINDS, Kind

SQL_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "ts": "TIMESTAMP",
             "date": "DATE"}


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


MIGRATIONS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [_m001_initial]
SCHEMA_VERSION = len(MIGRATIONS)


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
            con.execute(
                "INSERT OR REPLACE INTO _meta VALUES ('schema_version', ?)", [str(n + 1)]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return current
