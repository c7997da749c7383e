"""Export command: write a workspace out as a lake (Parquet or Delta) for query_source."""

from __future__ import annotations

from pathlib import Path

import typer

from livecart.cli.app import app, console, err_console, print_json


@app.command("export")
def export(
    path: Path = typer.Argument(..., help="workspace folder"),
    target: str = typer.Argument(
        ...,
        help="lake folder (created if missing) or object-store URL (s3://bucket/prefix, gs://...)",
    ),
    delta: bool = typer.Option(
        False, "--delta", help="write Delta tables (<kind>/) instead of <kind>.parquet files"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON for scripts"),
) -> None:
    """Write a workspace out as a Parquet or Delta lake that query_source can read.

    One <kind>.parquet file per record kind (with --delta, one <kind>/ Delta
    table per kind), in a folder or at an object-store URL (credentials from the
    usual AWS_* variables). Timestamps in microseconds, which Spark 4 reads. On
    S3 a Parquet table over 5 GiB needs --delta (S3 renames up to 5 GiB).

    Then set query_source = "TARGET" in the workspace's livecart.toml (and
    query_engine = "spark" to run the analytics on Spark). Each table replaces
    the old one whole: run the export again to refresh the lake."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from livecart.model.schema import KINDS
    from livecart.store import Workspace
    from livecart.store.query import export_lake

    fmt = "delta" if delta else "parquet"
    with Workspace.open(path, read_only=True) as ws:
        counts = {k: ws.count(k) for k in KINDS}
        columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
        with Progress(*columns, console=err_console, transient=True, disable=as_json) as bar:
            task = bar.add_task(f"writing {fmt}", total=max(sum(counts.values()), 1))

            def wrote(name: str, rows: int) -> None:
                bar.update(task, advance=rows, description=f"wrote {name}")

            where = export_lake(ws, target, fmt=fmt, progress=wrote)
    if as_json:
        print_json({"lake": where, "format": fmt, "rows": counts})
        return
    console.print(
        f"wrote {sum(counts.values()):,} rows of {len(counts)} record kinds to {where} "
        f'({fmt}). Next: set query_source = "{where}" in {Path(path) / "livecart.toml"}',
        highlight=False,
        soft_wrap=True,
    )
