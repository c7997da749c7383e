"""`livecart products rank|next|stages|evaluate`: product x market fit from test videos, what to
test next, the stage pipeline, and the model's scores against the demo's truth."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table

from livecart.cli.app import app, console, print_json
from livecart.cli.narrow import GIVES_WAY, id_width, narrow_table, show
from livecart.selection import (
    FitRules,
    allocate_tests,
    check_market,
    rank_products,
    score_workspace,
    split_evidence,
)
from livecart.selection.stages import confirm_transition, stage_board, stage_log
from livecart.store import Workspace

products_app = typer.Typer(
    help="Product testing and scale-up: rank products per market from test videos, plan the "
    "next tests, move products through stages.",
    no_args_is_help=True,
)
app.add_typer(products_app, name="products")

DIR = typer.Argument(..., help="workspace folder")


def _rules(threshold: float, lift: float, min_videos: int, min_views: int) -> FitRules:
    return FitRules(
        winner_threshold=threshold, winner_lift=lift, min_videos=min_videos, min_views=min_views
    )


def _records(df, cols: list[str]) -> list[dict]:
    out = df[cols].to_dict("records")
    for r in out:
        for key, v in r.items():
            if isinstance(v, float) and not math.isfinite(v):
                r[key] = None
    return out


RANK_COLS = [
    "market",
    "rank",
    "evidence",
    "sku_id",
    "product_name",
    "category",
    "currency",
    "n_videos",
    "views",
    "clicks",
    "orders",
    "ctr_mean",
    "ctr_lo",
    "ctr_hi",
    "ctor_mean",
    "ctor_lo",
    "ctor_hi",
    "gpm_mean",
    "gpm_lo",
    "gpm_hi",
    "benchmark_gpm",
    "p_beat",
    "p_top_k",
    "verdict",
    "views_to_settle",
    "videos_to_settle",
]


@products_app.command("rank")
def rank(
    directory: Path = DIR,
    market: str = typer.Option(None, "--market", help="one market code, e.g. US"),
    goal: str = typer.Option("gpm", "--goal", help="gpm, vto, ctr or ctor"),
    k: int = typer.Option(5, "--k", help="top k for P(top k)"),
    top: int = typer.Option(20, "--top", help="rows shown per market (JSON: all)"),
    threshold: float = typer.Option(0.8, help="P(beat) a winner needs"),
    lift: float = typer.Option(1.5, help="benchmark = lift x the category's typical product"),
    min_videos: int = typer.Option(2, help="test videos needed before a verdict"),
    min_views: int = typer.Option(2000, help="test views needed before a verdict"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Rank products per market by posterior GMV per 1,000 views, with 80% intervals."""
    with Workspace.open(directory, read_only=True) as ws:
        model = score_workspace(ws, _rules(threshold, lift, min_videos, min_views))
    check_market(model.cells_, market)
    r = rank_products(model, market=market, goal=goal, k=k)
    if as_json:
        print_json(_records(r, RANK_COLS))
        return
    for mk, g in r.groupby("market", sort=True):
        ranked, untested = split_evidence(g)
        show(console, _rank_table(ranked.head(top), mk, goal, k))
        if len(untested):
            names = ", ".join(
                f"{x.sku_id} {str(x.product_name)[:20]}" for x in untested.itertuples()
            )
            console.print(
                f"{mk}: {len(untested)} untested (no test videos, not ranked: their GPM would be "
                f"a category prior driven by price): {names}",
                highlight=False,
            )


def _rank_table(g, mk: str, goal: str, k: int) -> Table:
    """Fits 80 columns (piped output): SKU ids whole, money short (543k) in the currency the
    title names, long product names cut with an ellipsis."""
    from livecart.report.charts import compact

    currency = next((c for c in g["currency"] if c), "") if "currency" in g else ""
    money = f" in {currency}" if currency else ""
    t = narrow_table(
        f"{mk}: products by {goal.upper()}{money}, 80% interval, P(top {k})",
        (
            ("#", len(str(len(g))), "right"),
            ("SKU", id_width(g["sku_id"], "SKU"), "left"),
            ("product", GIVES_WAY, "left"),
            ("vids", 4, "right"),
            (goal.upper(), 4, "right"),
            ("80% int.", 9, "left"),
            ("P(beat)", 7, "right"),
            (f"P(top{k})", 7, "right"),
            ("verdict", 9, "left"),
            ("to settle", 9, "right"),
        ),
        caption="to settle: test views still needed for a verdict",
    )
    for row in g.itertuples():
        t.add_row(
            str(row.rank),
            row.sku_id,
            str(row.product_name),
            str(int(row.n_videos)),
            compact(row.gpm_mean),
            f"{compact(row.gpm_lo)}-{compact(row.gpm_hi)}",
            f"{row.p_beat:.2f}",
            f"{row.p_top_k:.2f}",
            row.verdict,
            _settle(row.views_to_settle, compact),
        )
    return t


def _settle(views: float, number=lambda v: f"{v:,.0f}") -> str:
    if views == 0:
        return "settled"
    return "> 5M" if not math.isfinite(views) else number(views)


