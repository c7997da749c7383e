"""Command modules imported only when one of their commands runs.

`livecart --help` lists every command with its one-line help, but importing every command module
to learn them would load numpy, pandas, scipy, numba and the monitor for any command (4 s before
`livecart status` did anything). So the top-level group reads each command module's *source*
(`ast`, a few milliseconds) for the commands it registers and their help, shows those without
importing anything, and imports a module only when one of its commands is invoked (or asked for
its own --help). A command module therefore needs nothing special: `@app.command()` and
`app.add_typer(sub_app, name=...)` with a literal help or a docstring, as before.

If the source reading misses something (a command name computed at run time), nothing breaks:
a module whose commands cannot be read is imported when the list is shown, and a name not found
imports every module before Click says "no such command". tests/cli/test_lazy.py checks that the
listing read from source equals the one Typer builds after importing everything.
"""

from __future__ import annotations

import ast
import functools
import importlib
from dataclasses import dataclass
from pathlib import Path

import click
import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

PACKAGE = "livecart.cli"
_HERE = Path(__file__).parent

# Filled by add_command_modules(): the Typer app the modules register on, and the modules in
# the order their commands are listed.
_app: typer.Typer | None = None
_modules: list[str] = []


@dataclass(frozen=True)
class CommandEntry:
    """One top-level command (or sub-app) as read from a command module's source."""

    name: str
    module: str
    help: str | None
    is_group: bool
    hidden: bool = False
    panel: str | None = None


def add_command_modules(app: typer.Typer, *modules: str) -> None:
    """Register the modules of livecart.cli whose commands `app` lists and imports on use."""
    global _app
    _app = app
    _modules.extend(m for m in modules if m not in _modules)


def _text(node: ast.expr | None, names: dict[str, ast.expr]) -> str | None:
    """The string a help expression starts with, as far as it is literal: enough for the
    first paragraph, which is all the command list shows."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return _text(names[node.id], names)
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                break
            out.append(part.value)
        return "".join(out) or None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _text(node.left, names)
        if left is None:
            return None
        right = _text(node.right, names)
        return left + right if right is not None else left
    return None


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg}


def _literal(node: ast.expr | None, default: object = None) -> object:
    try:
        return ast.literal_eval(node) if node is not None else default
    except ValueError:
        return default


def _is_app_call(node: ast.expr, attr: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == attr
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "app"
    )


@functools.cache
def read_module(module: str) -> list[CommandEntry] | None:
    """The commands `livecart.cli.<module>` registers on `app`, in Typer's listing order
    (commands first, then sub-apps), read from its source; None if the source is missing or
    holds no command this reader understands."""
    path = _HERE / f"{module}.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError):
        return None
    names: dict[str, ast.expr] = {}
    commands: list[CommandEntry] = []
    groups: list[CommandEntry] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            if isinstance(stmt.targets[0], ast.Name):
                names[stmt.targets[0].id] = stmt.value
        elif isinstance(stmt, ast.FunctionDef):
            for deco in stmt.decorator_list:
                if not _is_app_call(deco, "command"):
                    continue
                kw = _keywords(deco)  # type: ignore[arg-type]
                args = deco.args  # type: ignore[attr-defined]
                name = _literal(args[0] if args else kw.get("name"))
                commands.append(
                    CommandEntry(
                        name=str(name or stmt.name.lower().replace("_", "-")),
                        module=module,
                        help=_text(kw.get("help"), names) or ast.get_docstring(stmt),
                        is_group=False,
                        hidden=bool(_literal(kw.get("hidden"), False)),
                        panel=_literal(kw.get("rich_help_panel")),  # type: ignore[arg-type]
                    )
                )
        elif isinstance(stmt, ast.Expr) and _is_app_call(stmt.value, "add_typer"):
            call = stmt.value
            assert isinstance(call, ast.Call)
            kw = _keywords(call)
            name = _literal(kw.get("name"))
            sub = names.get(call.args[0].id) if isinstance(call.args[0], ast.Name) else None
            sub_kw = _keywords(sub) if isinstance(sub, ast.Call) else {}
            if not isinstance(name, str):
                return None
            groups.append(
                CommandEntry(
                    name=name,
                    module=module,
                    help=_text(kw.get("help"), names) or _text(sub_kw.get("help"), names),
                    is_group=True,
                    hidden=bool(_literal(kw.get("hidden") or sub_kw.get("hidden"), False)),
                    panel=_literal(kw.get("rich_help_panel") or sub_kw.get("rich_help_panel")),  # type: ignore[arg-type]
                )
            )
    return (commands + groups) or None


def _placeholder(entry: CommandEntry) -> click.Command:
    """What the command list shows for a command whose module is not imported yet."""
    cls = TyperGroup if entry.is_group else TyperCommand
    return cls(name=entry.name, help=entry.help, hidden=entry.hidden, rich_help_panel=entry.panel)


def _listing() -> tuple[dict[str, CommandEntry], list[str]]:
    """Every registered module's commands read from source, and the modules that could not be
    read (imported when the list is shown)."""
    key = tuple(_modules)
    if key not in _read:
        entries: dict[str, CommandEntry] = {}
        unread: list[str] = []
        for module in key:
            found = read_module(module)
            if found is None:
                unread.append(module)
            for e in found or []:
                entries.setdefault(e.name, e)
        # Typer lists commands first, then sub-apps, each in registration order.
        ordered = sorted(entries.values(), key=lambda e: e.is_group)
        _read[key] = ({e.name: e for e in ordered}, unread)
    return _read[key]


_read: dict[tuple[str, ...], tuple[dict[str, CommandEntry], list[str]]] = {}


def _module_of(name: str) -> str | None:
    """The registered module whose source declares command ``name``, if any."""
    for module in _modules:
        if any(e.name == name for e in read_module(module) or []):
            return module
    return None


class LazyGroup(TyperGroup):
    """The top-level `livecart` group: lists every command module's commands from their source
    and imports a module when one of its commands is resolved."""

    def _load_module(self, module: str) -> None:
        try:
            importlib.import_module(f"{PACKAGE}.{module}")
        except ModuleNotFoundError as e:  # a command module not written yet
            if e.name != f"{PACKAGE}.{module}":
                raise
            return
        if _app is not None:
            built = typer.main.get_group(_app)
            for name, cmd in built.commands.items():
                self.commands.setdefault(name, cmd)

    def list_commands(self, ctx: click.Context) -> list[str]:
        entries, unread = _listing()
        for module in unread:
            self._load_module(module)
        return list(entries) + [n for n in self.commands if n not in entries]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = self.commands.get(cmd_name)
        entries, _ = _listing()
        if cmd is None and cmd_name in entries:
            return _placeholder(entries[cmd_name])
        return cmd

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else None
        if name is not None and name not in self.commands:
            module = _module_of(name)  # reads sources only up to the one that has it
            for m in [module] if module else list(_modules):
                self._load_module(m)
        return super().resolve_command(ctx, args)


def load_all() -> TyperGroup:
    """The top-level group with every command module imported (for tests and docs tools)."""
    for module in _modules:
        importlib.import_module(f"{PACKAGE}.{module}")
    assert _app is not None, "no command modules registered"
    return typer.main.get_group(_app)
