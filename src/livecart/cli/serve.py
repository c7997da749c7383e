"""`livecart serve DIR`: the dashboard and REST API for a workspace, optionally listening to
TikTok LIVE rooms into the same live monitor that takes the signed ingest's batches."""

from __future__ import annotations

from pathlib import Path

import typer

from livecart.cli.app import app
from livecart.cli.compiling import ensure_kernels
from livecart.errors import LivecartError
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
    tiktok: list[str] = typer.Option(
        None,
        "--tiktok",
        help="also listen to this TikTok LIVE room (the host's @unique_id; needs "
        "`livecart\\[tiktok]`) into the dashboard's monitor, as session --session; repeatable",
    ),
    session: list[str] = typer.Option(
        None, "--session", help="the session id of each --tiktok room, in the same order"
    ),
    market: str = typer.Option(None, help="with --tiktok: market code, e.g. US"),
    currency: str = typer.Option(None, help="with --tiktok: the shop's currency, e.g. USD"),
    planned_minutes: int = typer.Option(None, help="with --tiktok: planned length of the live"),
    redis: str = typer.Option(
        None,
        "--redis",
        help="follow the results stream of the monitor workers on this Redis (run them with "
        "`livecart worker --share-results`), e.g. redis://10.0.0.5:6379/0: every room of every "
        "worker is written into this workspace, once, and a room that moves between workers "
        "keeps one count (setting `results_redis`)",
    ),
    redis_prefix: str = typer.Option(
        "livecart", "--redis-prefix", help="with --redis: the workers' key prefix"
    ),
    reader_lease: float = typer.Option(
        24.0,
        "--reader-lease",
        min=0.01,
        help="with --redis: hours this workspace may be stopped and still hold the results "
        "stream's trim back; silent longer, it is dropped from the readers and, restarted, "
        "says which results it missed (`livecart readers` lists them)",
    ),
) -> None:
    """Serve the dashboard and REST API of a workspace and print its URL.

    Bound to 127.0.0.1 it needs no token for reading.

    Bound to any other address every request needs `Authorization: Bearer <token>`.

    Set the token with LIVECART_API_TOKEN or `api_token` in the workspace's livecart.toml.
    """
    from livecart.cli.in_server import run_for_client
    from livecart.web import serve as run_server  # the web stack loads only for this command

    sources = tiktok_sources(tiktok or [], session or [], market, currency, planned_minutes)
    settings = load_settings(directory, host=host, port=port, results_redis=redis)
    ws = Workspace.open(directory)  # a missing workspace fails here with how to create one
    ensure_kernels()  # before the first ingest batch, not inside it
    feed = None
    try:
        if settings.results_redis:
            feed = follow_results(ws, settings.results_redis, redis_prefix, reader_lease)
        run_server(
            ws,
            host=settings.host,
            port=settings.port,
            api_token=settings.api_token,
            sources=sources,
            commands=run_for_client,  # `livecart` commands on this workspace run in the server
        )
    finally:
        if feed is not None:
            feed.close()
        ws.close()


def follow_results(ws: Workspace, url: str, prefix: str, lease_hours: float = 24.0):
    """Start following the workers' results stream into ``ws`` (in a background thread),
    after applying what is there already."""
    from livecart.cli.app import err_console
    from livecart.live.sources.redis_results import ResultsFeed
    from livecart.live.sources.redis_stream import connect

    feed = ResultsFeed(ws, connect(url), prefix=prefix, lease_s=lease_hours * 3600)
    if feed.missed is not None:
        err_console.print(
            f"[yellow]{feed.key} was trimmed before this workspace followed it[/yellow] (up to "
            f"entry {feed.missed}, applied by other serving workspaces): rooms published "
            f"before then may be partial here; later rooms are whole"
        )
    n = feed.catch_up()
    err_console.print(
        f"following {feed.key} on {url}: {n:,} result entries applied since the last run; "
        f"the stream is trimmed below what every reader in {feed.readers} has applied "
        f"(this workspace is {feed.reader()!r}; retired, it stops holding the stream back "
        f"after {lease_hours:g} h, or at once with `livecart readers --drop ID`)"
    )
    return feed.start()


def tiktok_sources(
    users: list[str],
    sessions: list[str],
    market: str | None,
    currency: str | None,
    planned_minutes: int | None,
) -> list:
    """One TikTokSource per ``--tiktok`` room, paired with its ``--session`` by position."""
    if len(users) != len(sessions):
        raise LivecartError(
            f"give one --session per --tiktok room: {len(users)} rooms, {len(sessions)} sessions"
        )
    if not users:
        return []
    if len(set(sessions)) < len(sessions):
        raise LivecartError("each --tiktok room needs its own --session id")
    from livecart.live.sources import tiktok as tt

    tt.ensure_installed()
    return [
        tt.TikTokSource(
            user, sid, market=market, currency=currency, planned_minutes=planned_minutes
        )
        for user, sid in zip(users, sessions, strict=True)
    ]
