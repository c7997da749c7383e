"""End to end: `livecart serve` on a free loopback port, the overview opened in Debian's headless
chromium through Playwright, checked for what a person sees."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.report.sample_workspace import EXPECTED

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(sample_path: Path) -> Iterator[str]:
    """The real command in a subprocess; yields the URL it printed."""
    env = {**os.environ, "LIVECART_API_TOKEN": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "livecart", "serve", str(sample_path), "--port", str(_free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, line + proc.stdout.read()
        url = line.split(" at ")[1].split()[0]
        for _ in range(100):
            try:
                if httpx.get(url + "healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


@pytest.mark.browser
def test_overview_in_headless_chromium_shows_the_workspaces_numbers(served):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
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
        browser.close()
