"""Checkpoints: the monitor's whole state and the source position, saved together in one file
so that a restart resumes exactly where the saved state ends (no event lost, none counted twice).

Written atomically: to a temporary file in the same folder, flushed to disk (fsync), then moved
over the old one with ``os.replace``; a kill at any moment leaves either the old checkpoint or
the new one, never a torn file. The format is Python's pickle: a checkpoint is the workspace's
own private file, like its database, and must not be loaded from anyone you don't trust.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from livecart.errors import LivecartError

FORMAT = 1


def checkpoint_path(workspace_path: str | Path, name: str) -> Path:
    """Where the checkpoint of the run ``name`` (e.g. the replayed file's stem) lives."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return Path(workspace_path) / "checkpoints" / f"monitor-{safe}.ckpt"


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=p.name + ".", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump({"format": FORMAT, **payload}, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | Path) -> dict[str, Any] | None:
    """The saved payload, or None when there is no checkpoint yet."""
    p = Path(path)
    if not p.exists():
        return None
    try:
        with open(p, "rb") as f:
            data = pickle.load(f)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as e:
        raise LivecartError(
            f"the monitor checkpoint {p} cannot be read ({e}); delete it to start the replay "
            f"from the beginning"
        ) from None
    if data.get("format") != FORMAT:
        raise LivecartError(
            f"the monitor checkpoint {p} was written by another livecart "
            f"version; delete it to start over"
        )
    return data
