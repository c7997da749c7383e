"""Run the dashboard with uvicorn: ``serve(path, host, port)`` (used by `livecart serve` and
`livecart demo`)."""

from __future__ import annotations

from pathlib import Path

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
) -> None:
    """Serve the workspace at ``path`` until interrupted; prints the URL first. Off loopback
    it refuses to start without an API token (LivecartError saying how to set one)."""
    import uvicorn

    app = create_app(path, host=host, api_token=api_token)
    print(
        f"livecart dashboard for {app.state.workspace.path} at {url_for(host, port)} "
        f"(Ctrl+C to stop)",
        flush=True,
    )
    uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning")
