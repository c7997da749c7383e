"""Checkpoints: the monitor's whole state and the source position, saved together in one file
so that a restart resumes exactly where the saved state ends (no event lost, none counted twice).

Written atomically: to a temporary file in the same folder, flushed to disk (fsync), then moved
over the old one with ``os.replace``; a kill at any moment leaves either the old checkpoint or
the new one, never a torn file. The format is Python's pickle: a checkpoint is the workspace's
own private file, like its database, and must not be loaded from anyone you don't trust.

A checkpoint also holds its source's identity (for a recording: resolved path, size, mtime and a
SHA-256 of its first 64 KB). Resuming a byte offset into another file would silently skip or
split its events, so a different recording is refused; a recording that only grew, with the same
head, is the same one being appended to and resumes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from livecart.errors import LivecartError
from livecart.live.sources.replay import file_identity

FORMAT = 3  # 2: the source's identity saved with the position; 3: the monitor's Aggregates


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


def source_mismatch(saved: dict[str, Any], path: str | Path) -> str | None:
    """Why the file at ``path`` is not the recording ``saved`` describes, or None when it is
    (unchanged, or only grown with the same head: a recording still being appended to)."""
    now = file_identity(path)
    if now["path"] != saved["path"]:
        return f"it was {saved['path']}, this is {now['path']}"
    with open(now["path"], "rb") as f:
        head = hashlib.sha256(f.read(saved["head_len"])).hexdigest()
    if head != saved["head_sha256"]:
        return "its first bytes differ"
    if now["size"] < saved["size"]:
        return f"it shrank from {saved['size']:,} to {now['size']:,} bytes"
    if now["size"] == saved["size"] and now["mtime_ns"] != saved["mtime_ns"]:
        return "it was rewritten (same size, new modification time)"
    return None


def check_source(ckpt: str | Path, saved: dict[str, Any] | None, source: Any) -> None:
    """Refuse to resume ``source`` from a checkpoint written for another one."""
    identity = getattr(source, "identity", None)
    if saved is None or identity is None or saved.get("kind") != "file":
        return
    why = source_mismatch(saved, source.path)
    if why is not None:
        raise LivecartError(
            f"the monitor checkpoint {ckpt} was saved for another recording ({why}); "
            f"resuming its position would skip events. Start this recording over with --fresh "
            f"(or delete the checkpoint)"
        )
