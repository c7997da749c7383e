"""Live source commands: `livecart publish` (a recording onto Redis Streams), `livecart worker`
(a monitor worker in a Redis consumer group) and `livecart tiktok` (listen to a TikTok LIVE
room). The signed HTTP ingest is a route of `livecart serve`; see docs/sources.md."""

from __future__ import annotations

import socket
from pathlib import Path

import typer
from rich.table import Table

from livecart.cli.app import app, console, print_json
from livecart.cli.running import finish_run, run_until_stopped, start_run
from livecart.live import AlertRules, LiveRun, Plan, snapshot
from livecart.store import Workspace


@app.command()
def publish(
    file: Path = typer.Argument(..., help="JSON-lines event recording"),
    redis_url: str = typer.Option(..., "--redis", help="Redis URL, e.g. redis://127.0.0.1:6379/0"),
    prefix: str = typer.Option("livecart", help="key prefix of the streams"),
) -> None:
    """Put a recording's events onto Redis Streams (one stream per room) for workers."""
    from livecart.live.sources.redis_stream import Publisher, connect

    n = Publisher(connect(redis_url), prefix=prefix).publish_file(file)
    console.print(f"published {n:,} events from {file} to {redis_url} ({prefix}:room:*)")


@app.command()
def worker(
    directory: Path = typer.Argument(..., help="workspace folder (this worker's own)"),
    redis_url: str = typer.Option(..., "--redis", help="Redis URL, e.g. redis://127.0.0.1:6379/0"),
    group: str = typer.Option(
        "livecart", "--group", help="consumer group: workers in one group split the rooms"
    ),
    name: str = typer.Option(
        "",
        "--name",
        help="this worker's consumer name; keep it across restarts (default: the host name)",
    ),
    prefix: str = typer.Option("livecart", help="key prefix of the streams"),
    idle_stop: float = typer.Option(
        0.0, "--idle-stop", help="stop after this many seconds without events (0: run until Ctrl+C)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the final totals as JSON"),
    claim_idle: float = typer.Option(
        60.0,
        "--claim-idle",
        help="take over the rooms of a worker of the group silent this many seconds (0: never)",
    ),
    share_results: bool = typer.Option(
        False,
        "--share-results",
        help="also publish each room's per-minute results to PREFIX:results, which "
        "`livecart serve DIR --redis URL` follows: the team's dashboard then shows every room of "
        "every worker, and a room that moves to another worker continues its counts there",
    ),
    room_keep: float = typer.Option(
        600.0,
        "--room-keep",
        min=0.0,
        help="seconds a room's Redis entries outlive their use: a live room's stream keeps "
        "this much before its shared checkpoint (with --share-results); an ended room's "
        "stream, announcement and PREFIX:rooms:set entry are deleted this long after its end "
        "is checkpointed and every `livecart serve --redis` has applied its results (if no "
        "other group reads the bus). Raise it to keep ended rooms' events around for a replay",
    ),
) -> None:
    """Run a monitor worker on Redis Streams: take rooms in GROUP, checkpoint, acknowledge.

    Each worker writes its rooms into its own workspace DIR. With
    --share-results it also publishes them for one serving workspace
    (`livecart serve DIR --redis URL`): the place to read every room's
    numbers, never the sum of several workers' workspaces.

    The same as `livecart monitor DIR --redis URL --group G`."""
    run_redis_worker(
        directory,
        redis_url,
        group,
        name,
        prefix,
        idle_stop,
        as_json,
        claim_idle=claim_idle,
        share_results=share_results,
        room_keep=room_keep,
    )


def run_redis_worker(
    directory: Path,
    redis_url: str,
    group: str = "livecart",
    name: str = "",
    prefix: str = "livecart",
    idle_stop: float = 0.0,
    as_json: bool = False,
    rules: AlertRules | None = None,
    plan: Plan | None = None,
    webhook: str = "",
    fresh: bool = False,
    planned_stock: bool = True,
    claim_idle: float = 60.0,
    share_results: bool = False,
    room_keep: float = 600.0,
) -> None:
    from livecart.live.sources.redis_results import ResultsPublisher
    from livecart.live.sources.redis_stream import RedisSource, connect

    name = name or socket.gethostname()
    src = RedisSource(
        connect(redis_url),
        group=group,
        consumer=name,
        prefix=prefix,
        idle_stop_s=idle_stop or None,
        claim_idle_s=claim_idle or None,
        # a worker refreshes its rooms well within the claim time, or live workers would
        # take each other's rooms (the group's workers are best given one --claim-idle)
        heartbeat_s=min(2.0, claim_idle / 4) if claim_idle else 2.0,
        room_keep_s=room_keep,
    )
    with Workspace.open(directory) as ws:
        run = start_run(
            ws,
            src,
            name=f"redis-{group}-{name}",
            fresh=fresh,
            webhook=webhook,
            rules=rules or AlertRules(),
            plan=plan,
            planned_stock=planned_stock,
            publish=ResultsPublisher(src) if share_results else None,
        )
        run_until_stopped(run)
        finish_run(run)
        _report(run, as_json)


