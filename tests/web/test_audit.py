"""The audit log: each entry says what changed (before -> after, key by key), and a CLI command
forwarded to the server is recorded under the login of the person who ran it, when it wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from livecart.cli.in_server import run_for_client
from livecart.store.team import audit_log, changes, record
from livecart.web import create_app
from tests.web.conftest import TestClient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_changes_name_each_key_that_differs_and_only_those():
    before = {"title": "a", "budget": 900, "hosts": ["h1"]}
    after = {"title": "b", "budget": 900, "hosts": ["h1", "h2"], "market": "US"}
    assert changes(before, after) == {
        "hosts": [["h1"], ["h1", "h2"]],
        "market": [None, "US"],
        "title": ["a", "b"],
    }
    assert changes(None, {"rows": 3}) == {"rows": [None, 3]}
    assert changes("candidate", "live") == {"value": ["candidate", "live"]}
    assert changes({"a": 1}, {"a": 1}) == {}


def test_an_entry_keeps_before_after_and_the_changes(tmp_path):
    record(tmp_path, "ana", "plan edit", "US-1", {"title": "a"}, {"title": "b"})
    (entry,) = audit_log(tmp_path)
    assert (entry["who"], entry["before"], entry["after"]) == (
        "ana",
        {"title": "a"},
        {"title": "b"},
    )
    assert entry["changes"] == {"title": ["a", "b"]}


def test_a_forwarded_command_that_writes_is_audited_under_who_ran_it(demo_path, tmp_path):
    shutil.copytree(demo_path, tmp_path / "ws")
    ws = str(tmp_path / "ws")
    with TestClient(create_app(ws, commands=run_for_client)) as c:
        auth = {"Authorization": f"Bearer {c.app.state.local_token}"}

        def run(*argv: str) -> int:
            body = {"argv": list(argv), "cwd": str(FIXTURES), "user": "ana"}
            r = c.post("/api/local/cli", json=body, headers=auth)
            return json.loads(r.text.splitlines()[-1])["exit"]

        assert run("status", ws) == 0  # a read: not a change, not in the log
        assert audit_log(ws) == []
        assert run("import", ws, "markets", "markets.csv") == 0
        page = c.get("/team").text
    (entry,) = audit_log(ws)
    assert entry["who"] == "ana (cli)" and entry["action"] == "cli command"
    assert entry["target"] == f"livecart import {ws} markets markets.csv"
    assert entry["after"]["exit"] == 0 and entry["after"]["writes"] >= 1
    assert "ana (cli)" in page and "livecart import" in page


def test_the_glossary_explains_every_term_the_pages_mark(demo_path):
    from livecart.web.glossary import GLOSSARY

    with TestClient(create_app(demo_path)) as c:
        glossary = c.get("/glossary").text
        products = c.get("/products?market=US").text
        live = c.get("/live/L0020").text
    for name, (meaning, _) in GLOSSARY.items():
        assert meaning and ">" + name.replace("&", "&amp;") + "</dt>" in glossary, name
    # marked words carry their meaning as a tooltip and link to their entry
    assert 'href="/glossary#p-beat-" title="How likely this product sells better' in products
    for word in ("GPM", "CTOR", "golden hour"):
        assert f">{word}</a>" in live, word
