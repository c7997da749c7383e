"""End to end: `livecart serve` on a free loopback port, the overview opened in Debian's headless
chromium through Playwright, checked for what a person sees."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import chromium_page
from tests.browser import served as serve_workspace
from tests.report.sample_workspace import EXPECTED


@pytest.fixture
def served(sample_path: Path) -> Iterator[str]:
    with serve_workspace(sample_path) as url:
        yield url


@pytest.mark.browser
def test_overview_in_headless_chromium_shows_the_workspaces_numbers(served):
    with chromium_page(viewport={"width": 1200, "height": 1000}) as page:
        external = []
        page.on(
            "request", lambda r: external.append(r.url) if not r.url.startswith(served) else None
        )
        page.goto(served)
        gmv = page.locator("#headline-gmv").inner_text()
        assert gmv == f"{EXPECTED['gmv_usd']:,.2f} USD"  # 97.50 USD, summed by hand
        assert page.locator("#headline-orders").inner_text() == str(EXPECTED["orders"])
        chart = page.locator("#gmv-by-day svg.lc-chart")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["width"] > 400 and box["height"] > 100
        assert page.locator("#gmv-by-day rect.bar").count() == 2 * 3  # 2 markets x 3 days
        page.screenshot(path="/tmp/livecart-overview.png", full_page=True)
        page.click("nav >> text=Stock")
        assert page.url == served + "stock"
        assert page.locator("main h1").inner_text().startswith("Stock")
        page.click("nav >> text=Overview")
        assert page.locator("#headline-gmv").inner_text() == gmv
        assert external == []  # nothing loaded from the network
