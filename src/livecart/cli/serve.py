"""`livecart serve DIR`: the dashboard and REST API for a workspace."""

from __future__ import annotations

from pathlib import Path

import typer

from livecart.cli.app import app
from livecart.settings import load_settings
from livecart.store import Workspace


@app.command()
def serve(
    directory: Path = typer.Argument(..., help="workspace folder"),
    host: str = typer.Option(
        None,
        "--host",
        help="address to bind; default 127.0.0.1 "
        "(setting `host`). Any other than loopback needs an API token.",
    ),
    port: int = typer.Option(
        None, "--port", help="port to listen on; default 8000 (setting `port`)"
    ),
) -> None:
    """Serve the dashboard and REST API of a workspace and print its URL.

    Bound to 127.0.0.1 it needs no token for reading.

    Bound to any other address every request needs `Authorization: Bearer <token>`.

    Set the token with LIVECART_API_TOKEN or `api_token` in the workspace's livecart.toml.
    """
    from livecart.web import serve as run_server  # the web stack loads only for this command

    settings = load_settings(directory, host=host, port=port)
    ws = Workspace.open(directory)  # a missing workspace fails here with how to create one
    try:
        run_server(ws, host=settings.host, port=settings.port, api_token=settings.api_token)
    finally:
        ws.close()
