"""The read-side query layer: the computations that feed the models, as Ibis expressions that
run on DuckDB (the workspace file, or Parquet) or on Spark, chosen by the workspace's settings.

Each expression is a function of ``tables`` (a record kind's name -> its Ibis table) returning
one Ibis table; ``frame(ws, expression)`` runs it where the settings say and returns pandas.
This package imports ibis: import it inside the functions that read, not at a module's top, so
``livecart --help`` and the core's imports stay light.
"""

from livecart.store.query.ads import ad_phases
from livecart.store.query.engine import (
    ENGINES,
    QueryEngine,
    QueryEngineError,
    duckdb_engine,
    engine_for,
    frame,
    parquet_engine,
    spark_engine,
)
from livecart.store.query.export import FORMATS, export_lake, export_parquet
from livecart.store.query.fx import fx_table
from livecart.store.query.lake import Lake
from livecart.store.query.lineups import (
    lineup_sessions,
    scale_videos,
    sku_live_history,
    sku_lives,
)
from livecart.store.query.lives import (
    funnel_sessions,
    host_lines,
    host_sessions,
    past_lives,
    product_shares,
    session_kpis,
    sku_sales,
)
from livecart.store.query.orders import first_purchases, paid_orders
from livecart.store.query.overview import (
    catalog_counts,
    gmv_quarters,
    line_counts,
    live_totals,
    market_sales,
    market_zones,
    quarter,
    recent_lives,
)
from livecart.store.query.records import (
    buyer_rows,
    catalog,
    creator_list,
    fx_rates,
    host_availability,
    inventory_snapshots,
    live_minute_rows,
    session_rows,
)
from livecart.store.query.stock import (
    live_units_sold,
    order_minutes,
    session_spend,
    stock_lineups,
    warmup_videos,
)
from livecart.store.query.videos import product_test_videos, video_cells, videos_of

# every expression the layer holds, by name: the engine-parity test and the benchmark run them all
EXPRESSIONS = {
    f.__name__: f
    for f in (
        paid_orders,
        first_purchases,
        session_kpis,
        funnel_sessions,
        product_shares,
        host_sessions,
        host_lines,
        product_test_videos,
        video_cells,
        ad_phases,
        order_minutes,
        stock_lineups,
        live_units_sold,
        warmup_videos,
        session_spend,
        line_counts,
        live_totals,
        gmv_quarters,
        market_sales,
        recent_lives,
        market_zones,
        catalog_counts,
        catalog,
        creator_list,
        host_availability,
        inventory_snapshots,
        session_rows,
        live_minute_rows,
        sku_live_history,
        lineup_sessions,
        sku_lives,
        scale_videos,
        past_lives,
        sku_sales,
        buyer_rows,
        fx_rates,
    )
}

__all__ = [
    "ad_phases",
    "ENGINES",
    "EXPRESSIONS",
    "QueryEngine",
    "QueryEngineError",
    "duckdb_engine",
    "engine_for",
    "export_lake",
    "export_parquet",
    "fx_table",
    "FORMATS",
    "Lake",
    "frame",
    "parquet_engine",
    "spark_engine",
    "first_purchases",
    "funnel_sessions",
    "host_lines",
    "host_sessions",
    "order_minutes",
    "paid_orders",
    "product_shares",
    "session_kpis",
    "session_spend",
    "stock_lineups",
    "live_units_sold",
    "line_counts",
    "live_totals",
    "gmv_quarters",
    "market_sales",
    "recent_lives",
    "market_zones",
    "catalog_counts",
    "catalog",
    "creator_list",
    "host_availability",
    "inventory_snapshots",
    "session_rows",
    "live_minute_rows",
    "sku_live_history",
    "lineup_sessions",
    "sku_lives",
    "scale_videos",
    "past_lives",
    "sku_sales",
    "buyer_rows",
    "fx_rates",
    "quarter",
    "warmup_videos",
    "product_test_videos",
    "video_cells",
    "videos_of",
]
