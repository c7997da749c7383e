"""Who may call the server (docs/web.md, Security): bound to a loopback address it serves reads
without a token; bound to any other address EVERY route needs ``Authorization: Bearer
<api_token>``; write routes (POST, PUT, PATCH, DELETE) always need it. A route that
authenticates callers its own way (an HMAC-signed webhook, say) is declared in its Page's
``own_auth`` as ``"POST /api/x/{id}"`` and must check them itself.

Enforced as plain ASGI middleware so streamed responses (server-sent events) pass untouched.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HOW_TO_SET = (
    'set a token with the LIVECART_API_TOKEN environment variable or `api_token = "..."` in '
    "the workspace's livecart.toml"
)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def own_auth_rules(specs: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    """Compile ``"POST /api/sessions/{session_id}/events"`` specs (method, path template)."""
    rules = []
    for spec in specs:
        method, _, path = spec.strip().partition(" ")
        if method.upper() not in WRITE_METHODS | {"GET", "HEAD"} or not path.startswith("/"):
            raise ValueError(f"own_auth entry {spec!r} must look like 'POST /api/path/{{id}}'")
        rules.append((method.upper(), compile_path(path.strip())[0]))
    return rules


def unauthorized_body(host: str, token_set: bool, write: bool) -> dict[str, str]:
    """What a refused caller reads: why, and what to do."""
    if not token_set:
        return {
            "error": "unauthorized",
            "detail": "write routes always need an API token, and this server has none set",
            "fix": f"{HOW_TO_SET}, then restart `livecart serve`",
        }
    why = (
        "write routes always need the API token"
        if write and is_loopback(host)
        else f"this server is bound to {host}, not loopback, so every route needs the API token"
    )
    return {
        "error": "unauthorized",
        "detail": why,
        "fix": "send the header `Authorization: Bearer <api_token>` with the token the "
        "server was started with (LIVECART_API_TOKEN or api_token in livecart.toml)",
    }


class TokenGuard:
    """ASGI middleware applying the rules in this module's docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str,
        token: str,
        own_auth: list[tuple[str, re.Pattern[str]]],
        accept: Callable[[Scope], bool] | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.token = token
        self.everything = not is_loopback(host)
        self.own_auth = own_auth
        self.accept = accept  # also let in a team member (livecart.web.team)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        write = scope.get("method", "GET").upper() in WRITE_METHODS
        if (not write and not self.everything) or self._own_auth(scope) or self._ok(scope):
            return await self.app(scope, receive, send)
        if self.accept is not None and self.accept(scope):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        body = unauthorized_body(self.host, bool(self.token), write)
        await send_json(send, 401, body, [(b"www-authenticate", b'Bearer realm="livecart"')])

    def _ok(self, scope: Scope) -> bool:
        if not self.token:
            return False
        headers = dict(scope.get("headers") or [])
        scheme, _, given = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self.token.encode()
        )

    def _own_auth(self, scope: Scope) -> bool:
        method, path = scope.get("method", "").upper(), scope.get("path", "")
        return any(m == method and rx.match(path) for m, rx in self.own_auth)


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")


def allowed_host_names(bound: str, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """The names a ``Host`` header may carry for a server bound to ``bound``, plus ``extra``
    (setting ``allowed_hosts``): a loopback server answers to localhost, 127.0.0.1 and ::1, a
    server bound to one address to that address. None (any name) for a wildcard bind with
    nothing configured: every route there needs the token, which a rebinding page lacks."""
    names = {h.strip().strip("[]").lower() for h in extra if h.strip()}
    host = bound.strip("[]").lower()
    if host in WILDCARDS:
        return frozenset(names) if names else None
    names.add(host)
    if is_loopback(host):
        names.update(LOOPBACK_NAMES)
    return frozenset(names)


def host_name(header: str) -> str:
    """``example.com:8000`` -> ``example.com``; ``[::1]:8000`` -> ``::1``."""
    h = header.strip().lower()
    if h.startswith("["):
        return h[1 : h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


class HostGuard:
    """ASGI middleware against DNS rebinding: a web page on another site whose name is made to
    resolve to 127.0.0.1 reaches a loopback server with its own name in ``Host``; answering
    only the names the server was bound to (and those configured) keeps it from reading the
    workspace. Requests without a ``Host`` header (not a browser's) pass."""

    def __init__(self, app: ASGIApp, *, allowed: frozenset[str] | None, shown: str) -> None:
        self.app, self.allowed, self.shown = app, allowed, shown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allowed is None or scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        raw = dict(scope.get("headers") or []).get(b"host")
        if raw is None or host_name(raw.decode("latin-1")) in self.allowed:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        body = {
            "error": "bad_host",
            "detail": f"this server does not answer to the host name "
            f"{raw.decode('latin-1')[:100]!r} (a guard against DNS rebinding)",
            "fix": f"open {self.shown}, or add the name to the setting allowed_hosts "
            "(LIVECART_ALLOWED_HOSTS, comma-separated) and restart `livecart serve`",
        }
        await send_json(send, 400, body)


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """Answer an HTTP request from ASGI middleware with a JSON body (a refusal before the app)."""
    raw = json.dumps(body).encode()
    start = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*start, *headers]})
    await send({"type": "http.response.body", "body": raw})
