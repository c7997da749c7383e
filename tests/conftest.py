"""Shared fixtures: a fresh workspace, a small seeded demo workspace (built once per session),
and a CLI runner. Area-specific fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

import livecart
from livecart.store import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = livecart.init(tmp_path / "ws")
    yield w
    w.close()


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo workspace on disk, built once per test session (seed 7, scale 0.2).
    Tests open it read-only (``livecart.open(demo_path, read_only=True)``) or copy it."""
    from livecart.demo import build

    out = tmp_path_factory.mktemp("demo") / "ws"
    build(out, seed=7, scale=0.2)
    return out


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    from livecart.cli import app

    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def receiver():
    """A local webhook receiver: its URL and the list of JSON bodies posted to it."""
    got: list[dict] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}/hook", got
    srv.shutdown()
    srv.server_close()
