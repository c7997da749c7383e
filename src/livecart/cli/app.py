"""The Typer app every command module registers on, and the one place CLI errors are mapped:
a LivecartError prints one line (or its problem list) and exits 1."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from livecart.cli.lazy import LazyGroup
from livecart.errors import ImportRejected, LivecartError

app = typer.Typer(
    name="livecart",
    help="livecart: plan, monitor and learn from TikTok Shop lives.\n\n"
    "Start with `livecart demo` to build a demo workspace and open its dashboard, or "
    "`livecart init DIR` and `livecart import DIR KIND FILE` for your own data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


@app.callback()
def _root() -> None:
    # A group callback, so Typer builds the (lazy) group before any command module is imported.
    pass


console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Machine-readable output for `--json`: plain JSON on stdout, nothing else."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def print_error(message: str) -> None:
    """One line on stderr, however long and whatever it holds: never wrapped at the console's
    width (80 columns when not a terminal) and never read as Rich markup (a '[' in a path)."""
    err_console.print(Text.assemble(("error:", "red"), " ", message), soft_wrap=True)


def run() -> None:
    try:
        app()
    except ImportRejected as e:
        print_error(str(e).splitlines()[0])
        for p in e.problems:
            err_console.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(1)
    except LivecartError as e:
        print_error(str(e))
        sys.exit(1)
