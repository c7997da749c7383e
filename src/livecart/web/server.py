"""Run the dashboard with uvicorn: ``serve(path, host, port)`` (used by `livecart serve` and
`livecart demo`)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from livecart.errors import LivecartError
from livecart.live.sources.base import Source
from livecart.owner import Owner, advertise, withdraw
from livecart.store import Workspace
from livecart.web.app import create_app


def url_for(host: str, port: int) -> str:
    """The address a person opens: ``http://127.0.0.1:8000/`` (IPv6 in brackets)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def serve(
    path: str | Path | Workspace,
    host: str = "127.0.0.1",
    port: int = 8000,
    api_token: str | None = None,
    sources: Sequence[Source] = (),
    persist: bool = True,
    commands: Callable[[Workspace, dict[str, Any], Callable[[str, str], None]], int] | None = None,
) -> None:
    """Serve the workspace at ``path`` until interrupted, with ``sources`` (e.g. TikTok LIVE
    rooms) running in its live hub beside the signed ingest; they are closed when the server
    stops (``persist`` off: their sessions are shown, never written). The port is bound first,
    so the URL printed is one that answers (``port=0`` picks a free port). Off loopback it
    refuses to start without an API token (LivecartError saying how to set one). With
    ``commands`` (the CLI's runner) the server advertises itself in the workspace folder while
    it runs, and `livecart` commands on that workspace run inside it (``livecart.owner``)."""
    from livecart.web.pages.live import start_sources

    app = create_app(path, host=host, api_token=api_token, commands=commands)
    hub = start_sources(app, list(sources), persist=persist) if sources else None
    try:
        run_app(app, host, port)
    finally:
        for src in sources:
            close = getattr(src, "close", None)
            if close is not None:
                close()
        if hub is not None:
            hub.close()


def run_app(app: FastAPI, host: str, port: int) -> None:
    """Bind, print the URL, serve with uvicorn until Ctrl+C."""
    import uvicorn

    sock = _bind(host.strip("[]"), port)
    bound = sock.getsockname()[1]
    folder = app.state.workspace.path
    print(f"livecart dashboard for {folder} at {url_for(host, bound)} (Ctrl+C to stop)", flush=True)
    owner = None
    if app.state.commands is not None:
        owner = Owner(url_for(_local(host), bound), os.getpid(), app.state.local_token)
        advertise(folder, owner)
    try:
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    finally:
        if owner is not None:
            withdraw(folder, owner)


def _local(host: str) -> str:
    """The address a client on this machine dials: loopback for a wildcard bind."""
    bare = host.strip("[]")
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(bare, bare)


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise LivecartError(
            f"cannot listen on {host}:{port} ({e.strerror}): another server may be using it; "
            f"pass another port, e.g. --port {port + 1 if port else 8001}"
        ) from None
    return sock
