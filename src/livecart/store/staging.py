"""Staging folders: the scratch space of an import (``<workspace>/.import-*``), and the clean-up
of those a killed process left behind.

An import holds an exclusive ``flock`` on ``.lock`` inside its folder while it runs. The kernel
drops the lock when the process dies, however it dies (``kill -9`` included), so a folder
whose lock can be taken belongs to nobody and is removed the next time the workspace is opened
for writing; a folder still locked (an import running in this or another process) is left
alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = ".import-"
LOCK = ".lock"


@contextlib.contextmanager
def staging_folder(workspace_path: str | Path) -> Iterator[Path]:
    """A fresh staging folder in the workspace, locked while in use, removed afterwards."""
    path = Path(tempfile.mkdtemp(dir=workspace_path, prefix=PREFIX))
    fd = os.open(path / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)  # after the removal: a clean-up never sees this folder unlocked


def clean_stale_staging(workspace_path: str | Path) -> list[Path]:
    """Remove the staging folders no running import holds; returns the ones removed."""
    removed = []
    for path in sorted(Path(workspace_path).glob(PREFIX + "*")):
        if path.is_dir() and _unclaimed(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _unclaimed(path: Path) -> bool:
    try:
        fd = os.open(path / LOCK, os.O_RDONLY)
    except FileNotFoundError:
        # killed before its lock file was made, or left by an older livecart
        return True
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True
