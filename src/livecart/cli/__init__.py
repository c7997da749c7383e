"""The `livecart` command. Each module below registers its commands on one Typer app; each
command parses input, calls one core function and renders the result.

Command modules are imported only when one of their commands runs (livecart.cli.lazy): list a new
module here, one name, and keep its heavy imports inside the command functions."""

from livecart.cli.app import app, run
from livecart.cli.lazy import add_command_modules

add_command_modules(
    app,
    "workspace",
    "ingest",
    "serve",
    "demo",
    "live",
    "products",
    "stock",
    "session_plans",
    "live_sources",
    "hosts",
    "users",
    "fans",
    "export",
)


def main() -> None:
    import sys

    from livecart.cli.forward import forward

    code = forward(sys.argv[1:])  # a workspace a running server owns: the server runs it
    if code is not None:
        sys.exit(code)
    run()


__all__ = ["app", "main"]
