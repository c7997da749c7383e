"""Read-only analytics the dashboard, the API and notebooks share: the workspace overview
(headline numbers, GMV by day) and small server-side SVG charts. Core: never imports an
interface."""

from livecart.report.charts import bar_chart, line_chart
from livecart.report.overview import (
    GMV_DEFINITION,
    GMV_LABEL,
    DayGmv,
    MarketGmv,
    Overview,
    RecentSession,
    overview,
    recent_sessions,
)

__all__ = [
    "GMV_DEFINITION",
    "GMV_LABEL",
    "DayGmv",
    "MarketGmv",
    "Overview",
    "RecentSession",
    "bar_chart",
    "line_chart",
    "overview",
    "recent_sessions",
]
