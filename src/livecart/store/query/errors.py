"""The query layer's error, apart so that every module of the layer can raise it."""

from __future__ import annotations

from livecart.errors import LivecartError


class QueryEngineError(LivecartError):
    """The query engine set in the settings cannot be started or cannot find its tables."""
