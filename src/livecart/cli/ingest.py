"""`livecart import DIR KIND FILE`: one file of one record kind into a workspace."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from livecart.cli.app import app, console, err_console, print_json
from livecart.ingest import import_file
from livecart.model.schema import KINDS, LOAD_ORDER
from livecart.store import Workspace

_KINDS_HELP = "\n\n".join(f"[bold]{k.name}[/bold]: {k.help}" for k in KINDS.values())


@app.command(
    name="import",
    help=(
        "Import one CSV, XLSX or Parquet file of one record kind into a workspace.\n\n"
        "Columns may carry livecart's own names or TikTok Shop Seller Center export headers "
        "(case and spaces do not matter): the Seller Center order export (OrderSKUList) imports "
        "as `orders` and the LIVE list export as `sessions`, unedited. Every problem is listed "
        "with its row and column, and nothing is written unless the whole file is valid. "
        "Importing the same file again changes nothing.\n\n"
        f"Import in this order so references exist: {', '.join(LOAD_ORDER)}.\n\n"
        "Kinds (columns in docs/data.md):\n\n" + _KINDS_HELP
    ),
    rich_help_panel=None,
)
def import_(
    directory: Path = typer.Argument(..., help="workspace folder (see `livecart init`)"),
    kind: str = typer.Argument(..., help=f"record kind: {', '.join(KINDS)}"),
    file: Path = typer.Argument(..., help="CSV (UTF-8), XLSX or Parquet file"),
    timezone: str = typer.Option(
        None,
        "--timezone",
        help="IANA time zone of times written without an offset, e.g. Asia/Jakarta. Seller "
        "Center exports use the shop's local time: pass its zone. Without it they are read as UTC.",
    ),
    market: str = typer.Option(
        None, "--market", help="market of every row, for files without a market/Country column"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON for scripts"),
) -> None:
    with Workspace.open(directory) as ws:
        with _progress_bar(file.name, quiet=as_json) as update:
            result = import_file(ws, kind, file, progress=update, timezone=timezone, market=market)
    if as_json:
        print_json(asdict(result))
        return
    console.print(result.summary(), highlight=False)
    for note in result.notes:
        err_console.print(f"  note: {note}", highlight=False)


@contextlib.contextmanager
def _progress_bar(name: str, quiet: bool) -> Iterator[Callable[[int, int | None], None]]:
    """A Rich progress bar (on stderr) fed by the importer's (done, total) callback."""
    bar = Progress(
        TextColumn(f"importing {name}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet,
    )
    task = bar.add_task("import", total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)
