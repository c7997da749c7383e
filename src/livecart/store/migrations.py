"""Numbered schema migrations, run in order when a workspace opens. A workspace records the
highest one applied; opening an older workspace upgrades it.

Rules for new migrations:

- append a function, never edit an old one: a workspace that already ran it will not run it again;
- write DDL out literally. Never build it from ``livecart.model.schema`` (``KINDS``): that is the
  schema *now*, and a migration must create what it created on the day it was written;
- so a column added to a kind in ``schema.py`` needs a new migration here
  (``ALTER TABLE "orders" ADD COLUMN IF NOT EXISTS "x" DOUBLE``), or
  tests/store/test_migrations.py fails;
- keep each idempotent (``IF NOT EXISTS``).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

# How schema.py's column types are stored. Used to check the migrated tables against KINDS
# (tests/store/test_migrations.py), never to write a migration's DDL.
SQL_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "ts": "TIMESTAMP",
    "date": "DATE",
}

# The record kinds as schema.py declared them when migration 1 was written. Frozen.
_M001_KINDS = (
    """CREATE TABLE IF NOT EXISTS "markets" (
        "market" VARCHAR, "name" VARCHAR, "currency" VARCHAR, "timezone" VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS "products" (
        "sku_id" VARCHAR, "product_id" VARCHAR, "product_name" VARCHAR, "variation" VARCHAR,
        "seller_sku" VARCHAR, "category" VARCHAR, "price" DOUBLE, "unit_cost" DOUBLE,
        "currency" VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS "creators" (
        "creator_id" VARCHAR, "name" VARCHAR, "kind" VARCHAR, "markets" VARCHAR,
        "categories" VARCHAR, "followers" BIGINT, "fee" DOUBLE, "commission_rate" DOUBLE,
        "currency" VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS "videos" (
        "video_id" VARCHAR, "creator_id" VARCHAR, "sku_id" VARCHAR, "market" VARCHAR,
        "purpose" VARCHAR, "session_id" VARCHAR, "posted_at" TIMESTAMP, "views" BIGINT,
        "likes" BIGINT, "comments" BIGINT, "shares" BIGINT, "product_clicks" BIGINT,
        "add_to_carts" BIGINT, "orders" BIGINT, "gmv" DOUBLE, "currency" VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS "sessions" (
        "session_id" VARCHAR, "room" VARCHAR, "title" VARCHAR, "host_ids" VARCHAR,
        "market" VARCHAR, "planned_start" TIMESTAMP, "planned_end" TIMESTAMP,
        "actual_start" TIMESTAMP, "actual_end" TIMESTAMP, "gmv" DOUBLE, "orders" BIGINT,
        "items_sold" BIGINT, "customers" BIGINT, "views" BIGINT, "impressions" BIGINT,
        "product_impressions" BIGINT, "product_clicks" BIGINT, "new_followers" BIGINT,
        "comments" BIGINT, "shares" BIGINT, "likes" BIGINT, "avg_view_seconds" DOUBLE,
        "currency" VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS "live_minutes" (
        "session_id" VARCHAR, "minute" BIGINT, "ts" TIMESTAMP, "viewers_online" BIGINT,
        "viewers_peak" BIGINT, "entries" BIGINT, "exits" BIGINT, "new_followers" BIGINT,
        "fan_club_joins" BIGINT, "comments" BIGINT, "likes" BIGINT, "shares" BIGINT,
        "gifts" BIGINT, "product_impressions" BIGINT, "product_clicks" BIGINT,
        "add_to_carts" BIGINT, "orders" BIGINT, "units" BIGINT, "gmv" DOUBLE,
        "traffic_foryou" BIGINT, "traffic_follows" BIGINT, "traffic_video" BIGINT,
        "traffic_ads" BIGINT, "traffic_search" BIGINT, "traffic_other" BIGINT, "ad_spend" DOUBLE,
        "currency" VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS "session_products" (
        "session_id" VARCHAR, "sku_id" VARCHAR, "position" BIGINT, "role" VARCHAR, "price" DOUBLE,
        "stock_start" BIGINT, "stock_end" BIGINT, "first_pin_minute" BIGINT,
        "pinned_minutes" BIGINT, "stockout_minute" BIGINT, "currency" VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS "orders" (
        "order_id" VARCHAR, "sku_id" VARCHAR, "buyer_id" VARCHAR, "market" VARCHAR,
        "quantity" BIGINT, "unit_price" DOUBLE, "seller_discount" DOUBLE,
        "platform_discount" DOUBLE, "subtotal" DOUBLE, "order_amount" DOUBLE, "currency" VARCHAR,
        "created_at" TIMESTAMP, "paid_at" TIMESTAMP, "channel" VARCHAR, "session_id" VARCHAR,
        "video_id" VARCHAR, "status" VARCHAR, "cancel_return_type" VARCHAR, "seller_sku" VARCHAR,
        "product_name" VARCHAR, "variation" VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS "ad_spend" (
        "campaign_id" VARCHAR, "session_id" VARCHAR, "market" VARCHAR, "phase" VARCHAR,
        "ts" TIMESTAMP, "spend" DOUBLE, "impressions" BIGINT, "clicks" BIGINT,
        "attributed_gmv" DOUBLE, "currency" VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS "inventory" (
        "sku_id" VARCHAR, "location" VARCHAR, "as_of" DATE, "on_hand" BIGINT, "inbound" BIGINT,
        "inbound_arrival" DATE, "lead_time_days" BIGINT
    )""",
    """CREATE TABLE IF NOT EXISTS "buyers" (
        "buyer_id" VARCHAR, "market" VARCHAR, "first_seen_at" TIMESTAMP, "followed_at" TIMESTAMP,
        "fan_club_joined_at" TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS "fx_rates" (
        "date" DATE, "currency" VARCHAR, "quote" VARCHAR, "rate" DOUBLE
    )""",
)


def _m001_initial(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in _M001_KINDS:
        con.execute(ddl)
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


def _m003_creator_sales(con: duckdb.DuckDBPyConnection) -> None:
    """Creator lists from Affiliate Center and third-party tools carry the creator's GMV and
    items sold (#12)."""
    con.execute('ALTER TABLE "creators" ADD COLUMN IF NOT EXISTS "gmv" DOUBLE')
    con.execute('ALTER TABLE "creators" ADD COLUMN IF NOT EXISTS "items_sold" BIGINT')


def _m004_host_availability(con: duckdb.DuckDBPyConnection) -> None:
    """Professional hosts' weekly availability, an importable kind the roster reads (#12)."""
    con.execute(
        'CREATE TABLE IF NOT EXISTS "host_availability" ("host_id" VARCHAR, "weekday" VARCHAR, '
        '"start_time" VARCHAR, "end_time" VARCHAR, "markets" VARCHAR, "max_hours_day" DOUBLE, '
        '"max_hours_week" DOUBLE)'
    )


MIGRATIONS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [
    _m001_initial,
    _m002_plans_and_logs,
    _m003_creator_sales,
    _m004_host_availability,
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The migration a database is at (0 for a database livecart never touched)."""
    try:
        row = con.execute("SELECT value FROM _meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection, to: int = SCHEMA_VERSION) -> int:
    """Bring the database to version ``to`` (SCHEMA_VERSION unless a test builds an old
    workspace); return the version it was at."""
    from livecart.errors import SchemaVersionError

    con.execute("CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    row = con.execute("SELECT value FROM _meta WHERE key = 'schema_version'").fetchone()
    current = int(row[0]) if row else 0
    if current > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"this workspace has schema version {current}, newer than this livecart "
            f"understands ({SCHEMA_VERSION}): upgrade livecart"
        )
    for n in range(current, to):
        con.execute("BEGIN TRANSACTION")
        try:
            MIGRATIONS[n](con)
            con.execute("INSERT OR REPLACE INTO _meta VALUES ('schema_version', ?)", [str(n + 1)])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return current
