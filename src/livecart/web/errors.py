"""The one place livecart errors become HTTP answers, each with a body that says what to fix:

    SchemaVersionError  409   the workspace is newer than this livecart: upgrade livecart
    ConflictError       409   the request does not fit the current state
    WorkspaceError      404   no workspace there (the message says how to create one)
    NotFoundError       404   no such session, plan, market or product
    ImportRejected      422   every problem: file, row, column, message
    NotConfiguredError  503   the server lacks a setting (the Shop API's keys): which to set
    LivecartError       400   anything else livecart refused, with its reason

API paths (``/api/...``) get JSON; pages get the same message on an HTML page. Every API error
body has ``error`` and ``detail`` (a sentence) and often ``fix`` (``ErrorBody``); only a request
that fails FastAPI's own validation answers 422 with ``detail`` as a list of problems. The
OpenAPI document declares these answers on every API route (``document_errors``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from livecart.errors import (
    ConflictError,
    ImportRejected,
    LivecartError,
    NotConfiguredError,
    NotFoundError,
    SchemaVersionError,
    WorkspaceError,
)
from livecart.web.render import render
from livecart.web.wording import in_dashboard_words


class ErrorBody(BaseModel):
    """What an API error answers: why (``detail``) and, where it helps, what to do (``fix``)."""

    error: str
    detail: str
    fix: str | None = None
    field: str | None = None
    problems: list[dict[str, Any]] | None = None
    truncated: bool | None = None


def status_for(exc: LivecartError) -> int:
    if isinstance(exc, SchemaVersionError | ConflictError):
        return 409
    if isinstance(exc, WorkspaceError | NotFoundError):
        return 404
    if isinstance(exc, ImportRejected):
        return 422
    if isinstance(exc, NotConfiguredError):
        return 503
    return 400


def error_body(exc: LivecartError) -> dict[str, object]:
    """The answer's body; ``detail`` in the dashboard's words where the error has them (a CLI
    flag in the message would mean nothing in a form)."""
    said = getattr(exc, "dashboard", None) or in_dashboard_words(str(exc))
    body: dict[str, object] = {"error": type(exc).__name__, "detail": said.splitlines()[0]}
    if isinstance(exc, ImportRejected):
        body["problems"] = [
            {
                "file": p.file,
                "row": p.row,
                "column": p.column,
                "message": in_dashboard_words(p.message),
            }
            for p in exc.problems
        ]
        body["truncated"] = exc.truncated
        body["fix"] = "correct every listed row and import the file again; nothing was written"
    if isinstance(exc, NotConfiguredError):
        body["fix"] = (
            "ask whoever runs the server to set them in its environment and restart "
            "`livecart serve`; nothing was done"
        )
    return body


async def livecart_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LivecartError)
    status = status_for(exc)
    body = error_body(exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse(body, status_code=status)
    return render(
        request,
        "error.html",
        {"title": "Error", "status": status, "body": body},
        status_code=status,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """An HTTPException (404 for an unknown live session, 405 for a wrong method...): on an
    API path its detail becomes the ``ErrorBody`` every API error has."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    if not request.url.path.startswith("/api/"):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    body = {"error": _phrase(exc.status_code), "detail": str(exc.detail)}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def allowed_methods(request: Request) -> str:
    """The methods the API documents at this path (Starlette's 405 names only the first
    matching route's); empty for a path outside the API document."""
    from starlette.routing import compile_path

    app = request.app
    table = getattr(app.state, "allowed_methods", None)
    if table is None:
        table = app.state.allowed_methods = [
            ("{" not in path, compile_path(path)[0], {m.upper() for m in item})
            for path, item in app.openapi().get("paths", {}).items()
        ]
    found = [(literal, ms) for literal, rx, ms in table if rx.match(request.url.path)]
    # a literal path (/api/live/replay) is that resource, not the template beside it
    literal = [ms for is_literal, ms in found if is_literal]
    methods = set().union(*(literal or [ms for _, ms in found]))
    return ", ".join(sorted(methods))


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


ERROR_STATUSES = {
    "400": "refused: the body says why and what to fix",
    "401": "a token (or, for the ingest, a signature) is missing or wrong",
    "404": "no such session, plan, market or product",
    "409": "the request does not fit the workspace's current state",
}


def document_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """Declare the error answers on every API operation of an OpenAPI ``spec`` (in place):
    400, 401, 404 and 409 with ``ErrorBody``; 422 as either FastAPI's validation list or an
    ``ErrorBody``; 413 where a route takes a body with a size limit."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, item in spec.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, op in item.items():
            responses = op.setdefault("responses", {})
            if method == "post":
                responses.setdefault(
                    "413",
                    {
                        "description": "the body is over the route's size limit",
                        "content": {"application/json": {"schema": ref}},
                    },
                )
            for status, why in ERROR_STATUSES.items():
                responses.setdefault(
                    status, {"description": why, "content": {"application/json": {"schema": ref}}}
                )
            invalid = {"$ref": "#/components/schemas/HTTPValidationError"}
            responses["422"] = {
                "description": "the request is malformed: which field, and why",
                "content": {"application/json": {"schema": {"anyOf": [invalid, ref]}}},
            }
    schemas.setdefault("HTTPValidationError", _validation_schema(schemas))
    return spec


def _validation_schema(schemas: dict[str, Any]) -> dict[str, Any]:
    schemas.setdefault(
        "ValidationError",
        {
            "type": "object",
            "properties": {"loc": {"type": "array"}, "msg": {"type": "string"}},
            "required": ["loc", "msg"],
        },
    )
    return {
        "type": "object",
        "properties": {
            "detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}
        },
    }


async def invalid_request(request: Request, exc: Exception) -> Response:
    """A malformed query or body: the API answers FastAPI's 422 list; a page says in a sentence
    which field is wrong and why (``stock?as_of=last week``), on the error page."""
    from fastapi.exception_handlers import request_validation_exception_handler

    assert isinstance(exc, RequestValidationError)
    if request.url.path.startswith("/api/"):
        return await request_validation_exception_handler(request, exc)
    why = "; ".join(
        f"{'.'.join(str(x) for x in e.get('loc', ())[1:])}: {e.get('msg', '')}"
        for e in exc.errors()
    )
    body = {"detail": why, "fix": "correct it in the form (or the address) and try again"}
    ctx = {"title": "Error", "status": 422, "body": body}
    return render(request, "error.html", ctx, status_code=422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(LivecartError, livecart_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    base = FastAPI.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(base(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
