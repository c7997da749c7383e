"""End to end: `livecart serve` on the demo workspace, the Products page opened in Debian's
headless chromium: intervals drawn, the stage board laid out, a product's evidence on a click."""

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
def served(demo_path: Path) -> Iterator[str]:
    env = {**os.environ, "LIVECART_API_TOKEN": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "livecart", "serve", str(demo_path), "--port", str(_free_port())],
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
def test_products_page_in_headless_chromium(served):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
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
        browser.close()
