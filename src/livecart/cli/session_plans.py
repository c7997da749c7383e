"""`livecart plan create|list|show|edit|retro|evaluate` and `livecart ads curves|split`: session
plans (line-up, run of show, ad budget and pacing, golden-hour targets), retros, and the ad
response curves with an optimized split."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Column, Table

from livecart.cli.app import app, console, print_json
from livecart.errors import LivecartError
from livecart.store import Workspace

plan_app = typer.Typer(
    help="Session plans: line-up and run of show, hosts, stock, the ad budget (2:6:2 or an "
    "optimized split) with pacing, golden-hour targets; and retros after the live.",
    no_args_is_help=True,
)
ads_app = typer.Typer(
    help="Ad budget: response curves per phase fitted from history, and the optimized split.",
    no_args_is_help=True,
)
app.add_typer(plan_app, name="plan")
app.add_typer(ads_app, name="ads")
DIR = typer.Argument(..., help="workspace folder")


def _phases(text: str | None, name: str) -> tuple[float, float, float] | None:
    if text is None:
        return None
    try:
        v = tuple(float(x) for x in text.split(","))
    except ValueError:
        v = ()
    if len(v) != 3:
        raise LivecartError(f"{name} takes three amounts, pre-live,live,closing, e.g. 500,2000,500")
    return v  # type: ignore[return-value]


@plan_app.command("create")
def create(
    path: Path = DIR,
    market: str = typer.Option(..., help="market code, e.g. US"),
    start: str = typer.Option(..., help="start in the market's local time, 'YYYY-MM-DD HH:MM'"),
    budget: float = typer.Option(..., help="ad budget for the session, market currency"),
    host: list[str] = typer.Option(
        [],
        help="host creator id (repeat for several); without it the host with the highest "
        "expected contribution is proposed (`livecart hosts compare` shows why)",
    ),
    minutes: int = typer.Option(120, help="length of the live"),
    sku: list[str] = typer.Option([], help="SKU for the line-up (repeat); default: picked"),
    products: int = typer.Option(10, help="line-up size when SKUs are picked"),
    pre_live_hours: int = typer.Option(24, help="pre-live warm-up window, hours"),
    closing_minutes: int = typer.Option(30, help="closing window, last minutes of the live"),
    min_spend: str = typer.Option(
        None, help="minimum spend per phase, market currency: pre,live,closing"
    ),
    max_spend: str = typer.Option(
        None, help="maximum spend per phase, market currency: pre,live,closing"
    ),
    objective: str = typer.Option("gmv", help="gmv, profit or roas"),
    margin: float = typer.Option(0.4, help="gross margin on GMV, for --objective profit"),
    roas_floor: float = typer.Option(2.0, help="lowest GMV/spend, for --objective roas"),
    extrapolate: bool = typer.Option(
        False, "--extrapolate", help="search splits outside past sessions' range too"
    ),
    rule: bool = typer.Option(False, "--rule", help="keep 2:6:2, do not optimize"),
    min_pin: int = typer.Option(10, help="minimum minutes a pin is held"),
    guidance: bool = typer.Option(True, help="enforce the platform's line-up guidance"),
    session: str = typer.Option(None, help="link to a recorded session (allows a past start)"),
    title: str = typer.Option("", help="plan title"),
    as_json: bool = typer.Option(False, "--json", help="print the plan as JSON"),
) -> None:
    """Make a session plan and store it."""
    from livecart.ads import Windows
    from livecart.plan import Guidance, create_plan, save_plan, to_markdown

    with Workspace.open(path) as ws:
        p = create_plan(
            ws,
            market,
            start,
            budget,
            list(host),
            minutes=minutes,
            skus=list(sku) or None,
            n_products=products,
            windows=Windows(
                pre_live_hours=pre_live_hours, live_minutes=minutes, closing_minutes=closing_minutes
            ),
            min_spend=_phases(min_spend, "--min-spend"),
            max_spend=_phases(max_spend, "--max-spend"),
            objective=objective,
            margin=margin,
            roas_floor=roas_floor,
            extrapolate=extrapolate,
            use_rule=rule,
            guidance=Guidance(min_pin_minutes=min_pin),
            enforce_guidance=guidance,
            session_id=session,
            title=title,
        )
        p = save_plan(ws, p)
    if as_json:
        print_json(json.loads(p.model_dump_json()))
    else:
        console.print(to_markdown(p), markup=False, highlight=False)


@plan_app.command("list")
def list_(path: Path = DIR, as_json: bool = typer.Option(False, "--json")) -> None:
    """Stored plans, by start."""
    from livecart.plan import list_plans

    with Workspace.open(path, read_only=True) as ws:
        df = list_plans(ws)
    if as_json:
        print_json(df.to_dict("records"))
        return
    # the id is what the other commands take: never cut it, whatever the terminal's width
    plan_col = Column("plan", no_wrap=True, overflow="fold", min_width=_widest(df))
    t = Table(plan_col, "version", "market", "start (UTC)", "session", "title")
    for r in df.itertuples():
        sid = r.session_id if isinstance(r.session_id, str) else "-"  # NaN when not linked
        t.add_row(r.plan_id, str(r.version), r.market, str(r.start_utc), sid, r.title)
    console.print(t if len(df) else "no plans yet: make one with `livecart plan create`")


def _widest(df) -> int:
    return int(df["plan_id"].str.len().max()) if len(df) else 4


@plan_app.command("show")
def show(
    path: Path = DIR,
    plan_id: str = typer.Argument(..., help="plan id (see `livecart plan list`)"),
    fmt: str = typer.Option("md", "--format", help="md, json, html or targets (monitor JSON)"),
    out: Path = typer.Option(None, help="write to this file instead of printing"),
) -> None:
    """A plan as Markdown, JSON, a standalone HTML page, or golden-hour targets for the monitor."""
    from livecart.plan import load_plan, plan_html, to_json, to_markdown

    render = {
        "md": lambda ws, p: to_markdown(p),
        "json": lambda ws, p: to_json(p),
        "html": plan_html,  # with the response-curve charts, fitted from the workspace
        "targets": lambda ws, p: json.dumps(p.monitor_targets(), indent=2),
    }
    if fmt not in render:
        raise LivecartError(f"unknown format {fmt!r}: choose md, json, html or targets")
    with Workspace.open(path, read_only=True) as ws:
        text = render[fmt](ws, load_plan(ws, plan_id))
    if out:
        out.write_text(text)
        console.print(f"wrote {out}")
    else:
        typer.echo(text)


@plan_app.command("edit")
def edit(
    path: Path = DIR,
    plan_id: str = typer.Argument(...),
    host: list[str] = typer.Option([], help="replace the hosts"),
    budget: float = typer.Option(
        None, help="new ad budget, market currency; the split is made again for it"
    ),
    min_spend: str = typer.Option(
        None, help="new minimum spend per phase, market currency: pre,live,closing"
    ),
    max_spend: str = typer.Option(
        None, help="new maximum spend per phase, market currency: pre,live,closing"
    ),
    title: str = typer.Option(None),
    session: str = typer.Option(None, help="link to a recorded session"),
    move: str = typer.Option(None, help="SKU:POSITION, move a product in the line-up"),
    role: str = typer.Option(None, help="SKU:ROLE, change a product's role"),
    note: str = typer.Option(None, help="SKU:TEXT, add a talking point"),
    min_pin: int = typer.Option(None, help="minimum minutes a pin is held"),
) -> None:
    """Change a plan; every edit is saved as a new version."""
    from livecart.plan import edit_plan

    def pair(v: str | None, name: str):
        if v is None:
            return None
        if ":" not in v:
            raise LivecartError(f"{name} takes SKU:VALUE")
        return tuple(v.split(":", 1))

    with Workspace.open(path) as ws:
        p = edit_plan(
            ws,
            plan_id,
            hosts=list(host) or None,
            min_spend=_phases(min_spend, "--min-spend"),
            max_spend=_phases(max_spend, "--max-spend"),
            budget=budget,
            title=title,
            session_id=session,
            move=pair(move, "--move"),
            role=pair(role, "--role"),
            note=pair(note, "--note"),
            pin_minutes=min_pin,
        )
    console.print(f"plan {p.plan_id} saved as version {p.version}")


@plan_app.command("retro")
def retro_cmd(
    path: Path = DIR,
    session: str = typer.Argument(..., help="recorded session id"),
    plan_id: str = typer.Option(None, "--plan", help="plan to compare (default: the linked one)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A recorded session against its plan, with the largest gaps named."""
    from livecart.plan import load_plan, plan_for_session, retro

    with Workspace.open(path, read_only=True) as ws:
        p = load_plan(ws, plan_id) if plan_id else plan_for_session(ws, session)
        if p is None:
            raise LivecartError(
                f"no plan is linked to session {session}: link one with "
                f"`livecart plan edit DIR PLAN --session {session}` or pass --plan"
            )
        r = retro(ws, session, p)
    if as_json:
        print_json(r.as_dict())
        return
    t = Table("metric", "planned", "actual", "gap")
    for x in r.rows:
        t.add_row(
            x["label"],
            f"{x['planned']:,.2f}",
            f"{x['actual']:,.2f}",
            "not planned" if x["gap_pct"] is None else f"{x['gap_pct']:+.0f}%",
        )
    console.print(f"session {session} against plan {r.plan_id} ({r.currency})")
    console.print(t)
    console.print("largest gaps:\n" + "\n".join(f"  {g}" for g in r.largest))


