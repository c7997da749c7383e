"""The CLI as a person meets it: help for every command, one-line errors, init and status."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer.main

from livecart.cli import app
from tests.conftest import invoke


def _command_names() -> list[str]:
    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_every_command_has_help_that_explains_it(cli):
    names = _command_names()
    assert {"init", "status"} <= set(names)
    for name in names:
        r = invoke(cli, name, "--help")
        assert r.exit_code == 0, name
        assert "Usage" in r.output and len(r.output) > 200, name


def test_entry_point_runs_as_installed():
    r = subprocess.run([sys.executable, "-m", "livecart", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "livecart" in r.stdout


def test_error_is_one_line_and_exit_code_one(tmp_path):
    # A long message (the path appears three times) with a '[' Rich would read as markup, and
    # stderr is not a terminal: Rich must neither wrap it at 80 columns nor eat "[b]".
    missing = tmp_path / ("a long folder name [b] " * 4).strip() / "none"
    r = subprocess.run(
        [sys.executable, "-m", "livecart", "status", str(missing)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert len(lines[0]) > 300
    assert lines[0].startswith("error: no livecart workspace at ")
    assert f"livecart init {missing}`" in lines[0]


@pytest.mark.parametrize("as_json", [False, True])
def test_init_then_status(cli, tmp_path, as_json):
    d = tmp_path / "w"
    assert invoke(cli, "init", d).exit_code == 0
    r = invoke(cli, "status", d, *(["--json"] if as_json else []))
    assert r.exit_code == 0
    if as_json:
        st = json.loads(r.output)
        assert st["kinds"]["orders"]["rows"] == 0
        assert set(st["kinds"]) >= {
            "markets",
            "products",
            "creators",
            "videos",
            "sessions",
            "live_minutes",
            "session_products",
            "orders",
            "ad_spend",
            "inventory",
            "buyers",
        }
    else:
        assert "orders" in r.output and "no markets yet" in r.output
