"""livecart: the open-source operating system for live-stream commerce on TikTok Shop.

import livecart
ws = livecart.open("my-workspace")
orders = ws.table("orders")          # pandas DataFrame
ws.arrow("live_minutes")             # Arrow table
ws.query("SELECT market, sum(subtotal) FROM orders GROUP BY 1")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from livecart.errors import LivecartError

if TYPE_CHECKING:
    from livecart.store import Workspace, init, open

__version__ = "0.1.0"
__all__ = ["LivecartError", "Workspace", "__version__", "init", "open"]


def __getattr__(name: str) -> Any:
    # The store (duckdb) loads on first use, so `import livecart.cli` and `livecart --help`
    # stay light.
    if name in ("Workspace", "init", "open"):
        import livecart.store

        return getattr(livecart.store, name)
    raise AttributeError(f"module 'livecart' has no attribute {name!r}")
