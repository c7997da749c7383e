"""The overview's numbers against hand-computed values (see sample_workspace.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from livecart.report import overview
from tests.report.sample_workspace import EXPECTED, fill, frame


@pytest.fixture
def sample(ws):
    return fill(ws)


def test_headline_numbers_match_hand_computed_sums(sample):
    o = overview(sample)
    assert not o.empty
    assert o.gmv == pytest.approx(EXPECTED["gmv_usd"], abs=1e-9)
    assert (o.orders, o.units, o.buyers) == (
        EXPECTED["orders"],
        EXPECTED["units"],
        EXPECTED["buyers"],
    )
    assert (o.sessions, o.products, o.creators) == (2, 2, 1)
    assert o.live_hours == pytest.approx(EXPECTED["live_hours"])
    assert (o.first_day, o.last_day) == (EXPECTED["first_day"], EXPECTED["last_day"])


def test_cancelled_and_unpaid_lines_are_excluded_and_said(sample):
    o = overview(sample)
    assert (o.cancelled_lines, o.unpaid_lines) == (EXPECTED["cancelled"], EXPECTED["unpaid"])
    us = next(m for m in o.markets if m.market == "US")
    assert us.gmv == pytest.approx(EXPECTED["us_gmv"])  # not 70.5 + 100 + 10
    assert any("2 cancelled order lines are excluded" in n for n in o.notes)


def test_market_money_stays_in_its_currency_and_total_converts_day_by_day(sample):
    o = overview(sample)
    by = {m.market: m for m in o.markets}
    assert (by["ID"].currency, by["ID"].gmv) == ("IDR", EXPECTED["id_gmv"])
    # 100,000 x 0.00006 on 11-02 plus 300,000 x 0.00007 on 11-03 (the rate changed that day)
    assert by["ID"].gmv_reporting == pytest.approx(EXPECTED["id_gmv_usd"])
    assert by["US"].gmv_reporting == pytest.approx(EXPECTED["us_gmv"])


def test_days_are_the_markets_local_days(sample):
    o = overview(sample)
    got = {(d.market, d.day.isoformat()): d.gmv for d in o.gmv_by_day}
    assert got == pytest.approx(EXPECTED["days"])


def test_missing_rate_leaves_total_empty_and_names_the_pair(ws):
    fill(ws, fx=False)
    o = overview(ws)
    assert o.gmv is None
    assert len(o.missing_rates) == 1
    assert "IDR to USD" in o.missing_rates[0]
    assert "livecart import" in o.missing_rates[0]
    by = {m.market: m for m in o.markets}
    assert by["ID"].gmv_reporting is None and by["US"].gmv_reporting == pytest.approx(70.5)


def test_rate_starting_after_a_sale_is_missing_for_that_day_not_guessed(ws):
    fill(ws, fx=False)
    ws.upsert(
        "fx_rates",
        frame(
            "fx_rates",
            [{"date": dt.date(2026, 11, 3), "currency": "IDR", "quote": "USD", "rate": 0.00007}],
        ),
    )
    o = overview(ws)
    assert o.gmv is None
    assert "on or before 2026-11-02" in o.missing_rates[0]


def test_inverse_rate_and_other_reporting_currency(sample):
    sample.upsert(
        "fx_rates",
        frame(
            "fx_rates",
            [{"date": dt.date(2026, 11, 1), "currency": "EUR", "quote": "USD", "rate": 1.25}],
        ),
    )
    sample.settings = sample.settings.updated(reporting_currency="EUR")
    o = overview(sample)
    # IDR->EUR is not known directly: no silent chain through USD, so the total is missing.
    assert o.gmv is None and any("IDR to EUR" in m for m in o.missing_rates)
    us = next(m for m in o.markets if m.market == "US")
    assert us.gmv_reporting == pytest.approx(70.5 / 1.25)  # USD->EUR from the EUR->USD rate


def test_session_start_is_shown_in_market_local_time(sample):
    o = overview(sample)
    by = {s.session_id: s for s in o.recent_sessions}
    assert by["s1"].start_local == dt.datetime(2026, 11, 2, 18, 0)  # 23:00 UTC, EST
    assert by["s2"].start_local == dt.datetime(2026, 11, 2, 19, 0)  # 12:00 UTC, WIB
    assert [s.session_id for s in o.recent_sessions] == ["s1", "s2"]


def test_empty_workspace_is_flagged_empty_with_zero_totals(ws):
    o = overview(ws)
    assert o.empty and o.gmv == 0 and o.orders == 0 and o.gmv_by_day == []


def test_unknown_market_timezone_falls_back_to_utc_with_a_note(sample):
    sample.upsert(
        "markets",
        frame("markets", [{"market": "US", "currency": "USD", "timezone": "Mars/Olympus"}]),
    )
    o = overview(sample)
    assert any("Mars/Olympus" in n for n in o.notes)
    got = {(d.market, d.day.isoformat()) for d in o.gmv_by_day}
    assert ("US", "2026-11-03") in got  # o2 at 03:00 UTC now falls on its UTC day
