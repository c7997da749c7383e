"""Market-local clock times of UTC instants, in pandas with zoneinfo, after the query layer.

Time zone rules are not portable between engines (DuckDB's ICU, Spark's Java zones), so the
layer never converts: it groups by market and UTC quarter hour (``QUARTER`` seconds since the
epoch, floored), and this module turns the small grouped frame into local days, weekdays and
hours. Every UTC offset in use today, and every daylight-saving shift, is a whole number of
quarter hours (Nepal's +05:45 and the Chatham Islands' +12:45 included), so a quarter hour's
local day and hour are those of every instant inside it: the conversion is exact.

A zone name that zoneinfo does not know (or none) reads as UTC, as the overview has always
shown it; ``unknown_zones`` lists them so that the caller can say so.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import pandas as pd

QUARTER = 900  # seconds in a quarter hour


@functools.cache
def zone(name: object) -> ZoneInfo | None:
    """The zone of an IANA name, or None when the name is missing or not a zone."""
    if not isinstance(name, str) or name not in _names():  # "localtime" is this machine's
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.cache
def _names() -> frozenset[str]:
    return frozenset(available_timezones() - {"localtime"})


def zone_name(name: object) -> str:
    """The name itself when it is a known zone, else "UTC" (what the times are shown in)."""
    return name if zone(name) is not None else "UTC"  # type: ignore[return-value]


def unknown_zones(names: pd.Series) -> pd.Series:
    """True where a name is given but is not a zone zoneinfo knows."""
    return names.notna() & names.map(lambda n: zone(n) is None).astype(bool)


def local_times(utc: pd.Series, zones: pd.Series) -> pd.Series:
    """Naive local date-times (microseconds) of naive UTC times, each in its row's zone (an
    unknown or missing zone reads as UTC); NaT stays NaT."""
    utc = pd.to_datetime(utc).astype("datetime64[us]")
    names = zones.map(zone_name) if len(zones) else zones.astype(object)
    out = pd.Series(pd.NaT, index=utc.index, dtype="datetime64[us]")
    for name in pd.unique(names):
        rows = names == name
        here = utc[rows].dt.tz_localize("UTC").dt.tz_convert(zone(name) or "UTC")
        out[rows] = here.dt.tz_localize(None).astype("datetime64[us]")
    return out


def quarter_times(quarters: pd.Series, zones: pd.Series) -> pd.Series:
    """Local date-times of the starts of UTC quarter hours (``QUARTER``-second buckets since the
    epoch, as the query layer's ``*_quarter`` columns count them)."""
    seconds = pd.to_numeric(quarters).astype("Float64") * QUARTER
    utc = pd.to_datetime(seconds.astype("float64"), unit="s")
    return local_times(utc, zones)
