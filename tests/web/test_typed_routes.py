"""Typed REST routes for what worked only through CLI forwarding: each answer is the CLI's
`--json` for the same input (one core call), and its model is in the OpenAPI document."""

from __future__ import annotations

import json
import shutil

from livecart.store.workspace import lend
from livecart.web import create_app
from tests.conftest import invoke
from tests.web.conftest import TestClient
from tests.web.test_workbench import bearer, finished


def test_a_retro_through_the_api_is_the_clis_and_typed_in_openapi(demo_path, tmp_path, cli):
    shutil.copytree(demo_path, tmp_path / "ws")
    ws = tmp_path / "ws"
    with TestClient(create_app(ws, api_token="api-s3cret")) as c:
        body = {"market": "US", "start": "2026-11-04 21:00", "budget": 900, "session": "L0029"}
        job = finished(c, c.post("/api/plans", json=body, headers=bearer()))
        assert job["status"] == "done", job["error"]
        plan_id = job["result"]["plan_id"]
        linked = c.get("/api/retros/L0029")
        other = c.get("/api/retros/L0028", params={"plan": plan_id})
        unknown_plan = c.get("/api/retros/L0028", params={"plan": "NOPE"})
        with lend(c.app.state.workspace):  # the CLI on the server's open workspace
            alone = json.loads(invoke(cli, "plan", "retro", str(ws), "L0029", "--json").stdout)
        spec = c.get("/openapi.json").json()
    assert linked.status_code == 200, linked.text
    got = linked.json()
    assert got == json.loads(json.dumps(alone))  # the same core call as the CLI
    assert got["plan_id"] == plan_id and got["currency"] == "USD" and got["rows"]
    assert other.status_code == 200 and other.json()["session_id"] == "L0028"
    assert unknown_plan.status_code == 404
    op = spec["paths"]["/api/retros/{session_id}"]["get"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/RetroOut")
    assert set(spec["components"]["schemas"]["RetroRow"]["properties"]) >= {"planned", "actual"}
