"""``create_app(workspace)`` builds the FastAPI app for one workspace. Nothing here opens a
database at import time; a path given to ``create_app`` is opened then, and closed when the app
shuts down."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

import livecart
from livecart.errors import LivecartError
from livecart.owner import new_token
from livecart.store import Workspace
from livecart.web import errors
from livecart.web.finite import FiniteJson
from livecart.web.jobs import JobBook
from livecart.web.page import Page
from livecart.web.pages import PAGES, system
from livecart.web.render import HERE, render
from livecart.web.security import HOW_TO_SET, TokenGuard, is_loopback, own_auth_rules
from livecart.web.team import accept_write

DESCRIPTION = """The livecart REST API and dashboard for one workspace.

Bound to a loopback address the server answers reads without a token. Bound to any other address
every route needs `Authorization: Bearer <api_token>`; write routes always need it."""


def check_bind(host: str, token: str) -> None:
    """Refuse to serve off loopback without a token (docs/web.md, Security)."""
    if not is_loopback(host) and not token:
        raise LivecartError(
            f"refusing to serve on {host} without an API token: every route off loopback "
            f"needs one: {HOW_TO_SET}; or bind to 127.0.0.1."
        )


def create_app(
    workspace: Workspace | str | Path,
    *,
    host: str | None = None,
    api_token: str | None = None,
    pages: list[Page] | None = None,
    commands: Callable[[Workspace, dict[str, Any], Callable[[str, str], None]], int] | None = None,
) -> FastAPI:
    """The app serving ``workspace`` (a Workspace, or the path of one to open). ``host`` is the
    address the server will bind to and decides the auth rules; it and ``api_token`` default to
    the workspace's settings. ``commands`` runs a CLI command line for a local client
    (``POST /api/local/cli``; the CLI passes ``livecart.cli.in_server.run_for_client``)."""
    owned = not isinstance(workspace, Workspace)
    ws = livecart.open(workspace) if owned else workspace
    host = ws.settings.host if host is None else host
    token = ws.settings.api_token if api_token is None else api_token
    try:
        check_bind(host, token)
    except LivecartError:
        if owned:
            ws.close()
        raise

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.jobs.cancel_all()  # a long evaluation stops at its next step, not at its end
        hub = getattr(app.state, "live_hub", None)
        if hub is not None:  # runs stop and save before their workspace closes
            hub.close()
        if owned:
            ws.close()

    app = FastAPI(
        title="livecart",
        version=livecart.__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.workspace = ws
    app.state.commands = commands
    app.state.local_token = new_token()  # advertised to local CLI clients (livecart.owner)
    app.state.host, app.state.api_token = host, token
    app.state.jobs = JobBook()
    all_pages = pages if pages is not None else PAGES
    app.state.nav = [p for p in all_pages if p.nav]
    rules = own_auth_rules(spec for p in all_pages for spec in p.own_auth)
    app.add_middleware(FiniteJson, skip=rules)
    app.add_middleware(TokenGuard, host=host, token=token, own_auth=rules, accept=accept_write(app))
    errors.install(app)
    app.include_router(system.router)
    for page in all_pages:
        app.include_router(page.router if page.built else _placeholder(page))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    return app


def _placeholder(page: Page) -> APIRouter:
    """A page not built yet: says so, and which issue brings it."""
    router = APIRouter()

    @router.get(page.path, response_class=HTMLResponse, include_in_schema=False)
    def coming(request: Request) -> Response:
        return render(request, "placeholder.html", {"title": page.title, "page": page})

    return router
