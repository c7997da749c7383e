"""What every browser test needs: the real `livecart serve` in a subprocess on a free loopback
port, and Debian's headless chromium driven by Playwright (never `playwright install`)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium keeps dialling out on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def beside_the_server(columns: int | None = None) -> dict[str, str]:
    """The environment of a person's shell beside a served workspace: no API token (so a command
    on a workspace a server owns is forwarded to it), and ``columns`` wide (default: no COLUMNS,
    piped output's width)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | {"LIVECART_API_TOKEN": ""}
    return env | ({"COLUMNS": str(columns)} if columns else {})


def run_livecart(
    args: list[str], cwd: Path, columns: int | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`livecart ARGS` run from ``cwd`` in a subprocess, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "livecart", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=beside_the_server(columns),
        timeout=timeout,
    )


@contextlib.contextmanager
def served(workspace: Path, command: tuple[str, ...] = ("serve",)) -> Iterator[str]:
    """Run `livecart serve` for ``workspace`` (or ``command``, e.g. ``("demo", "--out")``, the
    workspace after it); yield the URL it printed once /healthz answers."""
    env = {**os.environ, "LIVECART_API_TOKEN": ""}
    cmd = [sys.executable, "-m", "livecart", *command, str(workspace), "--port", "0"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        seen = ""
        while "http://127.0.0.1:" not in (line := proc.stdout.readline()):
            # a cold numba cache first says it compiles the kernels (on stderr, merged here)
            assert line, seen + proc.stdout.read()
            seen += line
        url = line.split(" at ")[1].split()[0]  # printed once the port is bound
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"livecart serve never answered at {url}"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


NAVIGATION_MS = 90_000


@contextlib.contextmanager
def chromium_page(**page_options: Any) -> Iterator[Any]:
    """A fresh page in headless chromium; skips the test where chromium is not installed."""
    if not Path(CHROMIUM).exists():
        missing = "Debian's chromium is not installed at /usr/bin/chromium (bash .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI installs it: a skip there would hide a broken setup
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(**page_options)
            # a page's first load fits its models (the Fans page: ~13 CPU-s cold); on CI's two
            # cores shared by two workers that once took over Playwright's default 30 s
            page.set_default_navigation_timeout(NAVIGATION_MS)
            yield page
        finally:
            browser.close()


@contextlib.contextmanager
def served_in_process(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread of this process on a free loopback port (for a
    test that sets the app up first, e.g. with a fake client); yield its URL."""
    import threading

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