@plan_app.command("evaluate")
def evaluate_cmd(
    seeds: int = typer.Option(20, help="simulated worlds"),
    scale: float = typer.Option(1.0, help="demo scale (1.0 = 150 sessions a world)"),
    future: int = typer.Option(12, help="new sessions played per world"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fitted curves and optimized split against the demo simulator's truth."""
    from livecart.evaluation.ads import evaluate

    r = evaluate(seeds=seeds, scale=scale, future=future)
    if as_json:
        print_json(r)
        return
    console.print(f"{seeds} simulated worlds, {future} new sessions each:")
    for k in ("gain_vs_262", "gain_vs_even"):
        console.print(
            f"  realised GMV {k.replace('_', ' ')}: {r[k + '_pct']:+.2f}% "
            f"(sd {r[k + '_sd_pct']:.2f} across seeds)"
        )
    console.print(
        f"  optimizer vs true optimum: shares within {r['optimum_share_distance_mean']:.3f}"
        f", GMV shortfall {r['optimum_gmv_shortfall_pct_mean']:.2f}%"
    )
    t = Table("parameter error", "mean", "mean |error|")
    for k, v in r["recovery_errors"].items():
        t.add_row(k, f"{v['mean']:+.3f}", f"{v['mean_abs']:.3f}")
    console.print(t)


@ads_app.command("split")
def split_cmd(
    path: Path = DIR,
    budget: float = typer.Option(..., help="session budget, USD"),
    objective: str = typer.Option("gmv", help="gmv, profit or roas"),
    margin: float = typer.Option(0.4, help="gross margin on GMV, for --objective profit"),
    roas_floor: float = typer.Option(2.0, help="lowest GMV/spend, for --objective roas"),
    extrapolate: bool = typer.Option(
        False, "--extrapolate", help="search splits outside past sessions' range too"
    ),
    seed: int = typer.Option(0),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fit the phase response curves and recommend a split of the budget (USD)."""
    from livecart.ads import fit_response, optimize_split, phase_history

    with Workspace.open(path, read_only=True) as ws:
        model = fit_response(phase_history(ws), seed=seed)
    s = optimize_split(
        model,
        budget,
        objective=objective,
        margin=margin,
        roas_floor=roas_floor,
        extrapolate=extrapolate,
    )
    if as_json:
        print_json(s.as_dict() | {"parameters": model.summary().to_dict("records")})
        return
    console.print(
        f"split pre-live/live/closing, shares of the budget: "
        f"{', '.join(f'{x:.0%}' for x in s.shares)}"
    )
    console.print(
        f"spends {s.spend_usd:,.2f} of the {s.budget_usd:,.2f} USD budget "
        f"({s.spend_usd / s.budget_usd:.0%}); {s.unspent_usd:,.2f} USD left unspent"
    )
    console.print(s.reason)
    for n in s.notes:
        console.print(f"  note: {n}")
    console.print(model.summary().round(3).to_string(index=False), markup=False)
