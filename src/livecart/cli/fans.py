"""Fans commands: `livecart fans funnel|value|segments|export|evaluate`: the private-domain
funnel, what each buyer is worth (BG/NBD + Gamma-Gamma), CRM segments and their export, and the
models scored against the demo simulator."""

from __future__ import annotations

from pathlib import Path

import typer

from livecart.cli.app import app, console, print_json

fans_app = typer.Typer(
    help="Fans: funnel from viewers to fans, customer value, segments, audience export.",
    no_args_is_help=True,
)
app.add_typer(fans_app, name="fans")


def _load(directory: Path):
    from livecart.fans.purchases import load_purchases
    from livecart.store import Workspace

    ws = Workspace.open(directory, read_only=True)
    return ws, load_purchases(ws)


@fans_app.command("funnel")
def funnel_cmd(
    directory: Path = typer.Argument(..., help="workspace folder"),
    by: str = typer.Option(
        "live",
        "--by",
        help="live, host, product (audience shared by pinned minutes), market or week (the trend)",
    ),
    top: int = typer.Option(30, "--top", help="rows to show (most new followers per 1,000)"),
    as_json: bool = typer.Option(False, "--json", help="print every row as JSON"),
) -> None:
    """Viewers -> new followers -> fan-club joins -> first purchase -> repeat within 30/90 days,
    with 80% Wilson intervals; sorted by new followers per 1,000 viewers (by week: in time
    order, the trend)."""
    from livecart.fans.funnel import funnel

    ws, p = _load(directory)
    with ws:
        f = funnel(ws, p, by)
    if as_json:
        print_json(f.reset_index().to_dict("records"))
        return
    if f.empty:
        console.print(
            f"No funnel by {by} yet: it starts from lives' viewers, and this workspace has no "
            "lives. Import your LIVE list (livecart import DIR sessions FILE) or run a live "
            "through `livecart monitor` or `livecart tiktok`."
        )
        return
    from rich.table import Table

    t = Table(title=f"Private-domain funnel by {by}")
    for c in ("", "viewers", "followers", "fan club", "first buys", "repeat 90d", "fans/1k"):
        t.add_column(c)
    for key, r in f.head(top).iterrows():
        rep = r["repeat_90_rate"]
        t.add_row(
            str(key),
            f"{r['viewers']:,.0f}",
            f"{r['new_followers']:,.0f}",
            f"{r['fan_club_joins']:,.0f}",
            f"{r['first_purchases']:,.0f}",
            "-"
            if rep != rep
            else f"{rep:.0%} ({r['repeat_90_rate_lo']:.0%}-{r['repeat_90_rate_hi']:.0%})",
            f"{r['fans_per_1000_viewers']:.1f}",
        )
    console.print(t)


@fans_app.command("value")
def value_cmd(
    directory: Path = typer.Argument(..., help="workspace folder"),
    horizon: int = typer.Option(52, "--horizon", help="weeks ahead to value"),
    discount: float = typer.Option(0.10, "--discount", help="annual discount rate"),
    as_json: bool = typer.Option(False, "--json", help="print models and uplift as JSON"),
) -> None:
    """Fit BG/NBD (follower and fan-club covariates) and Gamma-Gamma; show the parameters with
    95% intervals and what following and the fan club are worth (naive vs adjusted)."""
    from livecart.fans.value_report import value_report

    ws, p = _load(directory)
    with ws:
        out = value_report(p, horizon, discount)
    uplift, currency = out["uplift"], out["currency"]
    if as_json:
        print_json(out)
        return
    console.print(
        f"{out['buyers']:,} buyers, expected value over {horizon} weeks "
        f"{out['total_value']:,.0f} {currency}"
    )
    for r in out["purchases"] + (out["spend"] or []):
        console.print(
            f"  {r['parameter']:<24} {r['estimate']:.3f}  ({r['lower']:.3f}-{r['upper']:.3f})"
        )
    for kind, u in uplift.items():
        if "error" in u:
            console.print(f"{kind}: {u['error']}")
            continue
        console.print(
            f"{kind}: naive {u['naive']:+.0%}  adjusted {u['adjusted']:+.0%} "
            f"(80%: {u['adjusted_interval'][0]:+.0%} to {u['adjusted_interval'][1]:+.0%}) "
            f"purchases in the {u['window_weeks']} weeks after joining, {u['joins']} joins"
        )
    for n in out["notes"]:
        console.print(f"note: {n}")


