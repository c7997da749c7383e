"""The `livecart` command. Each module below registers its commands on one Typer app; each
command parses input, calls one core function and renders the result."""

from livecart.cli import workspace  # noqa: F401  (registers commands)
from livecart.cli.app import app, run

for _module in ("ingest", "serve", "demo", "live", "products", "stock", "plan", "sources"):
    try:
        __import__(f"livecart.cli.{_module}")
    except ModuleNotFoundError as _e:  # a command module not written yet
        if _e.name != f"livecart.cli.{_module}":
            raise


def main() -> None:
    run()


__all__ = ["app", "main"]
