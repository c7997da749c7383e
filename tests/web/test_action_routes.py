"""Typed REST routes for CLI actions (#17): `live evaluate`, `products stages --apply` and the
stock purchase order as JSON. Each answer is what the CLI prints with `--json` (or writes as CSV)
for the same input, from the same core call; one bad input each, with a clear detail."""

from __future__ import annotations

import csv
import io
import json
import shutil
import threading

import livecart
from livecart.store.workspace import lend
from livecart.web import create_app
from tests.conftest import invoke
from tests.live.synth import synth_history
from tests.web.conftest import TestClient
from tests.web.test_workbench import bearer, finished


def test_live_evaluate_through_the_api_is_the_clis_and_refuses_a_bad_fraction(tmp_path, cli):
    lm, s = synth_history(40, seed=6)
    with livecart.init(tmp_path / "ws") as ws, ws.transaction():
        ws.upsert("sessions", s)
        ws.upsert("live_minutes", lm)
    with TestClient(create_app(tmp_path / "ws", api_token="api-s3cret")) as c:
        none_yet = c.get("/api/live/nowcast/evaluate")
        job = finished(c, c.post("/api/live/nowcast/evaluate", headers=bearer()))
        again = c.get("/api/live/nowcast/evaluate").json()
        bad = c.post("/api/live/nowcast/evaluate", json={"test_fraction": 1.5}, headers=bearer())
        with lend(c.app.state.workspace):
            alone = json.loads(
                invoke(cli, "live", "evaluate", str(tmp_path / "ws"), "--json").stdout
            )
        spec = c.get("/openapi.json").json()
    assert none_yet.status_code == 404 and "POST" in none_yet.json()["detail"]
    assert job["status"] == "done", job["error"]
    assert again == job  # a GET reads the newest job and starts none
    assert len(c.app.state.jobs.views()) == 1
    assert job["result"]["rows"] == alone and [r["minute"] for r in alone] == [15, 30, 60]
    assert job["result"]["training"] + job["result"]["held_out"] == 40
    assert bad.status_code == 422 and "test_fraction" in bad.text
    assert "NowcastScore" in spec["components"]["schemas"]


def test_live_evaluate_on_too_little_history_fails_the_job_saying_what_it_needs(demo_path):
    with TestClient(create_app(demo_path, api_token="api-s3cret")) as c:
        job = finished(c, c.post("/api/live/nowcast/evaluate", headers=bearer()))
    assert job["status"] == "failed"
    assert "needs 20 past sessions" in job["error"]["detail"]


def test_stages_apply_confirms_every_proposed_move_for_an_operator_only(demo_path, tmp_path):
    ws = shutil.copytree(demo_path, tmp_path / "ws")
    with TestClient(create_app(ws, api_token="api-s3cret")) as c:
        before = c.get("/api/products/stages", params={"market": "US"}).json()
        anonymous = c.post("/api/products/stages/apply", params={"market": "US"})
        unknown = finished(
            c, c.post("/api/products/stages/apply", params={"market": "XX"}, headers=bearer())
        )
        job = finished(
            c, c.post("/api/products/stages/apply", params={"market": "US"}, headers=bearer())
        )
        after = c.get("/api/products/stages", params={"market": "US"}).json()
        audit = c.get("/api/audit", headers=bearer())
    assert before["n_proposed"] > 0
    assert anonymous.status_code in (401, 403)
    assert unknown["status"] == "failed" and "XX" in unknown["error"]["detail"]
    assert job["status"] == "done", job["error"]
    assert job["result"]["applied"] == before["n_proposed"] and job["result"]["n_proposed"] == 0
    assert after["n_proposed"] == 0
    assert "stage apply" in audit.text


