"""Creator lists as TikTok Shop Affiliate Center and third-party tools (Kalodata, FastMoss,
Modash) export them: no ``kind`` column, so the kind is derived from followers (an
``influencer`` from 100,000 followers, a ``koc`` below), and no market or currency, which
``--market`` supplies (the market and its currency)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

INFLUENCER_FOLLOWERS = 100_000


def derive_kind(table: pa.Table) -> pa.Table:
    followers = pc.fill_null(table.column("followers"), 0)
    kind = pc.if_else(pc.greater_equal(followers, INFLUENCER_FOLLOWERS), "influencer", "koc")
    i = table.column_names.index("kind")
    return table.set_column(i, "kind", kind.cast(pa.string()))
