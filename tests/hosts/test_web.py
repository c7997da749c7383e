"""The Hosts page and its API on a demo workspace, through FastAPI's TestClient."""

from __future__ import annotations

from pathlib import Path

import pytest

from livecart.web import create_app
from tests.web.conftest import TestClient  # imported there without Starlette's httpx2 warning


@pytest.fixture(scope="module")
def client(demo_path: Path):
    with TestClient(create_app(demo_path)) as c:
        yield c


def test_hosts_page_draws_skill_heatmap_comparison_and_week_calendar(client):
    r = client.get("/hosts?market=US")
    assert r.status_code == 200
    html = r.text
    assert 'class="skill"' in html and 'class="heatmap"' in html  # inline SVG charts
    assert html.count("<rect") >= 4  # heatmap cells
    assert 'id="comparison"' in html and "P(best)" in html
    assert 'class="calendar"' in html and html.count('class="shift"') > 0
    assert "Not built yet" not in html  # the placeholder page is gone


def test_rank_api_returns_intervals_around_every_estimate(client):
    r = client.get("/api/hosts/rank", params={"market": "US"})
    assert r.status_code == 200
    rows = r.json()
    assert rows and all(x["effect_lo"] <= x["effect"] <= x["effect_hi"] for x in rows)


def test_compare_api_budget_too_small_for_influencers_is_a_note(client):
    r = client.get(
        "/api/hosts/compare",
        params={"market": "US", "start": "2027-03-01 20:00", "budget": 1000, "fee_budget": 100},
    )
    assert r.status_code == 200
    out = r.json()
    assert any("no influencer fits" in n for n in out["notes"])
    assert all(c["kind"] != "influencer" for c in out["candidates"])


def test_roster_api_reports_status_and_greedy_baseline(client):
    r = client.get("/api/hosts/roster", params={"week": "2026-11-16"})
    assert r.status_code == 200
    out = r.json()
    assert out["status"] in ("OPTIMAL", "FEASIBLE")
    assert out["expected_gmv"] >= out["greedy_gmv"] - 1e-6
    assert len({(s["market"], s["start_utc"]) for s in out["shifts"]}) == len(out["shifts"])


def test_unknown_market_is_a_404_that_says_what_to_do(client):
    r = client.get(
        "/api/hosts/compare", params={"market": "XX", "start": "2027-03-01 20:00", "budget": 10}
    )
    assert r.status_code == 404 and "unknown market" in r.json()["detail"]


def test_hosts_page_on_a_workspace_without_lives_says_what_to_import(tmp_path):
    import livecart

    livecart.init(tmp_path / "empty").close()
    with TestClient(create_app(tmp_path / "empty")) as c:
        r = c.get("/hosts")
        assert r.status_code == 200 and "No lives to learn hosts from yet" in r.text
        assert "livecart import" in r.text
        assert c.get("/api/hosts/rank").status_code == 409


def test_hosts_routes_fit_the_host_model_once_until_a_write(client, monkeypatch):
    """A second identical request (page or API) is the stored result: the host model is not
    fitted again; a committed write to the workspace makes the next request fit anew."""
    from livecart.web.cache import ResultCache
    from livecart.web.pages import hosts as page

    fits = []
    real = page.fit_hosts

    def counting(ws):
        fits.append(1)
        return real(ws)

    monkeypatch.setattr(page, "fit_hosts", counting)
    # a fresh cache on a stopped clock: no other test's result, no minute boundary mid-test
    monkeypatch.setattr(client.app.state, "result_cache", ResultCache(clock=lambda: 0.0), False)
    ws = client.app.state.workspace
    for _ in range(2):
        assert client.get("/api/hosts/rank", params={"market": "US"}).status_code == 200
        assert client.get("/hosts?market=US").status_code == 200
        assert client.get("/api/hosts", params={"market": "US"}).status_code == 200
    assert len(fits) == 1
    with ws.transaction() as con:
        con.execute("CREATE TEMP TABLE touched_hosts_again AS SELECT 1 AS x")
    assert client.get("/api/hosts/rank", params={"market": "US"}).status_code == 200
    assert len(fits) == 2


def test_calendar_of_an_unknown_host_opens_a_page_with_the_rostered_hosts(client):
    # The Hosts page's download form is a browser navigation: a 404 there is a page that says
    # why and links every calendar of the week, not a JSON body.
    week = "2026-11-16"
    rostered = {
        s["host_id"]
        for s in client.get("/api/hosts/roster", params={"week": week}).json()["shifts"]
    }
    assert rostered
    r = client.get(
        "/api/hosts/roster.ics",
        params={"host": "nobody", "week": week},
        headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "unknown host &#39;nobody&#39;" in r.text
    for h in rostered:
        assert f'href="/api/hosts/roster.ics?host={h}&amp;week={week}"' in r.text
    ok = client.get("/api/hosts/roster.ics", params={"host": sorted(rostered)[0], "week": week})
    assert ok.status_code == 200 and ok.text.startswith("BEGIN:VCALENDAR")


def test_calendar_of_a_host_without_shifts_answers_json_naming_who_has_them(client):
    week = "2026-11-16"
    r = client.get("/api/hosts/roster.ics", params={"host": "nobody", "week": week})
    assert r.status_code == 404
    body = r.json()
    assert body["detail"].startswith("unknown host 'nobody'")
    assert body["fix"].startswith("hosts with shifts that week: ")
    influencer = client.get("/api/hosts/rank").json()
    inf = next(x["host_id"] for x in influencer if x["kind"] == "influencer")
    body = client.get("/api/hosts/roster.ics", params={"host": inf, "week": week}).json()
    assert "professional hosts (kind pro_host) only" in body["detail"]


def test_roster_api_says_why_each_empty_slot_and_day_is_empty(client):
    out = client.get("/api/hosts/roster", params={"week": "2026-11-16"}).json()
    assert out["unfilled"] and all(u["reason"].startswith("no ") for u in out["unfilled"])
    for d in out["empty_days"]:
        assert not any(
            s["market"] == d["market"] and s["start_local"].startswith(d["day"])
            for s in out["shifts"]
        )
        assert any(d["reason"] in n for n in out["notes"])


def test_a_subscribed_calendar_of_a_host_without_shifts_stays_a_calendar(demo_path, tmp_path):
    """A calendar app polls the .ics link every week: a week without shifts must answer an empty
    calendar (a 404 makes apps drop the subscription); a person in a browser still gets the page
    saying why."""
    import shutil

    import livecart

    ws_path = tmp_path / "ws"
    shutil.copytree(demo_path, ws_path)
    with livecart.open(ws_path) as ws:  # a new pro host with no availability: no shifts
        row = ws.query("SELECT * FROM creators WHERE kind = 'pro_host' LIMIT 1")
        ws.upsert("creators", row.assign(creator_id="host_new", name="Host New"))
    week = "2026-11-16"
    with TestClient(create_app(ws_path)) as c:
        shifts = c.get("/api/hosts/roster", params={"week": week}).json()["shifts"]
        assert "host_new" not in {s["host_id"] for s in shifts}
        params = {"host": "host_new", "week": week}
        cal = c.get("/api/hosts/roster.ics", params=params)
        assert cal.status_code == 200 and cal.headers["content-type"].startswith("text/calendar")
        assert cal.text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" not in cal.text
        page = c.get("/api/hosts/roster.ics", params=params, headers={"accept": "text/html"})
        assert page.status_code == 404 and "has no shift in the roster" in page.text