@app.command()
def readers(
    redis_url: str = typer.Option(..., "--redis", help="Redis URL, e.g. redis://127.0.0.1:6379/0"),
    prefix: str = typer.Option("livecart", help="key prefix of the streams"),
    drop: str = typer.Option(
        "", "--drop", help="forget this reader (a retired serving workspace), by its id"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the readers as JSON"),
) -> None:
    """List the serving workspaces following PREFIX:results (`livecart serve --redis`).

    The results stream is trimmed below what every reader has applied, so a
    retired workspace would hold it back: a reader silent longer than its lease
    (`livecart serve --reader-lease`, default 24 h) stops holding it back and is
    dropped at the next trim; --drop ID forgets one at once. Each reader shows
    its last applied entry, when it was last seen and its lease."""
    from livecart.errors import LivecartError
    from livecart.live.sources.redis_readers import drop_reader, list_readers
    from livecart.live.sources.redis_stream import connect

    client = connect(redis_url)
    if drop:
        if not drop_reader(client, drop, prefix):
            raise LivecartError(
                f"{drop!r} is not a registered reader of {prefix}:results: "
                f"`livecart readers --redis URL` lists them"
            )
        console.print(f"dropped {drop}: it no longer holds {prefix}:results's trim back")
        return
    rows = list_readers(client, prefix)
    if as_json:
        print_json(rows)
        return
    t = Table(title=f"{len(rows)} readers of {prefix}:results")
    for c in ("reader", "applied up to", "last seen", "lease"):
        t.add_column(c)
    for r in rows:
        ago = "never" if r["seen_s_ago"] is None else f"{r['seen_s_ago'] / 3600:,.1f} h ago"
        lease = "-" if r["lease_s"] is None else f"{r['lease_s'] / 3600:,.1f} h"
        t.add_row(r["reader"], r["position"], ago + (" (lapsed)" if r["lapsed"] else ""), lease)
    console.print(t)


@app.command()
def tiktok(
    directory: Path = typer.Argument(..., help="workspace folder"),
    user: str = typer.Option(..., "--user", help="the LIVE host's @unique_id"),
    session: str = typer.Option(..., "--session", help="session id for this live"),
    market: str = typer.Option(None, help="market code, e.g. US"),
    currency: str = typer.Option(None, help="the shop's currency, e.g. USD"),
    planned_minutes: int = typer.Option(None, help="planned length of the live"),
    as_json: bool = typer.Option(False, "--json", help="print the final totals as JSON"),
) -> None:
    """Listen to a TikTok LIVE room (needs `livecart\\[tiktok]`) into the monitor until it ends."""
    from livecart.live.sources.tiktok import TikTokSource

    src = TikTokSource(
        user, session, market=market, currency=currency, planned_minutes=planned_minutes
    )
    with Workspace.open(directory) as ws:
        run = start_run(ws, src, name=f"tiktok-{session}")
        run_until_stopped(run, on_stop=src.close)
        _report(run, as_json)


def _report(run: LiveRun, as_json: bool) -> None:
    rows = [snapshot(st) for st in run.monitor.sessions.values()]
    if as_json:
        print_json([{"session_id": r["session_id"], **r["totals"]} for r in rows])
        return
    t = Table(title=f"{len(rows)} sessions")
    for c in ("session", "GMV", "orders", "entries", "comments", "likes"):
        t.add_column(c, justify="right")
    for r in rows:
        x = r["totals"]
        t.add_row(
            r["session_id"],
            f"{x['gmv']:,.2f}",
            f"{x['orders']:,.0f}",
            f"{x['entries']:,.0f}",
            f"{x['comments']:,.0f}",
            f"{x['likes']:,.0f}",
        )
    console.print(t)


@app.command()
def reconcile(
    directory: Path = typer.Argument(..., help="workspace folder"),
    session: str = typer.Argument(..., help="the monitored session id"),
    live_id: str = typer.Option(..., "--live-id", help="the LIVE's id on TikTok Shop"),
    currency: str = typer.Option("LOCAL", help="LOCAL or USD, as the API takes it"),
    base_url: str = typer.Option(
        None,
        help="Shop API address (default: LIVECART_SHOP_BASE_URL, else "
        "https://open-api.tiktokglobalshop.com)",
    ),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """After a LIVE: compare TikTok Shop's per-minute and per-product figures with the monitor's.

    Fetches TikTok Shop's per-minute and per-product performance (signed; keys from
    LIVECART_SHOP_APP_KEY, _APP_SECRET, _ACCESS_TOKEN, _SHOP_CIPHER), compares it with the
    monitor's minutes and stores both under DIR/platform/."""
    from livecart.live.sources.shop_api import reconcile_session, shop_client

    with Workspace.open(directory, read_only=True) as ws:
        s, path = reconcile_session(ws, session, live_id, shop_client(base_url), currency)
    if as_json:
        print_json(s)
        return
    t = Table(title=f"{session}: monitor against TikTok Shop ({path.parent})")
    for col in ("metric", "monitor", "platform", "gap"):
        t.add_column(col, justify="right")
    for k in ("gmv", "orders", "units"):
        g = s[k]["gap"]
        t.add_row(
            k,
            f"{s[k]['monitor']:,.2f}",
            f"{s[k]['platform']:,.2f}",
            "-" if g is None else f"{g:+.1%}",
        )
    console.print(t)
    console.print(f"{s['minutes_off']} minutes differ in GMV")
