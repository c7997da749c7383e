"""livecart: the open-source operating system for live-stream commerce on TikTok Shop.

import livecart
ws = livecart.open("my-workspace")
orders = ws.table("orders")          # pandas DataFrame
ws.arrow("live_minutes")             # Arrow table
ws.query("SELECT market, sum(subtotal) FROM orders GROUP BY 1")
"""

from livecart.errors import LivecartError
from livecart.store import Workspace, init, open

__version__ = "0.1.0"
__all__ = ["LivecartError", "Workspace", "__version__", "init", "open"]
