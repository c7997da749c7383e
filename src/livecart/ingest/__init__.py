"""Importers: CSV, XLSX and Parquet files (and in-memory frames) into a workspace, one record kind
at a time, validated in full and written all or nothing.

    from livecart.ingest import import_file
    result = import_file(ws, "orders", "OrderSKUList.csv", timezone="Asia/Jakarta")

Column names are livecart's own or TikTok Shop Seller Center export headers (see docs/data.md).
"""

from livecart.ingest.importer import ImportResult, import_file, import_frame

__all__ = ["ImportResult", "import_file", "import_frame"]
