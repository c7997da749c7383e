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


def wall_time(value: dt.datetime | pd.Timestamp, tz: str | None) -> pd.Timestamp:
    """A stored (UTC) time as the wall time in zone ``tz`` (an IANA name; None: UTC)."""
    t = pd.Timestamp(value)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    return t.tz_convert(tz or "UTC")
