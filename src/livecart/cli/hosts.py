"""`livecart hosts rank|compare|roster|evaluate`: who converts in which category (with 80%
intervals), influencer or professional host for a coming live, the weekly store-live roster,
and the model's scores against the demo's truth. Heavy imports stay inside the commands."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from livecart.cli.app import app, console, print_json
from livecart.cli.narrow import GIVES_WAY, id_width, narrow_table, show

hosts_app = typer.Typer(
    help="Hosts: conversion skill per host and category from past lives, influencer or "
    "professional host for a coming live, and the store-live roster across markets.",
    no_args_is_help=True,
)
app.add_typer(hosts_app, name="hosts")

DIR = typer.Argument(..., help="workspace folder")
KIND_WORD = {"pro_host": "pro", "influencer": "inf", "store_account": "store"}
KIND_LEGEND = "pro = professional host, inf = influencer, store = store account"


def _clean(records: list[dict]) -> list[dict]:
    for r in records:
        for k, v in r.items():
            if isinstance(v, float) and not math.isfinite(v):
                r[k] = None
    return records


@hosts_app.command("rank")
def rank(
    path: Path = DIR,
    market: str | None = typer.Option(None, "--market", help="only hosts serving this market"),
    category: str | None = typer.Option(None, "--category", help="only this category"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Hosts by conversion skill per category, with 80% intervals and the traffic they bring.

    The effect is log units sold against the average host in the category with the line-up's
    own fit, the views and the live's length taken out: +0.2 sells about 22% more. A host with
    few or no lives gets their kind's mean and a wide interval."""
    from livecart.hosts import fit_workspace, rank_hosts
    from livecart.selection import product_fit
    from livecart.store import Workspace

    with Workspace.open(path, read_only=True) as ws:
        model = fit_workspace(ws, product_fit(ws))
    r = rank_hosts(model, market=market, category=category)
    if as_json:
        print_json(_clean(r.to_dict("records")))
        return
    if r.empty:
        console.print("no hosts to rank: import creators and lives (see docs/hosts.md)")
        return
    for category, rows in r.groupby("category", sort=False):
        show(console, _rank_table(rows, category))
    console.print(
        "skill: log units sold against the category's average host, line-up and views taken out "
        "(x: times as many); traffic: log views brought beyond the room's followers and ads; "
        f"kind: {KIND_LEGEND}",
        highlight=False,
    )


def _rank_table(rows, category: str):
    """One category's hosts at 80 columns: host ids whole, the category in the title."""
    t = narrow_table(
        f"{category}: host conversion skill, 80% interval",
        (
            ("rank", 4, "right"),
            ("host", id_width(rows["host_id"], "host"), "left"),
            ("kind", GIVES_WAY, "left"),
            ("lives", 5, "right"),
            ("skill", 5, "right"),
            ("x", 5, "right"),
            ("80% interval", 14, "left"),
            ("traffic", 7, "right"),
        ),
        give_way_to=5,
    )
    for x in rows.itertuples():
        t.add_row(
            str(x.rank),
            x.host_id,
            KIND_WORD.get(x.kind, x.kind),
            str(x.lives_in_category),
            f"{x.effect:+.2f}",
            f"x{x.multiplier:.2f}",
            f"{x.effect_lo:+.2f} to {x.effect_hi:+.2f}",
            f"{x.traffic_effect:+.2f}",
        )
    return t


