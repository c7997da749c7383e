"""Shared fixtures: a fresh workspace, a small seeded demo workspace (built once per test run,
whatever the number of xdist workers, and copied for each worker), and a CLI runner.
Area-specific fixtures live in each tests/<area>/conftest.py; slow ones use `built_once` or
`computed_once` so that two workers never make the same thing twice."""

from __future__ import annotations

import fcntl
import json
import pickle
import shutil
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import livecart
from livecart.store import Workspace


def pytest_configure(config: pytest.Config) -> None:
    """With xdist workers (``-n N``), compile the live monitor's numba kernels once, here in the
    process that starts them, before they start. On a fresh checkout each worker would compile
    them itself (33 s of a core here) inside its first replay test, both at once: a fresh-clone
    run failed a replay's 60 s deadline that way (#16). Workers then load the disk cache."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    from livecart.live.engine import kernels

    if kernels.uncached():
        kernels.compile_kernels()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = livecart.init(tmp_path / "ws")
    yield w
    w.close()


def built_once(request: pytest.FixtureRequest, name: str, make: Callable[[Path], Any]) -> Path:
    """The path ``name`` that ``make(path)`` fills, made once per test run and shared by every
    xdist worker: the first worker to ask makes it under a file lock, the others wait for it.
    Treat it as read-only; copy it (``shutil.copytree``) to write."""
    root = request.getfixturevalue("tmp_path_factory").getbasetemp()
    if hasattr(request.config, "workerinput"):  # xdist worker: basetemp is <run>/popen-gwN
        root = root.parent
    out, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            if out.is_dir():
                shutil.rmtree(out)
            make(out)
            done.touch()
    return out


def computed_once(request: pytest.FixtureRequest, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``'s result, computed once per test run and shared by the xdist workers
    (pickled beside `built_once`'s folders)."""
    path = built_once(request, f"{name}.pickle", lambda p: p.write_bytes(pickle.dumps(compute())))
    return pickle.loads(path.read_bytes())


@pytest.fixture(scope="session")
def demo_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo workspace on disk (seed 7, scale 0.2), built once per test run and copied
    once per worker. Tests open it read-only (``livecart.open(demo_path, read_only=True)``) or
    copy it."""
    from livecart.demo import build

    built = built_once(request, "demo-seed7-scale0.2", lambda p: build(p, seed=7, scale=0.2))
    out = tmp_path_factory.mktemp("demo") / "ws"
    shutil.copytree(built, out)
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
