"""The products page and its API on a demo workspace, through FastAPI's TestClient."""

from __future__ import annotations

from pathlib import Path

import pytest

from livecart.web import create_app
from tests.web.conftest import TestClient  # imported there without Starlette's httpx2 warning


@pytest.fixture(scope="module")
def client(demo_path: Path):
    with TestClient(create_app(demo_path)) as c:
        yield c


def test_products_page_draws_intervals_board_and_evidence(client):
    r = client.get("/products?market=US")
    assert r.status_code == 200
    html = r.text
    assert 'class="intervals"' in html  # intervals drawn as SVG, not only numbers
    assert html.count("<line") > 10
    assert 'id="stage-board"' in html and 'data-stage="store_live"' in html
    assert 'class="evidence"' in html
    assert 'id="untested"' in html and 'class="untested"' in html


def test_rank_api_matches_the_page_and_orders_by_posterior_gpm(client):
    rows = client.get("/api/products/rank?market=US&k=3").json()
    assert rows and all(r["market"] == "US" for r in rows)
    ranked = [r for r in rows if r["evidence"]]
    gpm = [r["gpm_mean"] for r in ranked]
    assert gpm == sorted(gpm, reverse=True) and rows[: len(ranked)] == ranked
    assert sum(r["p_top_k"] for r in ranked) == pytest.approx(3, abs=1e-6)
    assert all(r["rank"] is None for r in rows[len(ranked) :])  # untested: listed, not ranked
    assert all(r["gpm_lo"] <= r["gpm_mean"] <= r["gpm_hi"] for r in rows)


def test_next_api_places_exactly_the_videos_asked_for_with_reasons(client):
    plan = client.get("/api/products/next?videos=12").json()
    assert sum(p["videos"] for p in plan) == 12
    assert all(p["reason"] for p in plan)


def test_unknown_market_is_a_clear_client_error(client):
    r = client.get("/api/products/rank?market=XX")
    assert r.status_code in (400, 404, 422)
    assert "XX" in r.text


def test_confirming_a_stage_move_needs_the_token_and_is_logged(demo_path, tmp_path):
    import shutil

    import livecart
    from livecart.selection.stages import stage_log

    ws_path = tmp_path / "ws"
    shutil.copytree(demo_path, ws_path)
    with TestClient(create_app(ws_path, api_token="tok")) as c:
        board = c.get("/api/products/stages?market=US").json()
        cell = next(x for x in board["cells"] if x["proposed"])
        url = f"/api/products/stages/US/{cell['sku_id']}/confirm"
        assert c.post(url).status_code == 401
        r = c.post(url, headers={"Authorization": "Bearer tok"})
        assert r.status_code == 200 and r.json()["to_stage"] == cell["proposed"]
        again = c.post(url, headers={"Authorization": "Bearer tok"})
        assert again.status_code >= 400  # nothing left to confirm
    with livecart.open(ws_path, read_only=True) as ws:
        log = stage_log(ws, cell["sku_id"], "US")
    assert list(log["confirmed_by"])[-1] == "api"  # after the demo team's reviews
