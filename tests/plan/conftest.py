"""A writable copy of the session's demo workspace, and a fixed 'now' before its sessions end."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def plan_path(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "ws"
    shutil.copytree(demo_path, out)
    return out
