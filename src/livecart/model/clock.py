"""Time as livecart stores it: UTC without a zone attached (DuckDB TIMESTAMP)."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def utc_naive(value: str | dt.datetime | pd.Timestamp) -> pd.Timestamp:
    """A time as stored: converted to UTC when it carries an offset, taken as UTC when not."""
    t = pd.Timestamp(value)
    return t.tz_convert("UTC").tz_localize(None) if t.tzinfo is not None else t


def utc_now() -> pd.Timestamp:
    return pd.Timestamp.now("UTC").tz_localize(None)