@products_app.command("next")
def next_tests(
    directory: Path = DIR,
    videos: int = typer.Option(50, "--videos", help="new test videos (or KOC samples) to place"),
    market: list[str] = typer.Option(None, "--market", help="limit to these markets"),
    k: int = typer.Option(5, "--k", help="top k per market to identify"),
    seed: int = typer.Option(0, "--seed", help="random seed"),
    goal: str = typer.Option("top_k", "--goal", help="settle top_k, winners or both"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Split new test videos across products and markets (Thompson sampling), with reasons."""
    with Workspace.open(directory, read_only=True) as ws:
        model = score_workspace(ws)
    for m in market or []:
        check_market(model.cells_, m)
    plan = allocate_tests(model, videos, k=k, markets=market or None, seed=seed, goal=goal)
    cols = ["market", "sku_id", "product_name", "videos", "n_videos", "p_beat", "reason"]
    if as_json:
        print_json(_records(plan, cols))
        return
    t = Table(title=f"Where to place {videos} test videos")
    for col in ("market", "SKU", "product", "videos", "reason"):
        t.add_column(col)
    for row in plan.itertuples():
        t.add_row(row.market, row.sku_id, str(row.product_name)[:24], str(row.videos), row.reason)
    console.print(t)


@products_app.command("stages")
def stages(
    directory: Path = DIR,
    market: str = typer.Option(None, "--market", help="one market code"),
    apply: bool = typer.Option(False, "--apply", help="confirm every proposed move (auto)"),
    confirm: list[str] = typer.Option(None, "--confirm", help="confirm one move: SKU@MARKET"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """The stage board: where each product x market stands, and proposed moves."""
    with Workspace.open(directory, read_only=not (apply or confirm)) as ws:
        for item in confirm or []:
            sku, _, mk = item.partition("@")
            confirm_transition(ws, sku, mk, by="user")
        board = stage_board(ws, market=market, apply=apply)
        log = stage_log(ws, market=market)
    if as_json:
        print_json(board.as_dict())
        return
    console.print(_stage_table(board))
    if len(log):  # who put the confirmed stages there (the demo's history: its team's reviews)
        console.print(
            f"{len(log)} moves confirmed so far (by {', '.join(sorted(set(log['confirmed_by'])))}"
            f"), the last on {log['confirmed_at'].max():%Y-%m-%d}",
            highlight=False,
        )
    moves: dict[tuple[str, str], list[str]] = {}
    for c in board.cells:
        if c.proposed:
            moves.setdefault((c.stage, c.proposed), []).append(f"{c.sku_id}@{c.market}")
    for (a, b), names in sorted(moves.items(), key=lambda x: -len(x[1])):
        more = f" ... and {len(names) - 8} more" if len(names) > 8 else ""
        console.print(f"  {a} -> {b} ({len(names)}): {', '.join(names[:8])}{more}", highlight=False)
    console.print(
        f"{board.n_proposed} proposed moves, counted above at the stage their evidence "
        "supports; confirm with --confirm SKU@MARKET or --apply (--json lists every product "
        "with its reason)"
    )


def _se(v: float | None) -> str:
    return "n/a: one seed" if v is None else f"{v:.3f}"


def _stage_table(board) -> Table:
    t = Table(title="Stage board: products x markets per stage the evidence supports")
    for col in ("stage", "products", "of them proposed", "confirmed"):
        t.add_column(col)
    for stage, cells in board.columns().items():
        moved = sum(c.proposed is not None for c in cells)
        t.add_row(stage, str(len(cells)), str(moved) if moved else "-", str(len(cells) - moved))
    return t


@products_app.command("evaluate")
def evaluate(
    seeds: int = typer.Option(20, "--seeds", help="held-out demo seeds"),
    k: int = typer.Option(5, "--k", help="top k per market"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Score the model against the demo simulator's truth on held-out seeds.

    Precision at k and regret against a raw-rate ranking, calibration, and the test videos the
    allocation rule saves."""
    from livecart.evaluation.selection import evaluate_selection

    e = evaluate_selection(seeds=seeds, k=k)
    if as_json:
        print_json(e.as_dict())
        return
    t = Table(title=f"Product selection on {seeds} held-out demo seeds (k = {k})")
    for col in ("measure", "model", "naive raw rates"):
        t.add_column(col)
    t.add_row("precision at k", f"{e.precision_at_k:.3f}", f"{e.baseline_precision_at_k:.3f}")
    t.add_row("regret of the top k", f"{e.regret:.3f}", f"{e.baseline_regret:.3f}")
    t.add_row(
        "paired difference, precision (model - naive)",
        f"{e.precision_diff:+.3f} (SE {_se(e.precision_diff_se)})",
        "",
    )
    t.add_row(
        "paired difference, regret (model - naive)",
        f"{e.regret_diff:+.3f} (SE {_se(e.regret_diff_se)})",
        "",
    )
    t.add_row("winner precision", f"{e.winner_precision:.3f}", f"{e.baseline_winner_precision:.3f}")
    console.print(t)
    c = Table(title=f"Calibration of P(beat benchmark): error {e.calibration_error:.3f}")
    for col in ("P(beat) bin", "products", "mean P(beat)", "share truly winners"):
        c.add_column(col)
    for row in e.calibration:
        c.add_row(row["bin"], str(row["n"]), f"{row['predicted']:.3f}", f"{row['observed']:.3f}")
    console.print(c)
    need = e.videos_to_target
    console.print(
        f"Test allocation: extra videos to reach precision at k "
        f"{e.target_precision:.2f}: Thompson {need['thompson']:.0f}, uniform "
        f"{need['uniform']:.0f}; saving {e.test_videos_saved_pct:.1f}%"
    )
