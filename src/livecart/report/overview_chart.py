"""The overview's GMV-by-day chart. Stacked by market in the reporting currency when every day
converts; otherwise one chart per market in its own currency (adding money in different
currencies on one axis would be meaningless)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from livecart.report.charts import bar_chart
from livecart.report.overview import GMV_LABEL, Overview


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def gmv_by_day_charts(o: Overview) -> list[Chart]:
    """Charts of ``o.gmv_by_day`` with every day in the range on the axis (zero when none)."""
    if not o.gmv_by_day:
        return []
    days = _days(min(d.day for d in o.gmv_by_day), max(d.day for d in o.gmv_by_day))
    labels = [d.isoformat() for d in days]
    index = {d: i for i, d in enumerate(days)}
    markets = [m.market for m in o.markets]
    if not o.missing_rates:
        series = {m or "(no market)": [0.0] * len(days) for m in markets}
        for d in o.gmv_by_day:
            series[d.market or "(no market)"][index[d.day]] += d.gmv_reporting or 0.0
        title = f"{GMV_LABEL} by day, {o.reporting_currency}, stacked by market"
        return [Chart(title, bar_chart(labels, series, title=title, unit=o.reporting_currency))]
    charts = []
    for m in o.markets:
        values = [0.0] * len(days)
        for d in o.gmv_by_day:
            if d.market == m.market and d.currency == m.currency:
                values[index[d.day]] += d.gmv
        name = m.market or "(no market)"
        title = f"{GMV_LABEL} by day, {name}, {m.currency}"
        charts.append(
            Chart(title, bar_chart(labels, {name: values}, title=title, unit=m.currency or ""))
        )
    return charts
