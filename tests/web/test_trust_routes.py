"""The workbench's last two actions as routes (#17): a segment exported with the brand's contact
file (= `livecart fans export --contacts`) and the models' evaluations (= `livecart products|
stock|fans evaluate`) as background jobs; errors in the dashboard's words, the CLI's unchanged."""

from __future__ import annotations

import hashlib
import io
import shutil
import time

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import livecart
from livecart.errors import LivecartError
from livecart.fans.segments import SegmentTooSmall, read_contacts
from livecart.web import create_app
from tests.conftest import invoke

TOKEN = "trust-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def ws_path(demo_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("trust") / "ws"
    shutil.copytree(demo_path, path)
    return path


@pytest.fixture(scope="module")
def api(ws_path):
    with TestClient(create_app(ws_path, api_token=TOKEN)) as c:
        c.headers.update(AUTH)
        yield c


@pytest.fixture(scope="module")
def contacts(demo_path) -> str:
    """Every buyer's email as a CRM holds it: mixed case, stray spaces (``ws_path`` is a copy
    of ``demo_path``, open in the app)."""
    with livecart.open(demo_path, read_only=True) as ws:
        b = ws.query("SELECT DISTINCT buyer_id FROM orders WHERE buyer_id IS NOT NULL")
    b["email"] = b["buyer_id"].map(lambda x: f"  {x.upper()}@Example.COM ")
    return b.to_csv(index=False)


def export(api, segment: str, fmt: str, text: str, name: str = "crm.csv"):
    files = {"contacts": (name, text.encode(), "text/csv")}
    return api.post(f"/api/fans/segments/{segment}/export", data={"format": fmt}, files=files)


def test_a_segment_exports_with_the_contacts_hashed_as_tiktok_matches_them(api, contacts):
    segments = api.get("/api/fans").json()["segments"]
    big = max(segments, key=lambda s: s["buyers"])
    assert big["buyers"] >= 1000
    r = export(api, big["segment"], "tiktok", contacts)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith("attachment")
    lines = r.text.splitlines()
    assert lines[0] == "Email_SHA256" and len(lines) - 1 == big["buyers"]
    crm = api.get(f"/api/fans/segments/{big['segment']}/export?format=crm").text
    members = pd.read_csv(io.StringIO(crm))["buyer_id"]
    # trimmed and lower-cased before hashing, as TikTok Ads asks
    want = {hashlib.sha256(f"{m.lower()}@example.com".encode()).hexdigest() for m in members}
    assert set(lines[1:]) == want


def test_the_crm_export_puts_each_buyers_contact_beside_them(api, contacts):
    r = export(api, "new", "crm", contacts)
    assert r.status_code == 200, r.text
    out = pd.read_csv(io.StringIO(r.text))
    assert len(out) > 0 and out["segment"].eq("new").all()
    assert (out["email"].str.strip() == out["buyer_id"].str.upper() + "@Example.COM").all()


def test_a_contact_file_without_buyer_id_is_refused_with_what_it_needs(api):
    r = export(api, "new", "crm", "id,email\n1,a@b.example\n", name="mine.csv")
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert "mine.csv has no buyer_id column (its columns: id, email)" in detail
    assert "buyer_id and email and/or phone" in detail
    r = export(api, "new", "crm", "buyer_id,name\nb1,Ana\n", name="mine.csv")
    assert r.status_code == 400 and "has no email or phone column" in r.json()["detail"]


def test_a_small_audience_is_refused_in_the_dashboards_words_and_the_clis(
    api, cli, demo_path, tmp_path
):
    crm = api.get("/api/fans/segments/new/export?format=crm").text
    few = pd.read_csv(io.StringIO(crm))["buyer_id"].head(5)  # contacts for 5 members only
    text = pd.DataFrame({"buyer_id": few, "email": few + "@example.com"}).to_csv(index=False)
    r = export(api, "new", "tiktok", text)
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert "5 identifiers (Email_SHA256)" in detail and "at least 1,000" in detail
    assert "Choose CRM CSV instead" in detail and "--format" not in detail
    (tmp_path / "few.csv").write_text(text)
    out = tmp_path / "a.csv"
    with pytest.raises(SegmentTooSmall, match=r"\(--format crm\)"):  # the CLI's words stay
        invoke(
            cli,
            "fans",
            "export",
            demo_path,
            "new",
            "--out",
            out,
            "--contacts",
            tmp_path / "few.csv",
        )


def test_read_contacts_refuses_what_is_not_a_csv_and_normalises_the_headers(tmp_path):
    f = tmp_path / "c.csv"
    f.write_bytes(b"\xff\xfe\x00b\x00")
    with pytest.raises(LivecartError, match="c.csv is not a readable CSV"):
        read_contacts(f, "c.csv")
    f.write_text("Buyer_ID, Email\nb1,a@b.example\n")
    assert list(read_contacts(f).columns) == ["buyer_id", "email"]


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        ("products", {"seeds": 0}, "seeds"),
        ("products", {"k": 11}, "k"),
        ("stock", {"scale": 5}, "scale"),
        ("fans", {"seeds": 11}, "seeds"),
    ],
)
def test_an_evaluation_refuses_inputs_out_of_range(api, model, body, field):
    r = api.post(f"/api/evaluations/{model}", json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field


def test_no_evaluation_has_run_until_one_is_started(api):
    r = api.get("/api/evaluations/fans")
    assert r.status_code == 404 and "POST /api/evaluations/fans" in r.json()["detail"]


def test_an_evaluation_reports_each_seed_and_stops_at_the_next_when_cancelled(api):
    job = api.post("/api/evaluations/products", json={"seeds": 5, "k": 3}).json()
    assert job["status"] == "running" and job["action"] == "products evaluate"
    again = api.post("/api/evaluations/products", json={"seeds": 5, "k": 3}).json()
    assert again["id"] == job["id"]  # one evaluation of a model at a time
    deadline = time.monotonic() + 120
    while (j := api.get(f"/api/jobs/{job['id']}").json())["done"] < 1:
        assert time.monotonic() < deadline and j["status"] == "running", j
        time.sleep(0.1)
    assert j["total"] == 10 and j["message"].startswith("scoring seed ")
    api.post(f"/api/jobs/{job['id']}/cancel")
    while (j := api.get(f"/api/jobs/{job['id']}").json())["status"] == "running":
        assert time.monotonic() < deadline, j
        time.sleep(0.1)
    assert j["status"] == "cancelled" and j["done"] < 5 and j["result"] is None
    assert api.get("/api/evaluations/products").json()["id"] == job["id"]
