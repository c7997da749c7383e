"""Fixtures for the web layer: the sample workspace (tests/report/sample_workspace.py) served
in-process through FastAPI's TestClient."""

from __future__ import annotations

import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import built_once
from tests.report.sample_workspace import build

with warnings.catch_warnings():
    # Starlette 1.x warns that its TestClient wants `httpx2` rather than `httpx`; the client
    # works the same with either, so the test run does not depend on which one is installed.
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient

from livecart.web import create_app  # noqa: E402

TOKEN = "s3cret-token"


@pytest.fixture
def sample_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A fresh copy of the sample workspace, which is built once per test run."""
    built = built_once(request, "web-sample", build)
    return Path(shutil.copytree(built, tmp_path / "sample"))


@pytest.fixture
def make_client(sample_path: Path) -> Iterator[Callable[..., TestClient]]:
    """``make_client(host=..., api_token=..., path=...)``: a client for a freshly built app."""
    clients: list[TestClient] = []

    def make(path: Path | None = None, **kw: object) -> TestClient:
        c = TestClient(create_app(path or sample_path, **kw))
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


@pytest.fixture
def shop(monkeypatch):
    """The fake TikTok Shop of tests/sources/test_shop_api.py on a random port, with the
    server's LIVECART_SHOP_* keys pointing at it."""
    from tests.sources import test_shop_api as fake

    srv = ThreadingHTTPServer(("127.0.0.1", 0), fake.Fake)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setattr(fake.Fake, "clock", int(time.time()))  # the route's real clock
    keys = {"APP_KEY": fake.KEY, "APP_SECRET": fake.SECRET, "ACCESS_TOKEN": fake.TOKEN}
    for k, v in (keys | {"SHOP_CIPHER": fake.CIPHER}).items():
        monkeypatch.setenv(f"LIVECART_SHOP_{k}", v)
    monkeypatch.setenv("LIVECART_SHOP_BASE_URL", f"http://127.0.0.1:{srv.server_address[1]}")
    yield fake
    srv.shutdown()
    srv.server_close()
