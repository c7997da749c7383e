"""livecart: the open-source operating system for live-stream commerce on TikTok Shop.

import livecart
ws = livecart.open("my-workspace")
orders = ws.table("orders")          # pandas DataFrame
ws.arrow("live_minutes")             # Arrow table
ws.query("SELECT market, sum(subtotal) FROM orders GROUP BY 1")
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from livecart.errors import LivecartError  # no NumPy below it

# One BLAS thread, set before NumPy loads (a user's own setting wins). The models' matrices are
# a few hundred wide at most, where one thread is faster than several; and OpenBLAS sums in a
# different order with 1, 2 or 4 threads, or when two threads of one process call it at once:
# a host's expected contribution moved by 0.03% between `livecart plan create` run alone and
# the same command run inside `livecart serve`. With one thread every number is the same on
# any machine and in any process.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


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
