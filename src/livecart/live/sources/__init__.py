"""Where events come from: one module per source, each behind the ``Source`` protocol
(``base``). ``replay`` reads a recording; ``tiktok`` (the TikTok LIVE client), ``redis_stream``
(Redis Streams), ``http_ingest`` (signed HTTP posts, with their journal) and ``shop_api`` (the Shop
Analytics API, read after the LIVE) are imported by path, since some need optional extras.

Sources import the engine (to build columns) and never the service (runner, hub, checkpoints).
"""

from livecart.live.sources.base import Batch, Source
from livecart.live.sources.replay import ReplaySource

__all__ = ["Batch", "ReplaySource", "Source"]
