"""The Live dashboard in tests: its API token, the page registry with the Live page, and waiting
for a replay to finish."""

from __future__ import annotations

import time

from livecart.web.pages import PAGES
from livecart.web.pages.live import PAGE

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def pages():
    """The page registry: it lists the Live page."""
    assert PAGE in PAGES
    return PAGES


def wait_done(get, sid: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = get(f"/api/live/{sid}")
        if r.status_code == 200 and not r.json()["running"]:
            return r.json()
        time.sleep(0.1)
    raise AssertionError("replay did not finish")
