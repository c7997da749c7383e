"""Who is calling, and may they: the team of ``livecart.store.team`` on the web.

A caller is, in this order:

- ``Authorization: Bearer <token>`` of a team member: that member (API clients, scripts);
- ``Authorization: Bearer <api_token>`` of the server: ``api``, an admin;
- the dashboard's session cookie (set by ``/login`` with a member's token): that member;
- on a loopback server whose workspace has no team yet: ``local``, an admin (the person at this
  machine; a plain `livecart serve` works from the browser);
- anyone else: ``anonymous``, a viewer.

Writes from a browser (a cookie or ``local``) must also carry ``X-CSRF-Token``, the token the
page was served with (``<meta name="csrf-token">``): another site can make a browser send a
request to this server but cannot read a page of it to learn the token (and the Host check keeps
rebinding pages out). Bearer callers need none: a browser never adds that header on its own.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import HTTPException, Request
from starlette.types import Scope

from livecart.store.team import User, list_users, user_for_token
from livecart.web.security import is_loopback

COOKIE = "livecart_session"
CSRF_HEADER = "x-csrf-token"
API = User("api", "admin")
LOCAL = User("local", "admin")
ANONYMOUS = User("anonymous", "viewer")


def identify(app: Any, headers: dict[str, str], cookies: dict[str, str]) -> tuple[User, bool]:
    """The caller and whether they came by browser (cookie or ``local``: CSRF applies)."""
    folder = app.state.workspace.path
    scheme, _, given = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and given.strip():
        token = given.strip()
        api = getattr(app.state, "api_token", "")
        if api and hmac.compare_digest(token.encode(), api.encode()):
            return API, False
        member = user_for_token(folder, token)
        return (member, False) if member else (ANONYMOUS, False)
    member = user_for_token(folder, cookies.get(COOKIE, ""))
    if member is not None:
        return member, True
    if is_loopback(getattr(app.state, "host", "127.0.0.1")) and not list_users(folder):
        return LOCAL, True
    return ANONYMOUS, True


def csrf_token(app: Any, session: str) -> str:
    """The token a page of this server carries for a browser session ("" for ``local``)."""
    key = app.state.local_token.encode()
    return hmac.new(key, b"csrf:" + session.encode(), hashlib.sha256).hexdigest()


def csrf_ok(app: Any, headers: dict[str, str], cookies: dict[str, str]) -> bool:
    given = headers.get(CSRF_HEADER, "")
    return bool(given) and hmac.compare_digest(given, csrf_token(app, cookies.get(COOKIE, "")))


def accept_write(app: Any) -> Any:
    """For ``TokenGuard(accept=...)``: a write from a team member with the operator role or
    more may pass (roles are checked again, per route, by ``require``)."""

    def accept(scope: Scope) -> bool:
        headers, cookies = _headers(scope)
        user, browser = identify(app, headers, cookies)
        if user is ANONYMOUS:
            return False
        return not browser or csrf_ok(app, headers, cookies)

    return accept


def current_user(request: Request) -> User:
    user, _ = identify(request.app, dict(request.headers), dict(request.cookies))
    return user


def require(role: str) -> Any:
    """A route dependency: the caller, if their role is ``role`` or above (403 otherwise);
    writes from a browser also need the page's CSRF token (403 without)."""

    def check(request: Request) -> User:
        headers, cookies = dict(request.headers), dict(request.cookies)
        user, browser = identify(request.app, headers, cookies)
        if browser and request.method != "GET" and not csrf_ok(request.app, headers, cookies):
            raise HTTPException(403, "missing or stale CSRF token: reload the page and try again")
        if not user.may(role):
            raise HTTPException(
                403,
                f"{user.name} is a {user.role}; this needs the {role} role: ask an admin "
                f"(`livecart users add {user.name} --role {role}`)",
            )
        return user

    return check


def _headers(scope: Scope) -> tuple[dict[str, str], dict[str, str]]:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    cookies: dict[str, str] = {}
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            cookies[name] = value
    return headers, cookies
