"""Run a CLI command inside the server that owns the workspace, for a CLI client on the same
machine (``livecart.cli.forward`` sends it; the route is ``POST /api/local/cli``).

The command runs in this process exactly as it would alone, with three differences that keep
its output the client's: ``Workspace.open`` of the served folder returns the server's own open
workspace (``livecart.store.workspace.lend``: one writer, no lock conflict); relative paths on
the command line are read from the client's working directory; and what it prints (Rich
consoles, ``print``, ``typer.echo``) goes to the client, at the client's width and colours.

Paths are passed, not uploaded: the client and the server run on one machine as one user (only
that user can read the token in the advertisement), so the server reading the client's files
grants nothing the client did not have, and a 1 GB import is not copied through a socket.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from rich.console import Console

from livecart.cli.app import app, client_consoles, run_argv
from livecart.store import Workspace
from livecart.store.workspace import lend

Write = Callable[[str, str], None]  # (stream "out" or "err", text)
_SINK: ContextVar[Write | None] = ContextVar("client_sink", default=None)
_install_lock = threading.Lock()


def run_for_client(ws: Workspace, request: dict[str, Any], write: Write) -> int:
    """Run ``request["argv"]`` against ``ws`` and return its exit code; output goes to
    ``write(stream, text)``. ``request`` also holds ``cwd`` (the client's working directory),
    ``prog_name``, and per stream (``out``, ``err``) the client console's ``width`` and
    ``color_system`` (None: no colour)."""
    argv = [str(a) for a in request["argv"]]
    cwd = str(request.get("cwd") or ws.path)
    _route_std_streams()
    out = _console(write, "out", request.get("out") or {})
    err = _console(write, "err", request.get("err") or {})
    token = _SINK.set(write)
    try:
        with lend(ws), client_consoles(out, err):
            return run_argv(absolute_paths(argv, cwd), prog_name=request.get("prog_name"))
    finally:
        _SINK.reset(token)


def absolute_paths(argv: list[str], cwd: str) -> list[str]:
    """``argv`` with every relative value of a path parameter made absolute under ``cwd``.
    Which values are paths is read from the command's own parameters (a resilient parse), so a
    SKU or a kind named like a file in ``cwd`` stays as it is."""
    paths = {str(p) for p in _path_values(argv) if not p.is_absolute()}
    if not paths:
        return argv

    def fix(token: str) -> str:
        if token.startswith("-") and "=" in token:
            name, _, value = token.partition("=")
            return f"{name}={fix(value)}" if value else token
        return os.path.join(cwd, token) if str(Path(token)) in paths and token != "-" else token

    return [fix(t) for t in argv]


def _path_values(argv: list[str]) -> list[Path]:
    import typer.main

    found: list[Path] = []
    cmd: Any = typer.main.get_command(app)
    args, parent = list(argv), None
    try:
        while cmd is not None:
            ctx = cmd.make_context(cmd.name, args, parent=parent, resilient_parsing=True)
            for v in ctx.params.values():
                found += [x for x in (v if isinstance(v, list | tuple) else [v]) if _is_path(x)]
            rest = list(getattr(ctx, "_protected_args", [])) + list(ctx.args)
            if not hasattr(cmd, "resolve_command") or not rest:
                break
            _, cmd, args = cmd.resolve_command(ctx, rest)
            parent = ctx
    except Exception:  # noqa: BLE001 - a bad command line: the real run reports it
        pass
    return found


def _is_path(v: object) -> bool:
    return isinstance(v, Path)


def _console(write: Write, stream: str, opts: dict[str, Any]) -> Console:
    return Console(
        file=_ClientFile(write, stream),
        width=int(opts.get("width") or 80),
        color_system=opts.get("color_system"),
        force_terminal=False,  # no live redraws: they would swap sys.stdout for every thread
        legacy_windows=False,
    )


class _ClientFile:
    """A text file whose writes go to the client."""

    encoding = "utf-8"

    def __init__(self, write: Write, stream: str) -> None:
        self._write, self._stream = write, stream

    def write(self, text: str) -> int:
        self._write(self._stream, text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class _ThreadStream:
    """Installed as ``sys.stdout`` / ``sys.stderr`` of a server: writes from a thread running a
    client's command go to that client, every other write to the original stream."""

    def __init__(self, original: Any, stream: str) -> None:
        self._original, self._stream = original, stream

    def write(self, text: str) -> int:
        sink = _SINK.get()
        if sink is None:
            return self._original.write(text)
        sink(self._stream, text)
        return len(text)

    def flush(self) -> None:
        if _SINK.get() is None:
            self._original.flush()

    def isatty(self) -> bool:
        return False if _SINK.get() is not None else self._original.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


def _route_std_streams() -> None:
    with _install_lock:
        if not isinstance(sys.stdout, _ThreadStream):
            sys.stdout = _ThreadStream(sys.stdout, "out")
        if not isinstance(sys.stderr, _ThreadStream):
            sys.stderr = _ThreadStream(sys.stderr, "err")