def test_purchase_order_as_json_has_the_csvs_lines_and_404s_an_unknown_live(demo_path):
    sid = "L0025"  # a live of the seed-7 demo with 14 SKUs to order
    with TestClient(create_app(demo_path)) as c:
        got = c.get(f"/api/stock/{sid}/purchase-order")
        text = c.get(f"/api/stock/{sid}/purchase-order.csv").text
        unknown = c.get("/api/stock/NOPE/purchase-order")
    assert got.status_code == 200, got.text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and [r["sku_id"] for r in got.json()] == [r["sku_id"] for r in rows]
    assert [r["order_qty"] for r in got.json()] == [int(r["order_qty"]) for r in rows]
    assert unknown.status_code == 404 and "NOPE" in unknown.json()["detail"]


def test_reconcile_through_the_api_stores_both_sides_and_404s_an_unmonitored_session(
    shop, tmp_path, monkeypatch
):
    shop.monitored_workspace(tmp_path)
    with TestClient(create_app(tmp_path / "ws", api_token="api-s3cret")) as c:
        body = {"live_id": "L9", "currency": "USD"}
        anonymous = c.post("/api/live/S1/reconcile", json=body)
        job = finished(c, c.post("/api/live/S1/reconcile", json=body, headers=bearer()))
        unknown = c.post("/api/live/S9/reconcile", json=body, headers=bearer())
        bad_id = c.post("/api/live/S1/reconcile", json={"live_id": "../x"}, headers=bearer())
        monkeypatch.delenv("LIVECART_SHOP_APP_SECRET")
        no_keys = c.post("/api/live/S1/reconcile", json=body, headers=bearer())
        audit = c.get("/api/audit", headers=bearer())
    assert anonymous.status_code in (401, 403)
    assert job["status"] == "done", job["error"]
    got = job["result"]
    assert got["gmv"] == {"monitor": 300.0, "platform": 300.0, "gap": 0.0}
    assert got["minutes_off"] == 0 and got["stored"] == "platform/S1-summary.json"
    assert (tmp_path / "ws" / "platform" / "S1-minutes.csv").exists()
    assert unknown.status_code == 404 and "livecart monitor" in unknown.json()["detail"]
    assert bad_id.status_code == 422 and "live_id" in bad_id.text
    assert no_keys.status_code == 503  # the server must change, not the request
    assert "LIVECART_SHOP_APP_SECRET" in no_keys.json()["detail"]
    assert "livecart serve" in no_keys.json()["fix"]
    assert "reconcile" in audit.text


def test_fans_value_through_the_api_is_the_clis_and_refuses_a_bad_horizon(demo_path, cli):
    with TestClient(create_app(demo_path, api_token="api-s3cret")) as c:
        job = finished(c, c.post("/api/fans/value", json={"horizon": 26}, headers=bearer()))
        bad = c.post("/api/fans/value", json={"horizon": 0}, headers=bearer())
        latest = c.get("/api/fans/value").json()
        with lend(c.app.state.workspace):
            res = invoke(cli, "fans", "value", str(demo_path), "--horizon", "26", "--json")
        spec = c.get("/openapi.json").json()
    assert job["status"] == "done", job["error"]
    assert job["result"] == json.loads(res.stdout)  # the same core call as the CLI
    assert latest == job  # a GET reads it, it starts nothing
    assert job["result"]["horizon_weeks"] == 26 and job["result"]["total_value"] > 0
    assert bad.status_code == 422 and "horizon" in bad.text
    assert "FansValue" in spec["components"]["schemas"]


def test_a_job_asked_for_again_while_it_runs_is_the_same_job_not_a_second_thread():
    from livecart.web.jobs import JobBook

    book, release = JobBook(), threading.Event()

    def work(job):
        release.wait(10)
        return {"ok": True}

    first = book.start("fans value", "ana", work, key="fans value 52 0.1")
    again = book.start("fans value", "ben", work, key="fans value 52 0.1")
    other = book.start("fans value", "ana", work, key="fans value 26 0.1")
    release.set()
    for j in (first, other):
        j.finished.wait(10)
    later = book.start("fans value", "ana", work, key="fans value 52 0.1")
    later.finished.wait(10)
    assert again is first and other is not first
    assert later is not first  # a finished job is not reused: asking again runs it anew
    assert book.latest("fans value") is later
