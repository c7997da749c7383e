"""The Typer app every command module registers on, and the one place CLI errors are mapped:
a LivecartError prints one line (or its problem list) and exits 1.

``console`` and ``err_console`` are the terminal's, except while a server runs a command for a
CLI client (``livecart.cli.in_server``): then they are consoles of the client's width and
colours writing to that client."""

from __future__ import annotations

import contextlib
import contextvars
import gc
import json
import sys
from collections.abc import Iterator
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from livecart.cli.lazy import LazyGroup
from livecart.errors import ImportRejected, LivecartError


def _flags_take_no_value() -> None:
    """Typer 0.2x prints a flag's type in help (`--json <bool>`), as if it took a value; a flag
    takes none, so livecart's help shows `--json` alone (issue #17)."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "livecart", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.livecart = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_take_no_value()
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


_CLIENT: contextvars.ContextVar[tuple[Console, Console] | None] = contextvars.ContextVar(
    "client_consoles", default=None
)


class _Console:
    """A Rich console that is the client's while a server runs a command for it (``client``),
    the process's own otherwise."""

    def __init__(self, own: Console, index: int) -> None:
        self._own, self._index = own, index

    def _current(self) -> Console:
        client = _CLIENT.get()
        return self._own if client is None else client[self._index]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._current(), name)

    def __enter__(self) -> Console:  # Rich's Live and Progress hold the console this way
        return self._current().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._current().__exit__(*exc)


console: Console = _Console(Console(), 0)  # type: ignore[assignment]
err_console: Console = _Console(Console(stderr=True), 1)  # type: ignore[assignment]


@contextlib.contextmanager
def client_consoles(out: Console, err: Console) -> Iterator[None]:
    """``console`` and ``err_console`` are ``out`` and ``err`` inside this block (this thread)."""
    token = _CLIENT.set((out, err))
    try:
        yield
    finally:
        _CLIENT.reset(token)


def print_json(data: Any) -> None:
    """Machine-readable output for `--json`: plain JSON on stdout, nothing else."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def print_error(message: str) -> None:
    """One line on stderr, however long and whatever it holds: never wrapped at the console's
    width (80 columns when not a terminal) and never read as Rich markup (a '[' in a path)."""
    err_console.print(Text.assemble(("error:", "red"), " ", message), soft_wrap=True)


def run() -> None:
    code = run_argv(sys.argv[1:])
    # Python's exit walks every object still alive in search of cycles; once NumPy, pandas and
    # numba are loaded that walk alone takes about 0.2 CPU-s (a tenth of a 1M-event `livecart
    # monitor --replay`). Frozen objects are left out of it; the exit is otherwise the same.
    gc.freeze()
    sys.exit(code)


def run_argv(argv: list[str], prog_name: str | None = None) -> int:
    """Run one command line and return its exit code; the one place errors become output."""
    import typer.main

    try:
        typer.main.get_command(app).main(args=argv, prog_name=prog_name, standalone_mode=True)
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        print_error(str(e.code))  # sys.exit("message"): say it, as Python would
        return 1
    except ImportRejected as e:
        print_error(str(e).splitlines()[0])
        for p in e.problems:
            err_console.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
        return 1
    except LivecartError as e:
        print_error(str(e))
        return 1
    return 0
