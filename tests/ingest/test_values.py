"""Value parsers: money text, percentages, whole numbers, timestamps and dates. Property tests
write a value the ways exports write it and check that it reads back as the same value."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livecart.ingest.values import (
    parse_date,
    parse_int,
    parse_number,
    parse_timestamp,
)

cents = st.integers(min_value=0, max_value=10**11)  # up to a billion, in cents
times = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 12, 31))
zones = st.sampled_from(
    [
        "America/Los_Angeles",
        "America/New_York",
        "Europe/London",
        "Asia/Jakarta",
        "Asia/Bangkok",
        "Asia/Manila",
        "Asia/Singapore",
    ]
)


def one(values: list[object], **kw: object) -> tuple[list[object], list[bool]]:
    p = parse_number(pa.array(values, pa.string()), **kw)
    return p.values.to_pylist(), p.bad.to_pylist()


def _dotted(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@settings(max_examples=200, deadline=None)
@given(cents, st.sampled_from(["{}", "${}", "USD {}", "US$ {}", "{} USD", " $ {} "]))
def test_money_with_currency_marks_and_thousands_commas_reads_back(c, shape):
    x = c / 100
    text = shape.format(f"{x:,.2f}")
    got, bad = one([text, "0.00"])  # a plain value beside it: the slow path must agree
    assert not bad[0] and got[0] == pytest.approx(x, abs=1e-9)
    got_fast, _ = one([text])
    assert got_fast[0] == pytest.approx(x, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(cents)
def test_european_decimal_comma_reads_back(c):
    x = c / 100
    text = f"{_dotted(c // 100)},{c % 100:02d} €"
    got, bad = one([text])
    assert not bad[0] and got[0] == pytest.approx(x, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**12), st.sampled_from(["Rp {}", "Rp{}", "{} VND", "{}₫"])
)
def test_zero_decimal_currencies_use_dots_for_thousands(n, shape):
    got, bad = one([shape.format(_dotted(n))])
    assert not bad[0] and got[0] == n


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False))
def test_percentages_read_as_fractions(p):
    got, bad = one([f"{p}%"], percent=True)
    assert not bad[0] and got[0] == pytest.approx(float(p) / 100, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcxyz!?#", min_size=1, max_size=8))
def test_words_are_not_numbers(text):
    got, bad = one([text])
    assert got == [None] and bad == [True]


def test_money_examples():
    got, bad = one(
        [
            "$1,299.00",
            "USD 12.99",
            "Rp 100.000",
            "(12.00)",
            "-5",
            "12,99",
            "",
            None,
            "1,2,3",
            "RM 3.50",
            "S$3.50",
            "1 299,50",
        ]
    )
    assert got == [1299.0, 12.99, 100000.0, -12.0, -5.0, 12.99, None, None, None, 3.5, 3.5, 1299.5]
    assert bad == [False] * 8 + [True] + [False] * 3


def test_currency_is_read_from_money_text():
    p = parse_number(pa.array(["USD 1", "Rp 5.000", "$3", "RM 2", "฿ 10"]))
    assert p.currency.to_pylist() == ["USD", "IDR", None, "MYR", "THB"]


def test_whole_numbers():
    p = parse_int(pa.array(["1,234", "12", "3.0", "1.5", "x", "", "12%"]))
    assert p.values.to_pylist() == [1234, 12, 3, None, None, None, None]
    assert p.bad.to_pylist() == [False, False, False, True, True, False, True]


@settings(max_examples=200, deadline=None)
@given(times.map(lambda t: t.replace(microsecond=0)))
def test_seller_center_day_first_times_read_back(t):
    p = parse_timestamp(pa.array([t.strftime("%d/%m/%Y %H:%M:%S")]))
    assert p.values.to_pylist() == [t] and p.bad.to_pylist() == [False]


@settings(max_examples=200, deadline=None)
@given(times, st.integers(min_value=-12 * 60, max_value=14 * 60), st.booleans())
def test_iso_times_with_offsets_become_utc(t, minutes, use_colon):
    off = dt.timezone(dt.timedelta(minutes=minutes))
    text = t.replace(tzinfo=off).isoformat()
    if not use_colon:
        text = text[:-3] + text[-2:]
    p = parse_timestamp(pa.array([text]))
    want = t.replace(tzinfo=off).astimezone(dt.UTC).replace(tzinfo=None)
    assert p.values.to_pylist() == [want]


@settings(max_examples=200, deadline=None)
@given(times.map(lambda t: t.replace(microsecond=0)), zones)
def test_naive_times_are_local_in_the_given_zone(t, zone):
    tz = zoneinfo.ZoneInfo(zone)
    local = t.replace(tzinfo=tz)
    want = local.astimezone(dt.UTC).replace(tzinfo=None)
    # skip wall times that do not exist (clocks jumped) or exist twice (clocks went back)
    back = want.replace(tzinfo=dt.UTC).astimezone(tz).replace(tzinfo=None)
    if back != t or local.utcoffset() != t.replace(tzinfo=tz, fold=1).utcoffset():
        return
    p = parse_timestamp(pa.array([t.isoformat(sep=" ")]), zone)
    assert p.values.to_pylist() == [want]


def test_timestamp_examples():
    p = parse_timestamp(
        pa.array(
            [
                "2024-03-01T12:00:00+07:00",
                "2024-03-01 12:00:00Z",
                "2024-03-01",
                "01/03/2024 19:05",
                "31/02/2024 10:00:00",
                "yesterday",
                "",
                None,
            ]
        )
    )
    assert p.values.to_pylist() == [
        dt.datetime(2024, 3, 1, 5),
        dt.datetime(2024, 3, 1, 12),
        dt.datetime(2024, 3, 1),
        dt.datetime(2024, 3, 1, 19, 5),
        None,
        None,
        None,
        None,
    ]
    assert p.bad.to_pylist() == [False] * 4 + [True, True, False, False]


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_dates_read_back_in_both_forms(d):
    p = parse_date(pa.array([d.isoformat(), d.strftime("%d/%m/%Y")]))
    assert p.values.to_pylist() == [d, d]


def test_day_first_times_with_am_pm():
    p = parse_timestamp(pa.array(["01/03/2024 7:05:12 PM", "01/03/2024 12:05 AM"]))
    assert p.values.to_pylist() == [
        dt.datetime(2024, 3, 1, 19, 5, 12),
        dt.datetime(2024, 3, 1, 0, 5),
    ]


def test_offsets_win_over_the_given_zone():
    p = parse_timestamp(pa.array(["2024-03-01T12:00:00+07:00", "2024-03-01 12:00"]), "Asia/Jakarta")
    assert p.values.to_pylist() == [dt.datetime(2024, 3, 1, 5), dt.datetime(2024, 3, 1, 5)]


def test_durations_read_as_seconds():
    from livecart.ingest.values import parse_seconds

    p = parse_seconds(
        pa.array(["48.5", "1:05", "00:01:05", "1m 5s", "1min 5s", "65s", "2h", "abc", "", "$5"])
    )
    assert p.values.to_pylist() == [48.5, 65, 65, 65, 65, 65, 7200, None, None, None]
    assert p.bad.to_pylist() == [False] * 7 + [True, False, True]


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=5 * 3600))
def test_clock_durations_read_back(s):
    from livecart.ingest.values import parse_seconds

    h, rest = divmod(s, 3600)
    text = [f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}", f"{h}h {rest // 60}m {rest % 60}s"]
    assert parse_seconds(pa.array(text)).values.to_pylist() == [s, s]
