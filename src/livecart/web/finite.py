"""Non-finite numbers in JSON bodies: Python's JSON reader takes ``NaN``, ``Infinity`` and
``1e400`` (infinity), and a pydantic float takes them unless told otherwise; one of them in a
budget or a margin poisons every sum it enters. This middleware answers 422 for a JSON body to
``/api/...`` holding one, naming where (``min_spend[2]``), before any route reads it. Routes
that check their callers' bodies themselves (the signed ingest, ``own_auth``) are left alone:
they refuse the same numbers field by field."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livecart.web.security import send_json

WRITE = frozenset({"POST", "PUT", "PATCH"})


def non_finite_at(doc: Any, at: str = "") -> str | None:
    """The path of the first non-finite number in a decoded JSON document, or None."""
    if isinstance(doc, float) and not math.isfinite(doc):
        return at or "body"
    if isinstance(doc, dict):
        items = ((f"{at}.{k}" if at else str(k), v) for k, v in doc.items())
    elif isinstance(doc, list):
        items = ((f"{at}[{i}]", v) for i, v in enumerate(doc))
    else:
        return None
    for path, v in items:
        found = non_finite_at(v, path)
        if found is not None:
            return found
    return None


class FiniteJson:
    def __init__(self, app: ASGIApp, *, skip: list[tuple[str, re.Pattern[str]]]) -> None:
        self.app, self.skip = app, skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([], message), send)
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        where = _where(body)
        if where is None:
            return await self.app(scope, _replay(chunks, None, receive), send)
        out = {
            "error": "invalid_number",
            "detail": f"{where}: not a finite number (NaN and infinity are refused)",
            "fix": "send finite numbers only",
            "field": where,
        }
        await send_json(send, 422, out)

    def _applies(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope.get("method", "") not in WRITE:
            return False
        path = scope.get("path", "")
        if not path.startswith("/api/"):
            return False
        if any(m == scope["method"] and rx.match(path) for m, rx in self.skip):
            return False
        ctype = dict(scope.get("headers") or []).get(b"content-type", b"")
        return b"json" in ctype.lower()


def _where(body: bytes) -> str | None:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the route's own validation says so
    return non_finite_at(doc)


def _replay(chunks: list[bytes], first: Message | None, receive: Receive | None = None):
    """A ``receive`` that hands the buffered body back, then whatever comes next."""
    queue: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
    if first is not None:
        queue = [first]

    async def again() -> Message:
        if queue:
            return queue.pop(0)
        if receive is not None:
            return await receive()
        return {"type": "http.disconnect"}

    return again