@fans_app.command("segments")
def segments_cmd(
    directory: Path = typer.Argument(..., help="workspace folder"),
    as_json: bool = typer.Option(False, "--json", help="print as JSON"),
) -> None:
    """CRM segments with size, value (80% interval) and a suggested action."""
    from livecart.fans.segments import assign_segments, segment_table
    from livecart.fans.value import fit_value

    ws, p = _load(directory)
    with ws:
        vm = fit_value(p)
    t = segment_table(vm, assign_segments(vm, p.end_day))
    if as_json:
        print_json(t.to_dict("records"))
        return
    for r in t.itertuples():
        console.print(
            f"{r.segment:<26} {r.buyers:>7,} buyers  value {r.value:>12,.0f} {vm.currency} "
            f"(80%: {r.value_lo:,.0f}-{r.value_hi:,.0f})  -> {r.action}"
        )


@fans_app.command("export")
def export_cmd(
    directory: Path = typer.Argument(..., help="workspace folder"),
    segment: str = typer.Argument(..., help="segment name (see `livecart fans segments`)"),
    out: Path = typer.Option(..., "--out", help="file to write"),
    fmt: str = typer.Option("tiktok", "--format", help="tiktok (customer file) or crm (CSV)"),
    contacts: Path = typer.Option(
        None, "--contacts", help="CSV with buyer_id and email and/or phone, hashed for TikTok"
    ),
) -> None:
    """Write a segment as a TikTok Ads customer-file audience (SHA-256 of email or phone, else
    buyer ids; at least 1,000 rows) or as a CRM CSV."""
    from livecart.fans.segments import assign_segments, crm_csv, read_contacts, tiktok_audience
    from livecart.fans.value import fit_value

    c = read_contacts(contacts, str(contacts)) if contacts else None
    ws, p = _load(directory)
    with ws:
        vm = fit_value(p)
    segs = assign_segments(vm, p.end_day)
    text = (tiktok_audience if fmt == "tiktok" else crm_csv)(vm, segs, segment, c)
    out.write_text(text)
    console.print(f"{text.count(chr(10)) - 1:,} rows of {segment} written to {out}")


@fans_app.command("evaluate")
def evaluate_cmd(
    seeds: int = typer.Option(3, "--seeds", help="held-out demo seeds to build and score"),
    scale: float = typer.Option(0.3, "--scale", help="demo size"),
    as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
) -> None:
    """Score the fans models against the demo simulator's truth: parameter errors, naive vs
    adjusted uplift against the true effect, and the holdout error of repeat purchases."""
    from livecart.evaluation.fans import evaluate

    r = evaluate(seeds=seeds, scale=scale)
    if as_json:
        print_json(r)
        return
    for k, v in r["param_error"].items():
        console.print(f"{k:<24} {v:+.1%}")
    u = r["uplift"]
    console.print(
        f"follow uplift: naive {u['naive']:+.0%}, adjusted {u['adjusted']:+.0%}, true "
        f"{u['true']:+.0%}, 80% coverage {u['coverage_80']:.0%}"
    )
    h = r["holdout"]
    console.print(
        f"39-week holdout error {r['holdout_error']:+.1%} with the joins still to come "
        f"({h['39_weeks.status_at_cutoff']:+.1%} with status fixed at the cutoff); "
        f"demo's last 13 weeks {h['demo_13_weeks.with_joins']:+.1%}"
    )
