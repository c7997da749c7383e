"""End to end: `livecart serve` on the demo workspace, the Products page opened in Debian's
headless chromium: intervals drawn, the stage board laid out, a product's evidence on a click."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import chromium_page
from tests.browser import served as serve_workspace


@pytest.fixture
def served(demo_path: Path) -> Iterator[str]:
    with serve_workspace(demo_path) as url:
        yield url


@pytest.mark.browser
def test_products_page_in_headless_chromium(served):
    with chromium_page(viewport={"width": 1300, "height": 1000}) as page:
        page.goto(served + "products?market=US")
        chart = page.locator("#ranking svg.intervals")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["width"] > 400 and box["height"] > 100
        assert page.locator("#ranking svg.intervals circle").count() >= 10
        assert page.locator("#stage-board .stage").count() == 7
        second = page.locator("#ranking tbody tr").nth(1).locator("a")
        sku = second.inner_text()
        second.click()
        assert f"sku={sku}" in page.url
        assert sku in page.locator("#evidence h2").inner_text()
        page.screenshot(path="/tmp/livecart-products.png", full_page=True)
