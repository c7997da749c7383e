"""Workspace commands: init and status."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from livecart.cli.app import app, console, print_json
from livecart.store import Workspace


@app.command()
def init(directory: Path = typer.Argument(..., help="folder to create the workspace in")) -> None:
    """Create an empty workspace (a folder holding livecart.duckdb)."""
    with Workspace.init(directory) as ws:
        console.print(
            f"workspace ready at [bold]{ws.path}[/bold]. Next: "
            f"`livecart import {ws.path} markets FILE`"
        )


@app.command()
def status(
    directory: Path = typer.Argument(..., help="workspace folder"),
    as_json: bool = typer.Option(False, "--json", help="print JSON for scripts"),
) -> None:
    """Print what a workspace holds: rows by record kind, their date ranges, and markets."""
    with Workspace.open(directory, read_only=True) as ws:
        st = ws.status()
    if as_json:
        print_json(st)
        return
    t = Table(title=f"workspace {st['path']}")
    for col in ("kind", "rows", "from", "to"):
        t.add_column(col, justify="right" if col == "rows" else "left")
    for name, e in st["kinds"].items():
        t.add_row(name, f"{e['rows']:,}", str(e.get("from") or ""), str(e.get("to") or ""))
    console.print(t)
    if st["markets"]:
        console.print(
            "markets: "
            + ", ".join(f"{m['market']} ({m['currency']}, {m['timezone']})" for m in st["markets"])
        )
    else:
        console.print("no markets yet: `livecart import DIR markets FILE`")
