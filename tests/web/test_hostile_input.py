"""The API under hostile input (issue #14): non-finite numbers in query parameters are refused
with 422 on every route that takes a number, before any core code runs. The routes are read
from the served OpenAPI document, so a route added later is checked too."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import TOKEN


def number_params(app) -> list[tuple[str, str, str]]:
    """(method, path, parameter) of every number query parameter in the OpenAPI document."""
    out = []
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            for p in op.get("parameters", []):
                schema = p.get("schema", {})
                types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
                if p["in"] == "query" and "number" in types:
                    out.append((method, path, p["name"]))
    return out


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "Infinity", "1e400"])
def test_non_finite_query_numbers_are_refused_with_422_on_every_route(make_client, bad):
    c = make_client(api_token=TOKEN)
    found = number_params(c.app)
    assert ("post", "/api/live/replay", "speed") in found  # the scan sees the routes
    assert ("get", "/api/stock/{session_id}", "budget") in found
    for method, path, name in found:
        url = re.sub(r"\{[^}]+\}", "S1", path)
        r = c.request(method, url, params={name: bad}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 422, (method, path, name, r.text)
        assert "finite" in r.text, (method, path, name, r.text)


@pytest.mark.parametrize("bad", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_non_finite_numbers_in_json_bodies_are_refused_with_422(make_client, bad):
    """`roas_floor: Infinity` passed `ge=0` and reached the split; every JSON body to the API is
    checked, naming where the number is."""
    c = make_client(api_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    body = b'{"budget": 100, "objective": "roas", "roas_floor": %s}' % bad
    r = c.post("/api/ads/split", content=body, headers=auth)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "roas_floor" and "finite" in r.json()["detail"]
    nested = b'{"market": "US", "budget": 10, "min_spend": [0, 0, %s]}' % bad
    r = c.post("/api/plans", content=nested, headers=auth)
    assert r.status_code == 422 and r.json()["field"] == "min_spend[2]", r.text


def test_finite_json_bodies_pass_through_unchanged(make_client):
    c = make_client(api_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    r = c.post("/api/ads/split", content=b'{"budget": 0}', headers=auth)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "budget"]
