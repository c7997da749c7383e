"""Live commands: `livecart monitor` (replay a recording into the monitor with a Rich live view)
and `livecart live evaluate` (the nowcast against the naive baseline on held-out sessions)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table

from livecart.cli.app import app, console, err_console, print_json
from livecart.cli.running import finish_run, start_run
from livecart.errors import LivecartError
from livecart.live import (
    AlertRules,
    LiveRun,
    Nowcaster,
    ReplaySource,
    evaluate_nowcast,
    load_history,
    snapshot,
    totals,
)
from livecart.live.history import concat, split_newest
from livecart.live.targets import load_plan
from livecart.store import Workspace

live_app = typer.Typer(help="Live monitor tools: evaluate the nowcast.", no_args_is_help=True)
app.add_typer(live_app, name="live")


@app.command()
def monitor(
    directory: Path = typer.Argument(..., help="workspace folder"),
    replay: Path = typer.Option(None, "--replay", help="JSON-lines or CSV event recording"),
    redis: str = typer.Option(
        "", "--redis", help="run as a worker on Redis Streams instead, e.g. redis://127.0.0.1:6379"
    ),
    group: str = typer.Option("livecart", "--group", help="with --redis: the consumer group"),
    name: str = typer.Option("", "--name", help="with --redis: this worker's name (host name)"),
    idle_stop: float = typer.Option(
        0.0, "--idle-stop", help="with --redis: stop after this many idle seconds (0: never)"
    ),
    share_results: bool = typer.Option(
        False,
        "--share-results",
        help="with --redis: also publish the rooms' results for `livecart serve DIR --redis URL` "
        "(every worker's rooms on one dashboard; see `livecart worker --help`)",
    ),
    speed: float = typer.Option(
        0.0, "--speed", help="1 = real time, N = N x faster, 0 = as fast as possible"
    ),
    webhook: str = typer.Option("", "--webhook", help="POST each new alert as JSON here"),
    plan: Path = typer.Option(
        None,
        "--plan",
        help="JSON of golden-hour targets (gmv, orders, "
        "entries, ad_spend, ctr, ctor, viewers); default: room history",
    ),
    fresh: bool = typer.Option(False, "--fresh", help="ignore a checkpoint and start over"),
    planned_stock: bool = typer.Option(
        True,
        "--planned-stock/--no-planned-stock",
        help="start each SKU at the stock of the session's saved stock plan "
        "(`livecart stock plan --save`) until the room reports a count",
    ),
    view: bool = typer.Option(True, "--view/--no-view", help="live terminal view"),
    as_json: bool = typer.Option(False, "--json", help="print the final snapshot as JSON"),
    stockout_minutes: float = typer.Option(10.0, help="alert when a SKU sells out within"),
    rate_minutes: int = typer.Option(5, help="alert after CTR/CTOR below plan this long"),
) -> None:
    """Run the live monitor on a recording (--replay) or as a Redis Streams worker (--redis).

    Per-minute results are written into the workspace."""
    if (replay is None) == (not redis):
        raise LivecartError("give one event source: --replay FILE or --redis URL")
    if speed < 0:
        raise LivecartError(f"--speed must be 0 (as fast as possible) or more, not {speed}")
    rules = AlertRules(stockout_minutes=stockout_minutes, rate_minutes=rate_minutes)
    targets = load_plan(plan) if plan else None
    if redis:
        if speed:
            raise LivecartError(
                "--speed paces a --replay; a Redis worker takes events as they are published"
            )
        from livecart.cli.live_sources import run_redis_worker

        run_redis_worker(
            directory,
            redis,
            group,
            name,
            idle_stop=idle_stop,
            as_json=as_json,
            rules=rules,
            plan=targets,
            webhook=webhook,
            fresh=fresh,
            planned_stock=planned_stock,
            share_results=share_results,
        )
        return
    with Workspace.open(directory) as ws:
        run = start_run(
            ws,
            ReplaySource(replay, speed=speed),
            name=replay.stem,
            fresh=fresh,
            webhook=webhook,
            rules=rules,
            plan=targets,
            planned_stock=planned_stock,
        )
        if view and not as_json:
            with Live(console=console, refresh_per_second=4) as live:
                run.run(on_update=_throttled(lambda r: live.update(render(r)), 0.25))
                live.update(render(run))
        else:
            run.run()
        finish_run(run)
        if as_json:
            print_json(
                [
                    {
                        **snapshot(st),
                        "nowcast": run.nowcast(sid),
                        "alerts": [a.to_dict() for a in run.book.log if a.session_id == sid],
                    }
                    for sid, st in run.monitor.sessions.items()
                ]
            )
        elif not view:
            console.print(render(run))
    if run.monitor.malformed_count:
        err_console.print(
            f"[yellow]{run.monitor.malformed_count} malformed events skipped[/yellow]"
            f", first: {run.monitor.malformed[0].reason}"
        )


def _throttled(fn, seconds: float):
    """Call ``fn`` at most once every ``seconds`` (rendering is slower than a fast replay)."""
    last = [0.0]

    def call(arg) -> None:
        now = time.monotonic()
        if now - last[0] >= seconds:
            last[0] = now
            fn(arg)

    return call


def render(run: LiveRun, top: int = 3) -> Group:
    """The terminal view: for the ``top`` sessions by GMV, a headline table, the nowcast and
    the products; then the open alerts of all sessions."""
    parts = []
    ranked = sorted(run.monitor.sessions.items(), key=lambda kv: -totals(kv[1])["gmv"])
    if len(ranked) > top:
        parts.append(f"{len(ranked)} sessions; the {top} with the highest GMV:")
    for sid, st in ranked[:top]:
        snap = snapshot(st)
        t, cur = snap["totals"], st.currency or ""
        head = Table(title=f"{sid}  minute {snap['minute']}{' (ended)' if snap['ended'] else ''}")
        for c in ("GMV", "orders", "units", "AOV", "viewers", "peak", "avg", "entries"):
            head.add_column(c, justify="right")
        head.add_row(
            f"{t['gmv']:,.2f} {cur}",
            f"{t['orders']:,.0f}",
            f"{t['units']:,.0f}",
            _f(t["aov"], ",.2f"),
            f"{t['viewers_last']:,.0f}",
            f"{t['viewers_peak']:,.0f}",
            _f(t["viewers_avg"], ",.0f"),
            f"{t['entries']:,.0f}",
        )
        rates = Table()
        for c in (
            "CTR",
            "CTOR",
            "GPM",
            "likes",
            "comments",
            "shares",
            "follows",
            "fan club",
            "dropped",
        ):
            rates.add_column(c, justify="right")
        rates.add_row(
            _f(t["ctr"], ".1%"),
            _f(t["ctor"], ".1%"),
            _f(t["gpm"], ",.0f"),
            f"{t['likes']:,.0f}",
            f"{t['comments']:,.0f}",
            f"{t['shares']:,.0f}",
            f"{t['new_followers']:,.0f}",
            f"{t['fan_club_joins']:,.0f}",
            ", ".join(f"{k} {v}" for k, v in snap["dropped"].items() if v) or "0",
        )
        parts += [head, rates]
        nc = run.nowcast(sid) if not snap["ended"] else None
        if nc:
            lo, mid, hi = nc["gmv"]
            parts.append(
                f"nowcast final GMV {mid:,.0f} {cur} (80%: {lo:,.0f} - {hi:,.0f}); "
                f"orders {nc['orders'][1]:,.0f}"
            )
        parts.append(_products(snap))
    alerts = run.book.open_alerts()
    if alerts:
        at = Table(title="alerts", show_header=True)
        for c in ("minute", "session", "alert", "do this"):
            at.add_column(c)
        for a in alerts[-10:]:
            at.add_row(str(a.minute), a.session_id, a.message, a.action)
        parts.append(at)
    return Group(*parts)


def _products(snap: dict) -> Table:
    pt = Table(show_header=True)
    for c in ("SKU", "clicks", "orders", "GMV", "stock left", "sells out in"):
        pt.add_column(c, justify="right")
    for p in snap["products"][:12]:
        eta = p["stockout_eta_minutes"]
        pt.add_row(
            ("* " if p["pinned"] else "") + p["sku_id"],
            f"{p['product_clicks']:,.0f}",
            f"{p['orders']:,.0f}",
            f"{p['gmv']:,.2f}",
            _f(p["stock_left"], ",.0f"),
            "-" if eta is None else f"{eta:,.0f} min",
        )
    return pt


def _f(v: float | None, fmt: str) -> str:
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, fmt)


@live_app.command("evaluate")
def evaluate(
    directory: Path = typer.Argument(..., help="workspace with past sessions (training)"),
    holdout: list[Path] = typer.Option(
        None,
        "--holdout",
        help="workspace of held-out sessions; repeat it to pool several (e.g. demo seeds); "
        "default: the newest --test-fraction of DIR's sessions",
    ),
    test_fraction: float = typer.Option(0.3, help="share of DIR's newest sessions held out"),
    folds: str = typer.Option(
        "room",
        help="CV+ folds: room (one per room, when DIR has 5 rooms or more) or random "
        "(10 random folds: the interval before #4's recalibration, for comparison)",
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON for scripts"),
) -> None:
    """Score the final-GMV nowcast at minutes 15, 30 and 60 on held-out sessions.

    MdAPE against the naive linear extrapolation, and the share of held-out finals inside
    their 80% interval with its 95% Wilson interval (target 75-85%: a coverage whose Wilson
    interval straddles the target's edge needs more held-out lives to judge). CV+ folds: one
    per room when the history has 5 rooms or more, else 10 random folds."""
    if folds not in ("room", "random"):
        raise LivecartError(f"--folds must be room or random, not {folds!r}")
    with Workspace.open(directory, read_only=True) as ws:
        train = load_history(ws)
    if holdout:
        parts = []
        for path in holdout:
            with Workspace.open(path, read_only=True) as ws2:
                parts.append(load_history(ws2))
        test = concat(parts)
    else:
        train, test = split_newest(train, test_fraction)
    rows = evaluate_nowcast(train, test, nowcaster=Nowcaster(by_room=folds == "room"))
    if as_json:
        print_json(rows)
        return
    t = Table(title=f"nowcast of final GMV: {len(train)} training, {len(test)} held-out sessions")
    cols = ("minute", "sessions", "MdAPE", "baseline MdAPE", "80% coverage (95% Wilson)", "folds")
    for c in cols:
        t.add_column(c, justify="right")
    for r in rows:
        t.add_row(
            str(r["minute"]),
            str(r["sessions"]),
            f"{r['mdape']:.1%}",
            f"{r['baseline_mdape']:.1%}",
            f"{r['coverage_80']:.1%} ({r['coverage_80_low']:.1%}-{r['coverage_80_high']:.1%})",
            str(r["folds"]),
        )
    console.print(t)
