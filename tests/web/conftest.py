"""Fixtures for the web layer: the sample workspace (tests/report/sample_workspace.py) served
in-process through FastAPI's TestClient."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
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
