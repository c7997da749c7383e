import datetime as dt

import pytest

from livecart.errors import MissingRateError
from livecart.model import FxTable, Money


def test_convert_uses_latest_rate_on_or_before_the_day_and_its_inverse():
    fx = FxTable()
    fx.add(dt.date(2026, 1, 1), "GBP", "USD", 1.25)
    fx.add(dt.date(2026, 2, 1), "GBP", "USD", 1.30)
    assert fx.convert(Money(10, "GBP"), "USD", dt.date(2026, 1, 15)).amount == pytest.approx(12.5)
    assert fx.convert(Money(10, "GBP"), "USD", dt.date(2026, 3, 1)).amount == pytest.approx(13.0)
    assert fx.convert(Money(13, "USD"), "GBP", dt.date(2026, 3, 1)).amount == pytest.approx(10.0)


def test_missing_rate_is_an_error_never_one():
    fx = FxTable()
    fx.add(dt.date(2026, 2, 1), "GBP", "USD", 1.30)
    with pytest.raises(MissingRateError, match="fx_rates"):
        fx.rate("GBP", "USD", dt.date(2026, 1, 1))
    with pytest.raises(MissingRateError):
        fx.rate("IDR", "USD", dt.date(2026, 3, 1))
