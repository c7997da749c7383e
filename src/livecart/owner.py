"""Which server owns a workspace. A running `livecart serve` (or `livecart demo`) is the only
process that opens a workspace's database; it advertises itself in the workspace folder with
``livecart-server.json``: its address, its PID and a local token, in a file only its user can
read (mode 0600). A CLI command on that workspace finds the file and sends its work to the
server (``livecart.cli.forward``); a file whose PID is dead is stale: it is ignored and removed.

Standard library only: the CLI reads this before it loads anything heavy.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

ADVERT_FILE = "livecart-server.json"


@dataclass(frozen=True)
class Owner:
    """A server that owns a workspace: where it listens (a loopback URL), its PID, and the
    token its local clients send (``Authorization: Bearer``)."""

    url: str
    pid: int
    token: str


def new_token() -> str:
    return secrets.token_urlsafe(32)


def advertise(folder: str | Path, owner: Owner) -> Path:
    """Write ``owner`` into ``folder``'s advertisement, readable by this user only. The file is
    written beside and renamed over, so a reader never sees half of it."""
    path = Path(folder) / ADVERT_FILE
    tmp = path.with_name(f".{ADVERT_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)  # whatever the umask or an earlier file said
        json.dump(asdict(owner), f)
    os.replace(tmp, path)
    return path


def withdraw(folder: str | Path, owner: Owner) -> None:
    """Remove the advertisement if it is still ``owner``'s (a newer server's stays)."""
    path = Path(folder) / ADVERT_FILE
    if _read(path) == owner:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def find_owner(folder: str | Path) -> Owner | None:
    """The live server that owns ``folder``, or None. A stale advertisement (its PID is gone)
    is removed."""
    path = Path(folder) / ADVERT_FILE
    owner = _read(path)
    if owner is None:
        return None
    if not pid_alive(owner.pid):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return None
    return owner


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _read(path: Path) -> Owner | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Owner(url=str(data["url"]), pid=int(data["pid"]), token=str(data["token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
