"""The CLI starts light: command modules load only when their command runs, and the command list
read from their source is the one Typer builds from the imported modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
from typer.core import TyperGroup

from livecart.cli.app import app
from livecart.cli.lazy import LazyGroup, _listing, load_all

HEAVY = (
    "numba",
    "scipy",
    "duckdb",
    "pandas",
    "numpy",
    "pyarrow",
    "ibis",
    "pyspark",
    "livecart.live",
    "livecart.demo",
)


def _modules_after(code: str) -> list[str]:
    """Which heavy modules a fresh interpreter has loaded after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules)))"
    r = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        check=True,
    )
    loaded = set(json.loads(r.stdout.splitlines()[-1]))
    return sorted(m for m in HEAVY if m in loaded)


def _run_cli(*args: str) -> str:
    return (
        "import sys\nfrom livecart.cli import main\n"
        f"sys.argv = ['livecart', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )


def test_importing_the_cli_loads_no_numeric_or_storage_library():
    assert _modules_after("import livecart.cli") == []


def test_top_level_help_loads_no_command_module_dependency():
    assert _modules_after(_run_cli("--help")) == []


def test_status_loads_the_store_but_no_numeric_library(tmp_path):
    import livecart

    livecart.init(tmp_path / "w").close()
    assert _modules_after(_run_cli("status", str(tmp_path / "w"))) == ["duckdb"]


def test_listing_read_from_source_equals_the_imported_commands():
    entries, unread = _listing()
    assert unread == [], "these command modules' commands could not be read from source"
    real = load_all()
    ctx = click.Context(real)
    assert list(entries) == real.list_commands(ctx)
    for name, entry in entries.items():
        cmd = real.get_command(ctx, name)
        assert cmd is not None
        first = (cmd.help or "").split("\n\n")[0]
        assert (entry.help or "").split("\n\n")[0] == first, name
        assert entry.hidden == cmd.hidden, name
        assert entry.is_group == isinstance(cmd, TyperGroup), name


@pytest.mark.parametrize("args", [["plan", "--help"], ["live", "evaluate", "--help"]])
def test_a_command_runs_through_the_lazy_group(cli, args):
    r = cli.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "Usage" in r.output


def test_an_unknown_command_still_says_so(cli):
    r = cli.invoke(app, ["no-such-command"])
    assert r.exit_code == 2
    assert "No such command" in r.output


def test_the_top_level_group_is_the_lazy_one():
    import typer.main

    assert isinstance(typer.main.get_command(app), LazyGroup)
