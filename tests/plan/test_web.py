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
    assert r.status_code == 400 and "livecart plan list" in r.json()["detail"]


def test_api_ads_splits_the_asked_budget_and_refuses_a_negative_one(client):
    c, _ = client
    o = c.get("/api/ads", params={"budget": 900}).json()
    assert o["budget_usd"] == 900 and abs(sum(o["split"]["shares"]) - 1) < 1e-6
    assert {r["parameter"] for r in o["parameters"]} >= {"carryover", "shape.live"}
    assert c.get("/api/ads", params={"budget": -1}).status_code == 422
