"""The Live page's start and stop in a real browser: a past demo live replayed and stopped, and
a TikTok LIVE room (the project's fake TikTokLive client) started from its form, refused with a
bad id first, then stopped. The app is served in-process so that it can carry the fake client."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from livecart.store.team import audit_log
from livecart.web import create_app
from tests.browser import chromium_page, served_in_process
from tests.web.test_live_control import lingering_client, wait

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("LIVECART_SHOTS", tempfile.gettempdir()))  # screenshots to look at


@pytest.fixture(scope="module")
def served(demo_path, tmp_path_factory) -> Iterator[tuple[str, object]]:
    pytest.importorskip("TikTokLive", reason="the optional extra livecart[tiktok] is not installed")
    from tests.sources.test_tiktok import room

    ws = tmp_path_factory.mktemp("live") / "ws"
    shutil.copytree(demo_path, ws)
    app = create_app(ws, api_token="")
    events = room()  # built once here (the first build is slow)
    app.state.tiktok_client = lambda uid: lingering_client(events)
    with served_in_process(app) as url:  # its shutdown stops the live hub's runs
        yield url, app


def row(page, sid: str):
    link = page.get_by_role("link", name=sid, exact=True)
    return page.locator("#live-sessions tbody tr").filter(has=link)


def session_state(page, sid: str) -> str:
    return row(page, sid).locator("td").nth(3).inner_text()


def pushed_state(page, sid: str, state: str) -> None:
    """Wait until the Live page's pushed list shows ``sid`` in ``state`` (no reload): after a
    Stop, the running room's Stop button and its report go with the next list."""
    page.wait_for_function(
        """([sid, state]) => [...document.querySelectorAll('#live-sessions tbody tr')].some(
               tr => tr.cells[0].innerText === sid && tr.cells[3].innerText === state)""",
        arg=[sid, state],
        timeout=30_000,
    )


def test_a_tiktok_room_starts_from_the_live_page_and_stops(served):
    url, app = served
    with chromium_page() as page:
        page.goto(url + "live")
        page.fill("#room-form input[name=unique_id]", "not an id")  # bad: a space
        page.fill("#room-form input[name=session_id]", "R7")
        page.click("#room-form button[type=submit]")
        page.wait_for_selector("#room-form .report .error", timeout=30_000)
        assert "unique_id" in page.inner_text("#room-form .report")
        page.fill("#room-form input[name=unique_id]", "@shop")
        page.fill("#room-form input[name=currency]", "USD")
        page.click("#room-form button[type=submit]")
        page.wait_for_selector("#room-form .report a.next", timeout=30_000)
        wait(lambda: "R7" in app.state.live_hub.monitor.sessions, what="the room's events")
        page.goto(url + "live")
        assert session_state(page, "R7") == "live"
        row(page, "R7").locator("form.stop button").click()
        # the pushed list says so (its Stop button and report go with the running room)
        pushed_state(page, "R7", "stopped")
        page.goto(url + "live")
        assert session_state(page, "R7") == "stopped"
    assert app.state.live_hub.monitor.sessions["R7"].accepted == 11
    assert audit_log(app.state.workspace.path)[0]["action"] == "live stop"


def test_a_past_live_replays_from_the_live_page_and_stops(served):
    url, app = served
    with chromium_page() as page:
        page.goto(url + "live")
        page.fill("#replay-sid", "L0004")
        page.fill("#replay-speed", "60")
        page.click("#replay-past button[type=submit]")
        page.wait_for_selector("#replay-past .report a.next", timeout=60_000)
        wait(lambda: "L0004" in app.state.live_hub.monitor.sessions, what="the replay's events")
        page.goto(url + "live")
        assert session_state(page, "L0004") == "live"
        row(page, "L0004").locator("form.stop button").click()
        pushed_state(page, "L0004", "stopped")
        page.goto(url + "live")
        assert session_state(page, "L0004") == "stopped"
    assert not app.state.live_hub.feeding("L0004")


def test_a_past_live_opens_from_the_live_page_with_labelled_axes_and_product_names(served):
    url, _ = served
    with chromium_page(viewport={"width": 1400, "height": 900}) as page:
        page.goto(url + "live")
        page.get_by_role("link", name="L0020", exact=True).click()
        page.wait_for_selector("#chart-gmv path.gmv", timeout=30_000)
        page.screenshot(path=str(SHOTS / "past-live.png"), full_page=True)
        assert "(past live)" in page.inner_text("#live-state")
        axes = page.locator("#chart-gmv text.axis").all_text_contents()
        assert axes == ["minute of the live", "GMV (IDR)"]
        assert page.locator("#chart-viewers text.tick").count() >= 4
        first = page.locator("#live-products tbody tr td").first.inner_text()
        assert first.split()[-1].startswith("SKU") and len(first.split()) > 1  # name, then id


def test_the_stock_page_fits_a_1400px_window_and_picks_lives_in_market_time(served):
    url, _ = served
    with chromium_page(viewport={"width": 1400, "height": 900}) as page:
        page.goto(url + "stock", timeout=120_000)
        page.screenshot(path=str(SHOTS / "stock.png"), full_page=True)
        wide, window = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        options = page.locator("#stock-form select option").all_inner_texts()
    assert wide <= window  # the plan's table scrolls inside the page, the page does not
    us = next(o for o in options if " US " in o)
    assert " UTC " not in us and (" EST " in us or " EDT " in us), us  # New York wall time
