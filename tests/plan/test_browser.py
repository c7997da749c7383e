"""The Plans, plan, retro and Ads pages in Debian's headless chromium (Playwright), served by
the real `livecart serve` on a loopback port."""

from __future__ import annotations

from pathlib import Path

import pytest

import livecart
from livecart.plan import create_plan, save_plan
from tests.browser import chromium_page
from tests.browser import served as serve_workspace
from tests.plan.conftest import NOW

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(plan_path: Path):
    with livecart.open(plan_path) as ws:
        sid = ws.query("SELECT session_id FROM sessions WHERE market = 'US' LIMIT 1").iloc[0, 0]
        p = save_plan(
            ws, create_plan(ws, "US", "2026-12-03 20:00", 4000, ["host_01"], now=NOW, n_boot=10)
        )
        p.session_id = sid
        save_plan(ws, p, change="linked")
    with serve_workspace(plan_path) as url:
        yield url, p, sid


def test_plan_retro_and_ads_pages_show_what_a_person_needs(served):
    url, plan, sid = served
    with chromium_page() as page:
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
