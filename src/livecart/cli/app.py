"""The Typer app every command module registers on, and the one place CLI errors are mapped:
a LivecartError prints one line (or its problem list) and exits 1."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

from livecart.errors import ImportRejected, LivecartError

app = typer.Typer(
    name="livecart",
    help="livecart: plan, monitor and learn from TikTok Shop lives.\n\n"
    "Start with `livecart demo` to build a demo workspace and open its dashboard, or "
    "`livecart init DIR` and `livecart import DIR KIND FILE` for your own data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Machine-readable output for `--json`: plain JSON on stdout, nothing else."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def run() -> None:
    try:
        app()
    except ImportRejected as e:
        err_console.print(f"[red]error:[/red] {str(e).splitlines()[0]}", highlight=False)
        for p in e.problems:
            err_console.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(1)
    except LivecartError as e:
        err_console.print(f"[red]error:[/red] {e}", highlight=False)
        sys.exit(1)
