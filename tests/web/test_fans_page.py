"""The Fans page and /api/fans render from the same core call (`fans_overview`), on the demo
workspace and on a tiny imported one where the models cannot be fitted."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from livecart.web import create_app


@pytest.fixture(scope="module")
def demo_client(demo_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("fans_web") / "ws"
    shutil.copytree(demo_path, path)
    with TestClient(create_app(path)) as c:
        yield c


def test_api_fans_has_funnel_segments_uplift_and_p_alive(demo_client):
    o = demo_client.get("/api/fans").json()
    assert {r["key"] for r in o["funnel"]} >= {"US", "ID"}
    assert sum(s["buyers"] for s in o["segments"]) == o["buyers"] > 1000
    assert sum(o["p_alive_histogram"]) == o["buyers"]
    kinds = {u["kind"]: u for u in o["uplift"]}
    assert kinds["follower"]["adjusted_lo"] <= kinds["follower"]["adjusted"]
    assert kinds["follower"]["naive"] > kinds["follower"]["adjusted"]


def test_fans_page_draws_the_four_charts_without_network(demo_client):
    html = demo_client.get("/fans").text
    for part in ('id="funnel"', 'id="uplift"', 'id="segments"', 'id="alive"'):
        assert part in html
    assert html.count("<svg") == 4 and "Not built yet" not in html
    assert "https://" not in html.split("</nav>")[-1]


def test_export_refuses_a_small_segment_for_tiktok_and_serves_crm(demo_client):
    o = demo_client.get("/api/fans").json()
    small = min(o["segments"], key=lambda s: s["buyers"])
    crm = demo_client.get(f"/api/fans/segments/{small['segment']}/export?format=crm")
    assert crm.status_code == 200 and crm.text.startswith("buyer_id,")
    if small["buyers"] < 1000:
        r = demo_client.get(f"/api/fans/segments/{small['segment']}/export?format=tiktok")
        assert r.status_code == 409 and "1,000" in r.json()["detail"]


def test_fans_page_on_a_tiny_imported_workspace_explains_instead_of_failing(client):
    r = client.get("/api/fans")
    assert r.status_code == 200
    assert any("repeat" in n or "need at least" in n for n in r.json()["notes"])
    assert client.get("/fans").status_code == 200
