"""The Plans and Ads routes in process: JSON twins from the same core calls, clear errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient

import livecart  # noqa: E402
from livecart.plan import create_plan, save_plan  # noqa: E402
from livecart.web import create_app  # noqa: E402
from tests.plan.conftest import NOW  # noqa: E402


@pytest.fixture(scope="module")
def client(plan_path: Path):
    with livecart.open(plan_path) as ws:
        p = save_plan(ws, create_plan(ws, "US", "2026-12-04 19:00", 2000, now=NOW, n_boot=5))
    with TestClient(create_app(plan_path)) as c:
        yield c, p


def test_api_plan_is_the_stored_plan_and_unknown_plans_say_what_to_do(client):
    c, p = client
    got = c.get(f"/api/plans/{p.plan_id}").json()
    assert got["plan_id"] == p.plan_id and len(got["lineup"]) == len(p.lineup)
    assert p.plan_id in {x["plan_id"] for x in c.get("/api/plans").json()}
    r = c.get("/api/plans/NOPE")
    detail = r.json()["detail"]  # in the dashboard's words; the CLI says `livecart plan list`
    assert r.status_code == 404 and "the Plans page lists them" in detail
    assert "livecart" not in detail


def test_api_ads_splits_the_asked_budget_and_refuses_a_negative_one(client):
    c, _ = client
    o = c.get("/api/ads", params={"budget": 900}).json()
    assert o["budget_usd"] == 900 and abs(sum(o["split"]["shares"]) - 1) < 1e-6
    assert {r["parameter"] for r in o["parameters"]} >= {"carryover", "shape.live"}
    assert c.get("/api/ads", params={"budget": -1}).status_code == 422


def test_a_retro_of_an_unknown_session_is_404_saying_what_to_do(client):
    """/retros/NOPE answered 200 and /api/retros/NOPE answered {}."""
    c, _ = client
    r = c.get("/api/retros/NOPE")
    assert r.status_code == 404 and "no session 'NOPE'" in r.json()["detail"]
    r = c.get("/retros/NOPE")
    assert r.status_code == 404 and "no session" in r.text and "/plans" in r.text


def test_a_retro_of_a_session_with_no_plan_says_how_to_link_one(client):
    c, _ = client
    sid = c.app.state.workspace.query(
        "SELECT session_id FROM sessions WHERE session_id NOT IN "
        "(SELECT session_id FROM plans WHERE session_id IS NOT NULL) LIMIT 1"
    ).iloc[0, 0]
    r = c.get(f"/api/retros/{sid}")
    detail = r.json()["detail"]
    assert r.status_code == 404 and f"enter {sid} under 'Link session'" in detail
    assert "livecart" not in detail
    r = c.get(f"/retros/{sid}")
    assert r.status_code == 200 and "No plan is linked" in r.text


def test_the_plan_page_says_why_each_hero_is_a_hero(client):
    import html as html_lib

    c, p = client
    page = html_lib.unescape(c.get(f"/plans/{p.plan_id}").text)
    heroes = [s for s in p.lineup if s.role == "hero"]
    assert heroes, "the fixture's plan has a hero"
    for s in heroes:
        assert s.why and s.why in page
    assert page.count('class="why"') == len(heroes)
