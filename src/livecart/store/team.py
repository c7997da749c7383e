"""A workspace's team: named users with a role and a token, and the audit log of every change
made through the server.

- ``users.json`` (mode 0600) holds each user's name, role and the SHA-256 of their token; the
  token itself is shown once, when an admin adds the user (`livecart users add NAME --role R`).
- ``audit.jsonl`` gets one line per change: when (UTC), who, what, on what, before and after.

Roles, each allowed what the ones before it are: ``viewer`` reads; ``operator`` imports, plans,
saves stock plans, confirms stage moves, starts replays and acknowledges alerts; ``admin`` also
manages users. Files beside the database, so a copied workspace folder keeps its team.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from livecart.errors import LivecartError

ROLES = ("viewer", "operator", "admin")
USERS_FILE = "users.json"
AUDIT_FILE = "audit.jsonl"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_lock = threading.Lock()


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def may(self, role: str) -> bool:
        """True when this user's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _read_users(folder: Path) -> list[dict[str, str]]:
    try:
        return json.loads((folder / USERS_FILE).read_text(encoding="utf-8"))["users"]
    except FileNotFoundError:
        return []
    except (ValueError, KeyError, TypeError) as e:
        raise LivecartError(
            f"{folder / USERS_FILE} is damaged ({e}): restore it from a backup"
        ) from None


def _write_users(folder: Path, users: list[dict[str, str]]) -> None:
    path = folder / USERS_FILE
    tmp = path.with_name(f".{USERS_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)
        json.dump({"users": users}, f, indent=1)
    os.replace(tmp, path)


def add_user(folder: str | Path, name: str, role: str) -> str:
    """Add ``name`` with ``role`` and return their new token (stored only as a hash). An
    existing user gets the new role and a new token (the old one stops working)."""
    if role not in ROLES:
        raise LivecartError(f"unknown role {role!r}: choose {', '.join(ROLES)}")
    if not _NAME.fullmatch(name):
        raise LivecartError(
            f"user name {name!r}: use letters, digits and . _ @ - (up to 64), starting with a "
            "letter or digit"
        )
    folder = Path(folder)
    token = secrets.token_urlsafe(24)
    with _lock:
        users = [u for u in _read_users(folder) if u["name"] != name]
        users.append({"name": name, "role": role, "token_sha256": _hash(token)})
        _write_users(folder, users)
    return token


def remove_user(folder: str | Path, name: str) -> None:
    folder = Path(folder)
    with _lock:
        users = _read_users(folder)
        if not any(u["name"] == name for u in users):
            raise LivecartError(f"no user {name!r}: `livecart users list DIR` shows who there is")
        _write_users(folder, [u for u in users if u["name"] != name])


def list_users(folder: str | Path) -> list[User]:
    return [User(u["name"], u["role"]) for u in _read_users(Path(folder))]


def user_for_token(folder: str | Path, token: str) -> User | None:
    """The user whose token this is, or None."""
    if not token:
        return None
    given = _hash(token)
    for u in _read_users(Path(folder)):
        if hmac.compare_digest(u["token_sha256"], given):
            return User(u["name"], u["role"])
    return None


def record(
    folder: str | Path,
    who: str,
    action: str,
    target: str = "",
    before: Any = None,
    after: Any = None,
) -> dict[str, Any]:
    """Append one change to the audit log and return it, with ``changes``: what differs
    between ``before`` and ``after`` (see ``changes``)."""
    entry = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "who": who,
        "action": action,
        "target": target,
        "before": before,
        "after": after,
        "changes": changes(before, after),
    }
    line = json.dumps(entry, default=str) + "\n"
    with _lock, open(Path(folder) / AUDIT_FILE, "a", encoding="utf-8") as f:
        f.write(line)
    return entry


def changes(before: Any, after: Any) -> dict[str, list[Any]]:
    """What a change changed: for two dicts, each key whose value differs as ``[before,
    after]`` (a key only on one side has None on the other); for anything else, ``{"value":
    [before, after]}`` when they differ. Values are compared as the log stores them (JSON)."""

    def as_json(x: Any) -> Any:
        return json.loads(json.dumps(x, default=str))

    b, a = as_json(before), as_json(after)
    if isinstance(b, dict | None) and isinstance(a, dict | None):
        b, a = b or {}, a or {}
        return {
            k: [b.get(k), a.get(k)] for k in sorted(b.keys() | a.keys()) if b.get(k) != a.get(k)
        }
    return {} if b == a else {"value": [b, a]}


def audit_log(folder: str | Path, limit: int = 200) -> list[dict[str, Any]]:
    """The newest ``limit`` changes, newest first."""
    try:
        lines = (Path(folder) / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in reversed(lines[-limit:]):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a line cut by a crash
    return out


def user_row(user: User) -> dict[str, str]:
    return asdict(user)
