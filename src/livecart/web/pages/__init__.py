"""Every dashboard page, in nav order. To add a page, write a module here with a ``router`` and
a ``PAGE = Page(...)`` and put ``PAGE`` in this list (replacing its placeholder)."""

from __future__ import annotations

from livecart.web.page import Page
from livecart.web.pages import (
    ads,
    commands,
    evaluations,
    fans,
    hosts,
    imports,
    ingest,
    jobs,
    live,
    live_control,
    live_tools,
    overview,
    plans,
    products,
    replays,
    stock,
    team,
)

PAGES: list[Page] = [
    overview.PAGE,
    products.PAGE,
    hosts.PAGE,
    stock.PAGE,
    live.PAGE,
    ads.PAGE,
    fans.PAGE,
    plans.PAGE,
    imports.PAGE,
    ingest.PAGE,
    commands.PAGE,
    jobs.PAGE,
    replays.PAGE,
    live_control.PAGE,
    live_tools.PAGE,
    evaluations.PAGE,
    team.PAGE,
]
