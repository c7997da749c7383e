"""The Live page's golden-hour nowcast bar (#17): during a replay of a demo live, the page the
server renders carries the nowcast it draws from (final GMV: 80% interval and median, in the
live's currency), and the bar the page draws from it, in Debian's chromium, shows those values:
the interval's ends where the yellow band starts and stops on its GMV axis, the median as its
label, axis ticks from 0 and the currency in the axis title."""

from __future__ import annotations

import json
import re
import shutil
import time
import warnings

import pytest

from livecart.demo import session_events
from livecart.web import create_app
from tests.browser import chromium_page
from tests.live.dashboard import AUTH, TOKEN, pages

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient

SESSION = "L0030"


@pytest.fixture(scope="module")
def running_page(demo_path, tmp_path_factory) -> tuple[str, dict, str]:
    """(the page's HTML, the view it embeds, the session's currency) during a replay, once
    the nowcast has a minute of data."""
    ws = tmp_path_factory.mktemp("nowcast") / "ws"
    shutil.copytree(demo_path, ws)
    body = "".join(e.to_json() + "\n" for e in session_events(ws, SESSION)).encode()
    with TestClient(create_app(ws, api_token=TOKEN, pages=pages())) as c:
        currency = c.app.state.workspace.query(
            "SELECT currency FROM sessions WHERE session_id = ?", [SESSION]
        ).iat[0, 0]
        r = c.post("/api/live/replay?speed=60", content=body, headers=AUTH)  # 1 minute a second
        assert r.status_code == 200, r.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            v = c.get(f"/api/live/{SESSION}")
            if v.status_code == 200 and v.json().get("nowcast"):
                break
            time.sleep(0.1)
        html = c.get(f"/live/{SESSION}").text
    initial = json.loads(re.search(r"const initial = (.*);\n", html).group(1))
    return html, initial, currency


def test_the_rendered_live_view_carries_the_nowcast_interval_in_the_lives_currency(running_page):
    _, view, currency = running_page
    assert view["running"] and view["currency"] == currency
    lo, mid, hi = view["nowcast"]["gmv"]
    assert view["totals"]["gmv"] <= lo < mid < hi  # what is already sold is the floor
    o_lo, o_mid, o_hi = view["nowcast"]["orders"]
    assert view["totals"]["orders"] <= o_lo < o_mid < o_hi


@pytest.mark.browser
def test_the_nowcast_bar_draws_its_interval_median_and_axis(running_page):
    html, view, currency = running_page
    lo, mid, hi = view["nowcast"]["gmv"]
    now = view["totals"]["gmv"]
    # the page's own stream and fetches go nowhere: the bar is drawn from the embedded view
    html = html.replace("<head>", '<head><base href="http://127.0.0.1:9/">', 1)
    with chromium_page() as page:
        page.set_content(html)
        page.wait_for_selector("#nowcast-bar")
        text = page.inner_text("#live-nowcast")
        band = page.eval_on_selector(
            "#nowcast-bar rect[fill='#fde68a']",
            "r => [Number(r.getAttribute('x')), Number(r.getAttribute('width'))]",
        )
        labels = page.eval_on_selector_all("#nowcast-bar text", "ts => ts.map(t => t.textContent)")
    top = max(hi, now) * 1.05  # the bar's GMV axis runs from 0 to 5% past the larger
    x_lo, width = band
    assert (x_lo - 10) * top / 980 == pytest.approx(lo, rel=1e-6)
    assert (x_lo + width - 10) * top / 980 == pytest.approx(hi, rel=1e-6)
    assert f"{mid:,.0f} {currency}" in text
    assert f"80% interval {lo:,.0f} – {hi:,.0f}" in text
    assert f"median {mid:,.0f}" in labels
    ticks = [float(t.replace(",", "")) for t in labels if re.fullmatch(r"[\d,]+", t)]
    assert ticks[0] == 0 and ticks == sorted(ticks) and len(ticks) >= 3
    assert ticks[-1] <= top and any(t >= hi * 0.5 for t in ticks)
    assert any(f"final GMV ({currency})" in t for t in labels)
