"""Local clock times after the query layer: a UTC quarter hour's local day, weekday and hour are
those of every instant in it, in every zone (checked against DuckDB's ICU conversion, the SQL
the overview ran before), and an unknown zone reads as UTC."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from livecart.store.local_time import QUARTER, local_times, quarter_times, unknown_zones

# whole-hour zones with daylight saving, and the odd ones: +05:45, +08:45, +12:45 with a 1-hour
# DST, Lord Howe's 30-minute DST, a 30-minute zone, and the southern hemisphere's DST
ZONES = [
    "America/New_York",
    "Europe/London",
    "Asia/Kathmandu",
    "Australia/Eucla",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Asia/Jakarta",
    "UTC",
]


def _instants(n: int, seed: int) -> pd.Series:
    """Random instants 2015-2030 (microseconds), a third of them within 3 h of a DST shift."""
    rng = np.random.default_rng(seed)
    lo, hi = pd.Timestamp("2015-01-01").value // 1000, pd.Timestamp("2030-12-31").value // 1000
    us = rng.integers(lo, hi, n)
    shifts = pd.to_datetime(
        ["2026-03-08 07:00", "2026-11-01 06:00", "2026-03-29 01:00", "2026-10-25 01:00",
         "2026-04-04 14:00", "2026-09-26 14:00", "2026-04-04 15:00", "2026-10-03 15:00"]
    )  # fmt: skip
    near = rng.integers(0, len(shifts), n // 3)
    jitter = rng.integers(-3 * 3600 * 10**6, 3 * 3600 * 10**6, n // 3)
    us[: n // 3] = shifts.values[near].astype("datetime64[us]").astype(np.int64) + jitter
    return pd.Series(pd.to_datetime(us, unit="us"))


def _duckdb_local(utc: pd.Series, zone: str) -> pd.Series:
    con = duckdb.connect()
    con.register("u", pd.DataFrame({"t": utc}))
    out = con.sql(f"SELECT timezone('{zone}', timezone('UTC', t)) AS local FROM u").df()
    return out["local"].astype("datetime64[us]")


def test_a_quarter_hours_local_day_weekday_and_hour_are_every_instants_in_it():
    utc = _instants(6000, seed=16)
    quarters = (utc.astype("datetime64[us]").astype(np.int64) // 10**6) // QUARTER
    for zone in ZONES:
        zones = pd.Series([zone] * len(utc))
        want = _duckdb_local(utc, zone)
        exact = local_times(utc, zones)
        pd.testing.assert_series_equal(exact, want, check_names=False)
        start = quarter_times(pd.Series(quarters), zones)
        assert (start.dt.normalize() == want.dt.normalize()).all(), zone
        assert (start.dt.hour == want.dt.hour).all(), zone
        assert (start.dt.day_of_week == want.dt.day_of_week).all(), zone


def test_unknown_and_missing_zones_read_as_utc_and_are_named():
    utc = pd.Series(pd.to_datetime(["2026-11-03 03:00", "2026-11-03 03:00", None]))
    zones = pd.Series(["Mars/Olympus", None, "Asia/Jakarta"])
    got = local_times(utc, zones)
    assert got.iloc[0] == got.iloc[1] == pd.Timestamp("2026-11-03 03:00")
    assert pd.isna(got.iloc[2])
    assert unknown_zones(zones).tolist() == [True, False, False]
    assert unknown_zones(pd.Series(["localtime", "PST", "Asia/Jakarta"])).tolist() == [
        True,
        True,
        False,
    ]


def _old_local_slot(s: pd.DataFrame, tz: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """hosts.history's row-by-row conversion before it used local_times."""
    from zoneinfo import ZoneInfo

    wd, hr = np.zeros(len(s), int), np.zeros(len(s), int)
    for i, (t, m) in enumerate(zip(pd.to_datetime(s["start"]), s["market"], strict=True)):
        if pd.isna(t):
            wd[i], hr[i] = 0, 20
            continue
        local = t.tz_localize("UTC").tz_convert(ZoneInfo(tz.get(m, "UTC")))
        wd[i], hr[i] = local.weekday(), local.hour
    return wd, hr


def test_the_rosters_local_weekday_and_hour_are_what_they_were(demo_path):
    """The host model's (and so the roster's) slot of each past live, on the demo and on random
    starts in odd zones, lives without a start included."""
    import livecart
    from livecart.hosts.history import _local_slot, load_history

    with livecart.open(demo_path, read_only=True) as ws:
        h = load_history(ws)
    assert len(h.sessions) > 10
    tz = dict(zip(h.markets["market"], h.markets["timezone"], strict=True))
    got = _local_slot(h.sessions, tz)
    want = _old_local_slot(h.sessions, tz)
    assert (got[0] == want[0]).all() and (got[1] == want[1]).all()
    assert (h.sessions["weekday"].to_numpy() == want[0]).all()
    starts = _instants(3000, seed=61)
    starts.iloc[::50] = pd.NaT
    markets = pd.Series(np.arange(len(starts)) % (len(ZONES) + 1)).map(
        dict(enumerate([f"M{i}" for i in range(len(ZONES) + 1)]))
    )
    s = pd.DataFrame({"start": starts, "market": markets})
    tz = {f"M{i}": z for i, z in enumerate(ZONES)}  # the last market has no zone: UTC
    got, want = _local_slot(s, tz), _old_local_slot(s, tz)
    assert (got[0] == want[0]).all() and (got[1] == want[1]).all()
