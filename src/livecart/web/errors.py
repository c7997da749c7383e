"""The one place livecart errors become HTTP answers, each with a body that says what to fix:

    SchemaVersionError  409   the workspace is newer than this livecart: upgrade livecart
    WorkspaceError      404   no workspace there (the message says how to create one)
    ImportRejected      422   every problem: file, row, column, message
    LivecartError       400   anything else livecart refused, with its reason

API paths (``/api/...``) get JSON; pages get the same message on an HTML page.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from livecart.errors import ImportRejected, LivecartError, SchemaVersionError, WorkspaceError
from livecart.web.render import render


def status_for(exc: LivecartError) -> int:
    if isinstance(exc, SchemaVersionError):
        return 409
    if isinstance(exc, WorkspaceError):
        return 404
    if isinstance(exc, ImportRejected):
        return 422
    return 400


def error_body(exc: LivecartError) -> dict[str, object]:
    body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc).splitlines()[0]}
    if isinstance(exc, ImportRejected):
        body["problems"] = [
            {"file": p.file, "row": p.row, "column": p.column, "message": p.message}
            for p in exc.problems
        ]
        body["truncated"] = exc.truncated
        body["fix"] = "correct every listed row and import the file again; nothing was written"
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


def install(app: FastAPI) -> None:
    app.add_exception_handler(LivecartError, livecart_error)
