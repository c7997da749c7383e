"""A real redis-server for the Redis Streams tests, started on a free loopback port with no
persistence (``--save "" --appendonly no``) and stopped after the tests; and an app with the
signed HTTP ingest route on a fresh workspace (``app_client``)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import warnings

import pytest

from livecart.web import create_app
from livecart.web.pages import PAGES, ingest
from tests.sources.ingest_posts import SECRET

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory):
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    pytest.importorskip("redis", reason="redis-py missing: pip install 'livecart[redis]'")
    import redis

    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    client.close()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def redis_client(redis_url):
    import redis

    c = redis.Redis.from_url(redis_url)
    c.flushdb()
    yield c
    c.close()


@pytest.fixture
def app_client(ws):
    ws.settings = ws.settings.updated(ingest_secret=SECRET)
    clients = []

    def make():
        c = TestClient(create_app(ws, pages=[*PAGES, ingest.PAGE]))
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        hub = getattr(c.app.state, "live_hub", None)
        if hub is not None:
            hub.close()
        c.__exit__(None, None, None)
