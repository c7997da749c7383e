"""Pages render from the same core call as their JSON twins; nav, placeholders, errors."""

from __future__ import annotations

import re

import livecart
from livecart.report import overview
from livecart.web.pages import PAGES
from tests.report.sample_workspace import EXPECTED


def _text(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert m, f"no element #{element_id}"
    return m.group(1).strip()


def test_overview_page_shows_the_same_numbers_as_the_json(client):
    data = client.get("/api/overview").json()
    html = client.get("/").text
    assert data["gmv"] == EXPECTED["gmv_usd"]
    assert _text(html, "headline-gmv") == f"{data['gmv']:,.2f} USD"
    assert _text(html, "headline-orders") == str(data["orders"])
    assert _text(html, "headline-units") == str(data["units"])
    assert _text(html, "headline-buyers") == str(data["buyers"])
    assert _text(html, "headline-live-hours") == f"{data['live_hours']:.1f} h"


def test_json_twin_equals_the_core_call(client, sample_path):
    data = client.get("/api/overview").json()
    ws = client.app.state.workspace
    assert data == overview(ws).model_dump(mode="json")
    assert ws.path == sample_path


def test_overview_page_draws_the_chart_and_states_the_gmv_variant(client):
    html = client.get("/").text
    assert '<svg class="lc-chart"' in html
    assert "2026-11-02 · US: 62.50 USD" in html  # a tooltip on a bar
    assert "Net paid GMV" in html and "Cancelled and unpaid lines are excluded" in html
    assert "2 cancelled order lines are excluded" in html


def test_session_times_are_shown_in_the_markets_local_time(client):
    html = client.get("/").text
    assert "Mon 02 Nov 2026 18:00 (America/New_York)" in html
    assert "Mon 02 Nov 2026 19:00 (Asia/Jakarta)" in html


def test_missing_rate_is_named_on_the_page_and_no_total_is_guessed(make_client, tmp_path):
    from tests.report.sample_workspace import build

    c = make_client(path=build(tmp_path / "nofx", fx=False))
    html = c.get("/").text
    assert _text(html, "headline-gmv") == "—"
    assert "no exchange rate from IDR to USD" in html
    assert "import one on the Import page (fx_rates)" in html  # the CLI's command, as the page
    assert "livecart import" not in html
    # the chart falls back to one chart per market in its own currency
    assert "by day, ID, IDR" in html and "by day, US, USD" in html
    assert c.get("/api/overview").json()["gmv"] is None


def test_empty_workspace_page_says_how_to_get_data(make_client, tmp_path):
    livecart.init(tmp_path / "empty").close()
    c = make_client(path=tmp_path / "empty")
    html = c.get("/").text
    assert "holds no orders or lives yet" in html
    assert "livecart demo" in html and "livecart import" in html
    assert c.get("/api/overview").json()["empty"] is True


def test_nav_lists_every_page_and_placeholders_are_honest(client):
    html = client.get("/").text
    for p in PAGES:
        assert (f'href="{p.path}" data-page="{p.key}"' in html) == p.nav
    for p in (p for p in PAGES if p.nav):
        r = client.get(p.path)
        assert r.status_code == 200
        if not p.built:
            assert "Not built yet" in r.text
            if p.issue:
                assert f"coming with issue #{p.issue}" in r.text
            assert "headline-gmv" not in r.text


def test_status_health_openapi_and_docs(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    st = client.get("/api/status").json()
    assert st["kinds"]["orders"]["rows"] == 9 and st["reporting_currency"] == "USD"
    spec = client.get("/openapi.json").json()
    assert {"/api/overview", "/api/status", "/healthz"} <= set(spec["paths"])
    docs = client.get("/docs").text
    assert "/api/overview" in docs and "cdn" not in docs.lower()


def test_pages_load_no_network_assets(client):
    for path in ("/", "/docs", "/products"):
        html = client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', html), path
    assert client.get("/static/livecart.css").status_code == 200
