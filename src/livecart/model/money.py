"""Money carries its currency; conversion needs a dated rate and never guesses one."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from livecart.errors import MissingRateError


@dataclass(frozen=True)
class Money:
    amount: float
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


class FxTable:
    """Dated rates: ``add(date, 'IDR', 'USD', 0.000063)`` means one IDR is worth 0.000063 USD
    from that date on. ``convert`` uses the latest rate on or before the day; the inverse pair
    is used when only it is known. A missing rate raises MissingRateError, never 1.0."""

    def __init__(self) -> None:
        self._rates: dict[tuple[str, str], tuple[list[dt.date], list[float]]] = {}

    def add(self, date: dt.date, currency: str, quote: str, rate: float) -> None:
        dates, rates = self._rates.setdefault((currency, quote), ([], []))
        i = bisect.bisect_left(dates, date)
        if i < len(dates) and dates[i] == date:
            rates[i] = rate
        else:
            dates.insert(i, date)
            rates.insert(i, rate)

    def rate(self, currency: str, quote: str, on: dt.date) -> float:
        if currency == quote:
            return 1.0
        for pair, invert in (((currency, quote), False), ((quote, currency), True)):
            if pair in self._rates:
                dates, rates = self._rates[pair]
                i = bisect.bisect_right(dates, on) - 1
                if i >= 0:
                    return 1.0 / rates[i] if invert else rates[i]
        raise MissingRateError(
            f"no exchange rate from {currency} to {quote} on or before {on}: "
            f"import one with `livecart import DIR fx_rates FILE`"
        )

    def convert(self, money: Money, quote: str, on: dt.date) -> Money:
        return Money(money.amount * self.rate(money.currency, quote, on), quote)
