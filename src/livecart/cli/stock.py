"""Stock commands: `livecart stock plan` (forecast and stock plan of a coming live, purchase order
CSV), `livecart stock replan` (how the plan moved as warm-up days passed) and
`livecart stock evaluate` (forecast and plan scored against the demo simulator)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from livecart.cli.app import app, console, print_json
from livecart.cli.narrow import GIVES_WAY, id_width, narrow_table, show
from livecart.stock import StockPlan, plan_stock, replan, save_plan
from livecart.stock.po import purchase_order_csv
from livecart.store import Workspace

stock_app = typer.Typer(
    help="Stock for a live: demand forecast and stock plan.", no_args_is_help=True
)
app.add_typer(stock_app, name="stock")


@stock_app.command("plan")
def plan_cmd(
    directory: Path = typer.Argument(..., help="workspace folder"),
    session: str = typer.Argument(..., help="session id of the coming live"),
    budget: float = typer.Option(
        None, "--budget", help="money for new orders, the reporting currency (USD by default)"
    ),
    capacity: float = typer.Option(None, "--capacity", help="most units held across the SKUs"),
    as_of: dt.datetime = typer.Option(
        None,
        "--as-of",
        help="plan as of this UTC time (default: now, or the start of a live already past)",
    ),
    csv: Path = typer.Option(None, "--csv", help="write the purchase order here as CSV"),
    save: bool = typer.Option(
        False,
        "--save",
        help="store the plan in the workspace so "
        "re-planning shows how it moved and the live monitor reads it",
    ),
    as_json: bool = typer.Option(False, "--json", help="print the plan as JSON"),
) -> None:
    """Forecast each SKU's demand and size its stock (newsvendor, budget, capacity)."""
    with Workspace.open(directory, read_only=not save) as ws:
        plan = plan_stock(ws, session, budget=budget, capacity=capacity, as_of=as_of)
        if save:
            save_plan(ws, plan)
    if csv:
        csv.write_text(purchase_order_csv(plan))
    if as_json:
        print_json(plan.model_dump(mode="json"))
        return
    render_plan(plan)
    if csv:
        console.print(f"purchase order written to {csv}")


def render_plan(plan: StockPlan) -> None:
    """Fits 80 columns (piped output): SKU ids whole, money short (1.2k) in the plan's currency,
    named in the title; long product names cut with an ellipsis."""
    from livecart.report.charts import compact

    cur = plan.currency
    t = narrow_table(
        f"Stock plan {plan.session_id} ({plan.market}), as of {plan.as_of:%Y-%m-%d %H:%M} UTC, "
        f"money in {cur}",
        (
            ("SKU", id_width([ln.sku_id for ln in plan.lines], "SKU"), "left"),
            ("product", GIVES_WAY, "left"),
            ("p10", 3, "right"),
            ("p50", 3, "right"),
            ("p90", 3, "right"),
            ("have", 4, "right"),
            ("target", 6, "right"),
            ("order", 5, "right"),
            ("order by", max([10] + [15 for ln in plan.lines if ln.order_late]), "left"),
            ("fill", 4, "right"),
            ("short", 5, "right"),
            ("leftover", 8, "right"),
        ),
        caption="p10-p90: units demanded (80% interval); money at risk: short = margin lost "
        "to stock-outs, leftover = cost of unsold units",
    )
    for ln in plan.lines:
        t.add_row(
            ln.sku_id,
            ln.name or "",
            f"{ln.p10:.0f}",
            f"{ln.p50:.0f}",
            f"{ln.p90:.0f}",
            str(ln.available),
            str(ln.target),
            str(ln.order_qty),
            ("LATE " if ln.order_late else "") + str(ln.latest_order_date or "-"),
            f"{ln.fill_rate:.0%}",
            compact(ln.money_at_risk_short),
            compact(ln.money_at_risk_leftover),
        )
    show(console, t)
    tot = plan.totals
    console.print(
        f"order {tot['order_qty']:.0f} units for {plan.budget_used:,.2f} {cur}; "
        f"expected short {tot['expected_short']:.0f}, left over "
        f"{tot['expected_leftover']:.0f}",
        highlight=False,
    )
    for n in plan.notes:
        console.print(f"- {n}", highlight=False)
    for ln in plan.lines:
        for f in ln.flags:
            console.print(f"  {ln.sku_id}: {f}", highlight=False, markup=False)


@stock_app.command("replan")
def replan_cmd(
    directory: Path = typer.Argument(..., help="workspace folder"),
    session: str = typer.Argument(..., help="session id"),
    days: str = typer.Option("3,2,1,0", "--days", help="days before the live to plan at"),
    budget: float = typer.Option(
        None, "--budget", help="money for new orders, the reporting currency (USD by default)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print as JSON"),
) -> None:
    """Plan at several days before the live and show how forecast and order moved."""
    try:
        steps = tuple(float(d) for d in days.split(","))
    except ValueError:
        raise typer.BadParameter("--days takes numbers separated by commas, e.g. 3,2,1,0") from None
    with Workspace.open(directory, read_only=True) as ws:
        r = replan(ws, session, steps, budget=budget)
    if as_json:
        print_json(r.model_dump(mode="json"))
        return
    t = Table(title=f"Re-planning {session}: p50 and order per plan")
    t.add_column("SKU")
    for s in r.steps:
        t.add_column(f"{s.as_of:%m-%d %H:%M}", justify="right")
    t.add_column("act")
    for m in r.moves:
        cells = [f"{s.p50.get(m.sku_id, 0):.0f} / {s.order_qty.get(m.sku_id, 0)}" for s in r.steps]
        t.add_row(m.sku_id, *cells, m.reason if m.act else "")
    console.print(t)


@stock_app.command("evaluate")
def evaluate_cmd(
    seeds: int = typer.Option(20, "--seeds", help="demo worlds to simulate (one per seed)"),
    scale: float = typer.Option(0.4, "--scale", help="size of each demo world"),
    first_seed: int = typer.Option(1, "--first-seed", help="first seed"),
    jobs: int = typer.Option(1, "--jobs", help="worker processes (seeds run in parallel)"),
    as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
) -> None:
    """Score the forecast and the plan on held-out simulated lives against two baselines."""
    from livecart.evaluation.stock import evaluate_stock

    if seeds < 1:
        raise typer.BadParameter("--seeds must be at least 1")
    if jobs < 1:
        raise typer.BadParameter("--jobs must be at least 1")
    ev = evaluate_stock(seeds=seeds, scale=scale, first_seed=first_seed, jobs=jobs)
    if as_json:
        print_json(ev.to_dict())
        return
    t = Table(title=f"Stock forecast on held-out lives ({seeds} seeds, scale {scale})")
    t.add_column("forecast")
    t.add_column("pinball loss (units)", justify="right")
    t.add_row("livecart model", f"{ev.pinball_loss:.2f}")
    for k, v in ev.baseline_pinball_loss.items():
        t.add_row(f"baseline: {k.replace('_', ' ')}", f"{v:.2f}")
    console.print(t)
    console.print(f"80% interval coverage: {ev.coverage_80:.1%} (target 75-85%)")
    console.print(
        f"realised cost saving vs stocking at the past average: {ev.cost_saving_pct:.1f}%"
    )
