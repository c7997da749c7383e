"""``POST /api/local/cli``: a CLI command run inside this server, for a `livecart` client on
the same machine (it found the server's advertisement, ``livecart.owner``). The caller
proves it may by the local token of that advertisement, which only the server's user can read;
the API token rules skip this route (``own_auth``) and it checks that token itself.

The answer streams JSON lines as the command prints: ``{"out": text}``, ``{"err": text}``, and
last ``{"exit": code}``. The runner is the CLI's (``create_app(..., commands=...)``): the web
layer does not import the CLI."""

from __future__ import annotations

import asyncio
import hmac
import json
import queue
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from livecart.store.team import record
from livecart.web.deps import workspace
from livecart.web.page import Page

router = APIRouter()
ROUTE = "/api/local/cli"


class ConsoleSpec(BaseModel):
    width: int = Field(80, ge=20, le=1000, description="the client console's columns")
    color_system: str | None = Field(None, description="standard, 256, truecolor or none")


class CommandRequest(BaseModel):
    """A command line as the client's `livecart` got it."""

    argv: list[str] = Field(description="arguments after `livecart`")
    cwd: str = Field(description="the client's working directory (relative paths)")
    prog_name: str = "livecart"
    user: str = Field("", description="who ran it (their login): the audit log's who")
    out: ConsoleSpec = ConsoleSpec()
    err: ConsoleSpec = ConsoleSpec()


def _check_local_token(request: Request) -> None:
    token = getattr(request.app.state, "local_token", "")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer" or not hmac.compare_digest(given, token):
        raise HTTPException(
            401,
            "this route takes the local token of the workspace's livecart-server.json: run "
            "`livecart` on the same machine as the user who started the server",
        )


@router.post(ROUTE, tags=["local"])
async def run_command(request: Request, body: CommandRequest) -> StreamingResponse:
    """Run a `livecart` command line in this server against its workspace; streams its output
    and exit code as JSON lines."""
    _check_local_token(request)
    runner = getattr(request.app.state, "commands", None)
    if runner is None:
        raise HTTPException(404, "this server runs no CLI commands (started without a runner)")
    lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
    ws = workspace(request)

    def work() -> None:
        writes = ws.data_version
        try:
            code = runner(ws, body.model_dump(), lambda s, text: lines.put({s: text}))
        except BaseException as e:  # noqa: BLE001 - the client must hear that it failed
            lines.put({"err": f"error: the server failed running the command: {e!r}\n"})
            code = 1
        if ws.data_version != writes:  # it wrote: audited under the user who ran it
            who = f"{body.user or 'unknown'} (cli)"
            after = {"exit": code, "writes": ws.data_version - writes}
            record(ws.path, who, "cli command", "livecart " + " ".join(body.argv), None, after)
        lines.put({"exit": code})
        lines.put(None)

    threading.Thread(target=work, name="livecart-cli", daemon=True).start()

    async def stream() -> AsyncIterator[str]:
        while True:
            item = await asyncio.to_thread(lines.get)
            if item is None:
                return
            yield json.dumps(item) + "\n"

    return StreamingResponse(stream(), media_type="application/x-ndjson")


PAGE = Page(
    "commands",
    "Commands",
    ROUTE,
    "CLI commands run by the server that owns the workspace",
    router=router,
    nav=False,
    own_auth=(f"POST {ROUTE}",),
)