@hosts_app.command("compare")
def compare(
    path: Path = DIR,
    market: str = typer.Option(..., "--market", help="market of the live"),
    start: str = typer.Option(..., "--start", help='local start, "YYYY-MM-DD HH:MM"'),
    budget: float = typer.Option(..., "--budget", help="ad budget, the market's currency"),
    minutes: int = typer.Option(120, "--minutes", help="length of the live"),
    sku: list[str] = typer.Option(
        [], "--sku", help="line-up SKU (repeat); default: the market's best sellers"
    ),
    category: list[str] = typer.Option([], "--category", help="line-up categories (repeat)"),
    host: list[str] = typer.Option([], "--host", help="only these candidates (repeat)"),
    fee_budget: float | None = typer.Option(
        None, "--fee-budget", help="most you will pay a host in fixed fee (live currency)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Influencer or professional host: expected GMV (80% interval), cost (fee + commission),
    contribution after cost and goods, ROI and P(best) for each candidate, and why the winner
    wins."""
    import datetime as dt

    from livecart.errors import LivecartError
    from livecart.hosts import compare_for_plan, fit_workspace
    from livecart.selection import product_fit
    from livecart.store import Workspace

    try:
        when = dt.datetime.strptime(start, "%Y-%m-%d %H:%M")
    except ValueError as e:
        raise LivecartError(f'--start {start!r} is not "YYYY-MM-DD HH:MM" (local time)') from e
    with Workspace.open(path, read_only=True) as ws:
        model = fit_workspace(ws, product_fit(ws))
        out = compare_for_plan(
            ws,
            model,
            market,
            when,
            budget,
            minutes=minutes,
            skus=list(sku) or None,
            categories=list(category) or None,
            hosts=list(host) or None,
            fee_budget=fee_budget,
        )
    if as_json:
        print_json(_clean([out.as_dict()])[0])
        return
    for n in out.notes:
        console.print(f"note: {n}", highlight=False)
    if out.rows.empty:
        return
    show(console, _compare_table(out.rows, market, start))
    console.print(out.reason, highlight=False)


def _compare_table(rows, market: str, start: str):
    """Fits 80 columns (piped output): host ids whole, money short (5.87k) in the live's
    currency, named in the title; the kind in a word the caption explains."""
    from livecart.report.charts import compact

    t = narrow_table(
        f"Candidates for a {market} live, {start}, money in {rows['currency'].iloc[0]}",
        (
            ("host", id_width(rows["host_id"], "host"), "left"),
            ("kind", GIVES_WAY, "left"),
            ("follow.", 7, "right"),
            ("views", 5, "right"),
            ("GMV", 5, "right"),
            ("80% int.", 11, "left"),
            ("cost", 5, "right"),
            ("contrib.", 8, "right"),
            ("ROI", 4, "right"),
            ("P(best)", 7, "right"),
        ),
        caption=f"kind: {KIND_LEGEND}; cost = fee + commission; contrib. = GMV less cost and goods",
        give_way_to=5,
    )
    for x in rows.itertuples():
        t.add_row(
            x.host_id,
            KIND_WORD.get(x.kind, x.kind),
            compact(x.followers),
            compact(x.views),
            compact(x.gmv),
            f"{compact(x.gmv_lo)}-{compact(x.gmv_hi)}",
            compact(x.cost),
            compact(x.contribution),
            "-" if not math.isfinite(x.roi) else f"{x.roi:.1f}",
            f"{x.p_best:.2f}",
        )
    return t


@hosts_app.command("roster")
def roster(
    path: Path = DIR,
    week: str = typer.Option(..., "--week", help="first day of the week, YYYY-MM-DD"),
    slot: list[str] = typer.Option(
        ["12:00", "19:00", "21:00"], "--slot", help="local start of a daily slot (repeat)"
    ),
    minutes: int = typer.Option(120, "--minutes", help="length of a slot"),
    rest: float = typer.Option(1.0, "--rest", help="hours a host rests between shifts"),
    market: list[str] = typer.Option([], "--market", help="only these markets (repeat)"),
    require_all: bool = typer.Option(
        False, "--require-all", help="every slot must have a host (else: explain why not)"
    ),
    csv: Path | None = typer.Option(None, "--csv", help="write the shifts as CSV"),
    ics: Path | None = typer.Option(None, "--ics", help="folder for one .ics file per host"),
    time_limit: float = typer.Option(10.0, "--time-limit", help="solver seconds at most"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """The week's store-live roster: which professional host runs which market's room in which
    slot, maximising expected GMV (slot demand by market, weekday and local hour x the host's
    fit), within availability, markets, hours a day and a week, rest and one room at a time.
    Availability is the workspace's host_availability records (`livecart import DIR
    host_availability FILE`: host_id, weekday, start_time, end_time, markets, max_hours_day,
    max_hours_week); with none, every professional host is available all week. Solved with
    OR-Tools CP-SAT; compared with a greedy rule."""
    import datetime as dt

    from livecart.errors import LivecartError
    from livecart.hosts import fit_workspace
    from livecart.hosts.calendar import write_csv, write_ics
    from livecart.hosts.workspace import roster_for_workspace
    from livecart.selection import product_fit
    from livecart.store import Workspace

    try:
        start = dt.date.fromisoformat(week)
    except ValueError as e:
        raise LivecartError(f"--week {week!r} is not a date YYYY-MM-DD (its first day)") from e
    hours = tuple(_slot_hours(x) for x in slot)
    with Workspace.open(path, read_only=True) as ws:
        model = fit_workspace(ws, product_fit(ws))
        _req, opt, greedy = roster_for_workspace(
            ws,
            model,
            start,
            hours=hours,
            minutes=minutes,
            rest_hours=rest,
            require_all=require_all,
            markets=list(market) or None,
            time_limit=time_limit,
        )
    gain = 100 * (opt.objective / greedy.objective - 1) if greedy.objective > 0 else None
    if csv:
        write_csv(opt.assignments, csv)
    files = write_ics(opt.assignments, ics) if ics else []
    if as_json:
        print_json(
            {
                "status": opt.status,
                "gap": opt.gap,
                "seconds": opt.seconds,
                "expected_gmv": opt.objective,
                "greedy_gmv": greedy.objective,
                "gain_over_greedy_pct": gain,
                "notes": opt.notes,
                "shifts": _clean(opt.assignments.to_dict("records")),
                "unfilled": opt.unfilled.drop(columns="slot").to_dict("records"),
                "empty_days": opt.empty_days,
                "ics": [str(f) for f in files],
            }
        )
        return
    for n in opt.notes:
        console.print(f"note: {n}", highlight=False)
    _print_week(opt.assignments, opt.unfilled)
    cur = opt.assignments["currency"].iloc[0] if len(opt.assignments) else ""
    console.print(
        f"{opt.status} (gap {opt.gap:.2%}) in {opt.seconds:.2f} s: {len(opt.assignments)} "
        f"shifts, expected GMV {opt.objective:,.0f} {cur}; greedy {greedy.objective:,.0f} "
        f"({'n/a' if gain is None else f'{gain:+.1f}%'}); {len(opt.unfilled)} slots empty",
        highlight=False,
    )
    for f in [csv, *files]:
        if f:
            console.print(f"wrote {f}", highlight=False)


def _slot_hours(text: str) -> float:
    """A --slot value, HH:MM local, as hours after midnight."""
    from livecart.errors import LivecartError

    try:
        h, m = (int(x) for x in text.split(":"))
        if not (0 <= h <= 23 and 0 <= m <= 59):
            raise ValueError(text)
    except ValueError as e:
        raise LivecartError(
            f"--slot {text!r} is not a local start time HH:MM from 00:00 to 23:59 "
            "(repeat --slot for each daily slot, e.g. --slot 12:00 --slot 19:00)"
        ) from e
    return h + m / 60


def _print_week(a, empty) -> None:
    """Markets down, days across, shifts in the cells; a day without any shift says so (the
    notes above the table say why)."""
    from rich.table import Table

    if a.empty and empty.empty:
        console.print("no shifts")
        return
    t = Table(title="Store-live roster (local times)")
    starts = list(a["start_local"]) + list(empty["start_local"])
    days = sorted({x[:10] for x in starts})
    t.add_column("market")
    for d in days:
        t.add_column(d[5:])
    for m in sorted(set(a["market"]) | set(empty["market"])):
        rows = a[a["market"] == m]
        cells = []
        for d in days:
            r = rows[rows["start_local"].str[:10] == d]
            shifts = [f"{x[11:]} {h}" for x, h in zip(r["start_local"], r["host_id"], strict=True)]
            cells.append("\n".join(shifts) or "[dim]none[/dim]")
        t.add_row(m, *cells)
    console.print(t)


@hosts_app.command("evaluate")
def evaluate(
    seeds: int = typer.Option(20, "--seeds", help="held-out demo seeds"),
    scale: float = typer.Option(1.0, "--scale", help="demo scale per seed"),
    first_seed: int = typer.Option(2000, "--first-seed", help="first held-out seed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Score the host model against the demo simulator's truth on held-out seeds.

    Spearman and 80% coverage of the host x category effects, error against unpooled per-host
    means, regret of the recommended host against "most followers" and "highest past GMV per
    live" (on a realised draw of each live, and on the simulator's expected contribution), the
    share of realised GMV inside `hosts compare`'s 80% interval per host kind, and the roster
    against a greedy rule. About 30 s a seed on two shared cores."""
    from livecart.evaluation.hosts import evaluate_hosts

    with console.status("simulating seeds and fitting") if not as_json else _null():
        e = evaluate_hosts(seeds=seeds, first_seed=first_seed, scale=scale)
    d = e.as_dict()
    if as_json:
        print_json(d)
        return
    console.print(f"seeds {e.seeds} (from {first_seed}), scale {e.scale}, {e.decisions} decisions")
    console.print(f"Spearman (host x category effect): {e.spearman:.3f}")
    console.print(f"80% interval coverage: {e.coverage_80:.1%}")
    console.print(
        f"RMSE {e.rmse:.3f} against unpooled per-host means {e.rmse_unpooled:.3f} "
        f"({e.error_reduction_pct:.1f}% lower)"
    )
    for label, regret, diff in (
        ("realised", e.regret, e.regret_diff),
        ("expected", e.regret_expected, e.regret_expected_diff),
    ):
        console.print(
            f"regret on {label} contribution, USD a decision: "
            + ", ".join(f"{k} {v:,.0f}" for k, v in regret.items())
        )
        for k, v in diff.items():
            se = "n/a" if v["se"] is None else f"{v['se']:,.0f}"
            console.print(f"  {k} minus model: {v['mean']:,.0f} USD (SE {se})")
    console.print(
        "realised GMV inside `hosts compare`'s 80% interval (other hosts' runs of past lives): "
        + ", ".join(
            f"{k} {'n/a' if v is None else f'{v:.1%}'} ({e.gmv_coverage_n[k]})"
            for k, v in e.gmv_coverage_80.items()
        )
    )
    if e.roster_status is not None:
        console.print(
            f"roster: {e.roster_gain_pct:+.1f}% expected GMV over greedy, {e.roster_status}"
        )


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False
