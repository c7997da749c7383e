"""`livecart demo`: build (or reuse) the demo workspace and serve its dashboard;
`livecart demo-events`: one demo session's raw event stream as JSON lines."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from livecart.cli.app import app, console, err_console, print_json
from livecart.cli.compiling import ensure_kernels
from livecart.demo import DemoSummary, build, session_events
from livecart.live import ReplaySource
from livecart.report import overview
from livecart.settings import load_settings
from livecart.store import Workspace


@app.command()
def demo(
    out: Path = typer.Option(Path("livecart-demo"), "--out", help="workspace folder to build"),
    seed: int = typer.Option(
        None, "--seed", help="random seed (default 42): the same seed builds the same data"
    ),
    scale: float = typer.Option(
        None,
        "--scale",
        help="size (default 1: ~150 lives and ~200,000 order lines); grows linearly",
    ),
    no_serve: bool = typer.Option(False, "--no-serve", help="build and summarise, do not serve"),
    host: str = typer.Option(None, "--host", help="address to bind; default 127.0.0.1"),
    port: int = typer.Option(None, "--port", help="port to listen on; default 8000"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    replay_speed: float = typer.Option(
        30.0,
        "--replay-speed",
        help="while serving, replay the demo's newest live on the Live page at N x real time "
        "(0: none); it is shown, never written into the workspace",
    ),
) -> None:
    """Build a demo workspace (a fictional brand, 6 markets, six months) and open its dashboard.

    The workspace holds a fictional brand's TikTok Shop business over about six months. Run again,
    it reuses the workspace already built."""
    asked = {"--seed": seed, "--scale": scale}
    summary = _build_with_progress(
        out, 42 if seed is None else seed, 1.0 if scale is None else scale, quiet=as_json
    )
    summary.gmv_by_market = _gmv_by_market(out)
    built = {"--seed": summary.seed, "--scale": summary.scale}
    ignored = [f"{k} {v:g}" for k, v in asked.items() if v is not None and v != built[k]]
    if summary.reused and ignored and not as_json:
        err_console.print(
            f"[yellow]{' '.join(ignored)} ignored:[/yellow] {out} already holds the demo "
            f"built with seed {summary.seed}, scale {summary.scale:g}; use another --out or "
            "delete the folder to rebuild",
            highlight=False,
        )
    if as_json:
        print_json(summary.to_dict())
    else:
        _print_summary(summary)
    if no_serve:
        return
    from livecart.cli.in_server import run_for_client
    from livecart.web import serve as run_server  # the web stack loads only when serving

    settings = load_settings(out, host=host, port=port)
    ensure_kernels()
    sources = []
    if replay_speed > 0:
        sid, path = _replay_file(out)
        sources.append(ReplaySource(path, speed=replay_speed))
        console.print(
            f"Replaying demo live [bold]{sid}[/bold] at {replay_speed:g}x on the Live page "
            f"(/live/{sid}); it is shown, not written. --replay-speed 0 turns it off.",
            highlight=False,
        )
    run_server(
        out,
        host=settings.host,
        port=settings.port,
        api_token=settings.api_token,
        sources=sources,
        persist=False,
        commands=run_for_client,
    )


def _replay_file(out: Path) -> tuple[str, Path]:
    """The demo's newest live and its event recording (written once, under replays/)."""
    with Workspace.open(out, read_only=True) as ws:
        sid = ws.query(
            "SELECT session_id FROM sessions ORDER BY actual_start DESC NULLS LAST LIMIT 1"
        ).iat[0, 0]
    path = out / "replays" / f"{sid}.jsonl"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "w", encoding="utf-8") as f:
            _write(session_events(out, sid), f)
        tmp.replace(path)
    return sid, path


def _build_with_progress(out: Path, seed: int, scale: float, quiet: bool) -> DemoSummary:
    if quiet or (out / "truth.json").exists():
        return build(out, seed=seed, scale=scale)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("building the demo", total=1.0)

        def report(message: str, fraction: float) -> None:
            bar.update(task, description=message, completed=fraction)

        return build(out, seed=seed, scale=scale, progress=report)


def _gmv_by_market(path: Path) -> list[dict]:
    """GMV per market, local and in the reporting currency, counted as the dashboard does."""
    with Workspace.open(path, read_only=True) as ws:
        o = overview(ws)
    return [
        {"market": m.market, "currency": m.currency, "gmv": m.gmv, "gmv_usd": m.gmv_reporting}
        for m in o.markets
    ]


def _print_summary(s: DemoSummary) -> None:
    if s.reused:
        console.print(
            f"Reusing the demo workspace at [bold]{s.path}[/bold] (built with seed "
            f"{s.seed}, scale {s.scale}); delete the folder to rebuild it.",
            highlight=False,
        )
    else:
        console.print(
            f"Built the demo workspace at [bold]{s.path}[/bold] in {s.seconds:.1f}s "
            f"(seed {s.seed}, scale {s.scale}).",
            highlight=False,
        )
    markets = ", ".join(f"{m['market']} ({m['currency']}, {m['timezone']})" for m in s.markets)
    console.print(
        f"Brand: [bold]{s.brand}[/bold] (fictional)\nMarkets: {markets}\n"
        f"Dates: {s.date_from} to {s.date_to}",
        highlight=False,
    )
    c = s.counts
    console.print(
        f"{c['products']} SKUs, {c['creators']} creators, {c['videos']:,} videos, "
        f"{c['sessions']} lives ({c['live_minutes']:,} live minutes), "
        f"{c['orders']:,} order lines, {c['buyers']:,} buyers",
        highlight=False,
    )
    t = Table(title="GMV by market")
    for col in ("market", "GMV (local)", "GMV (USD)"):
        t.add_column(col, justify="left" if col == "market" else "right")
    for r in s.gmv_by_market:
        t.add_row(r["market"], f"{r['gmv']:,.0f} {r['currency']}", f"{r['gmv_usd']:,.0f}")
    t.add_row("all", "", f"{sum(r['gmv_usd'] for r in s.gmv_by_market):,.0f}")
    console.print(t)


@app.command(name="demo-events")
def demo_events(
    directory: Path = typer.Argument(..., help="demo workspace folder"),
    session_id: str = typer.Argument(..., help="session id, e.g. L0001"),
    # a Path, so that a command run inside a server writes it under the caller's folder
    out: Path = typer.Option(..., "--out", help="JSON-lines file to write, or - for stdout"),
) -> None:
    """Write one demo session's raw events as JSON lines, to replay into `livecart monitor`.

    Events are written in time order."""
    events = session_events(directory, session_id)
    if str(out) == "-":
        _write(events, sys.stdout)
        return
    with open(out, "w", encoding="utf-8") as f:
        n = _write(events, f)
    console.print(f"wrote {n:,} events of {session_id} to {out}", highlight=False)


def _write(events, f) -> int:
    n = 0
    for e in events:
        f.write(e.to_json())
        f.write("\n")
        n += 1
    return n
