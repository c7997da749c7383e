"""The Plans, plan, retro and Ads pages in Debian's headless chromium (Playwright), served by
the real `livecart serve` on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import livecart
from livecart.plan import create_plan, save_plan
from tests.plan.conftest import NOW

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(plan_path: Path):
    with livecart.open(plan_path) as ws:
        sid = ws.query("SELECT session_id FROM sessions WHERE market = 'US' LIMIT 1").iloc[0, 0]
        p = save_plan(
            ws, create_plan(ws, "US", "2026-12-03 20:00", 4000, ["host_01"], now=NOW, n_boot=10)
        )
        p.session_id = sid
        save_plan(ws, p, change="linked")
    env = {**os.environ, "LIVECART_API_TOKEN": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "livecart", "serve", str(plan_path), "--port", str(_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        url = line.split(" at ")[1].split()[0]
        for _ in range(100):
            try:
                if httpx.get(url + "healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url, p, sid
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def test_plan_retro_and_ads_pages_show_what_a_person_needs(served):
    from playwright.sync_api import sync_playwright

    url, plan, sid = served
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page()
        page.goto(url + "plans")
        page.click(f"text={plan.plan_id}")
        assert page.locator("#plan-title").inner_text() == plan.title
        rows = page.locator("#run-of-show tr[data-role]")
        assert rows.count() == len(plan.lineup)
        assert page.locator("#run-of-show tr[data-role=hook]").count() >= 1
        assert page.locator("#curves svg[data-phase]").count() == 3
        assert page.locator("#phases").inner_text().count("%") == 3
        page.click(f"text=retro of {sid}")
        assert page.locator("#largest-gaps li").count() >= 3
        assert "GMV of the live" in page.locator("#retro").inner_text()
        page.goto(url + "ads")
        page.fill("input[name=budget]", "2500")
        page.click("text=Split")
        assert "budget=2500" in page.url
        shares = [
            page.locator(f"[data-phase={p}]").first.inner_text()
            for p in ("pre_live", "live", "closing")
        ]
        assert sum(int(s.rstrip("%")) for s in shares) in (99, 100, 101)
        assert "2:6:2" in page.locator("#split-reason").inner_text()
        b.close()
