"""Run the dashboard with uvicorn: ``serve(path, host, port)`` (used by `livecart serve` and
`livecart demo`).

Life cycle: SIGTERM stops the server as SIGINT (Ctrl+C) does. On the first signal the live runs
are stopped (each saves its sessions and the server's checkpoint on the way out), so open event
streams end; requests still running get ``GRACE_S`` seconds; a second signal of either kind
exits at once. A server started again on the workspace resumes the checkpointed live state."""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi import FastAPI

from livecart.errors import LivecartError
from livecart.live.sources.base import Source
from livecart.owner import Owner, advertise, withdraw
from livecart.store import Workspace
from livecart.web.app import create_app
from livecart.web.security import HostGuard, allowed_host_names

GRACE_S = 3  # seconds requests in flight get to finish once a stop signal came


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
    from livecart.web.pages.ingest import resume
    from livecart.web.pages.live import start_sources

    app = create_app(path, host=host, api_token=api_token, commands=commands)
    hub = start_sources(app, list(sources), persist=persist) if sources else None
    if persist:
        resume(app)  # the signed ingest's sessions, from the server's checkpoint
    try:
        run_app(app, host, port)
    finally:
        for src in sources:
            close = getattr(src, "close", None)
            if close is not None:
                close()
        hub = getattr(app.state, "live_hub", hub)
        if hub is not None:
            hub.close()


def run_app(app: FastAPI, host: str, port: int) -> None:
    """Bind, print the URL, serve with uvicorn until SIGINT or SIGTERM (see the module
    docstring); returns normally after either."""
    import uvicorn

    sock = _bind(host.strip("[]"), port)
    bound = sock.getsockname()[1]
    folder = app.state.workspace.path
    url = url_for(host, bound)
    print(f"livecart dashboard for {folder} at {url} (Ctrl+C to stop)", flush=True)
    extra = app.state.workspace.settings.allowed_hosts.split(",")
    guarded = HostGuard(app, allowed=allowed_host_names(host, extra), shown=url)
    config = uvicorn.Config(guarded, log_level="warning", timeout_graceful_shutdown=GRACE_S)
    server = _Server(config, on_stop=lambda: _stop_live(app))
    owner = None
    if app.state.commands is not None:
        owner = Owner(url_for(_local(host), bound), os.getpid(), app.state.local_token)
        advertise(folder, owner)
    try:
        with _signals_end_the_run():
            try:
                server.run(sockets=[sock])
            except _Stopped:
                pass
    finally:
        if owner is not None:
            withdraw(folder, owner)


def _local(host: str) -> str:
    """The address a client on this machine dials: loopback for a wildcard bind."""
    bare = host.strip("[]")
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(bare, bare)


class _Stopped(Exception):
    """uvicorn raises the stop signal again once it has shut down; this ends the run quietly
    (SIGTERM's default action would kill the process before the workspace is closed)."""


class _signals_end_the_run:  # noqa: N801 - a context manager, named for what it does
    def __enter__(self) -> None:
        self.saved: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.saved[sig] = signal.signal(sig, _raise_stopped)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)


def _raise_stopped(sig: int, frame: FrameType | None) -> None:
    raise _Stopped


def _stop_live(app: FastAPI) -> None:
    hub = getattr(app.state, "live_hub", None)
    if hub is not None:
        hub.close()


def _server_class():  # uvicorn loads only when serving
    import uvicorn

    class Server(uvicorn.Server):
        def __init__(self, config: uvicorn.Config, on_stop) -> None:
            super().__init__(config)
            self._on_stop = on_stop
            self._stopping = False

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if self._stopping:  # a second signal, SIGTERM as SIGINT: no more waiting
                self.force_exit = True
            super().handle_exit(sig, frame)
            if not self._stopping:
                self._stopping = True
                threading.Thread(target=self._on_stop, name="livecart-stop", daemon=True).start()

    return Server


def _Server(config, on_stop):  # noqa: N802 - reads as the class it builds
    return _server_class()(config, on_stop)


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
    sock.listen(2048)  # connections wait in the backlog until uvicorn serves: the URL answers
    return sock
