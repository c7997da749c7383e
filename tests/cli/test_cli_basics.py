"""The CLI as a person meets it: help for every command, one-line errors, init and status."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import pytest

from livecart.cli.lazy import load_all
from tests.conftest import invoke


def _command_names() -> list[str]:
    return sorted(load_all().commands)


def test_every_command_has_help_that_explains_it(cli):
    names = _command_names()
    assert {"init", "status"} <= set(names)
    for name in names:
        r = invoke(cli, name, "--help")
        assert r.exit_code == 0, name
        assert "Usage" in r.output and len(r.output) > 200, name


def _command_summaries(help_text: str) -> list[tuple[str, str]]:
    """(name, text) for each row of the Commands panel; a row whose name cell is empty continues
    the summary above it."""
    panel = help_text.split("Commands")[1].split("\u2570")[0]
    rows = []
    for line in panel.splitlines()[1:]:
        cells = line.strip().strip("\u2502").rstrip()
        if cells.strip():
            name, _, text = cells[1:].partition(" ")
            rows.append((name, text.strip()))
    return rows


def test_top_level_help_shows_each_command_as_one_whole_sentence():
    # Wide enough that Rich never wraps: any second line of a summary is a newline that leaked
    # from a docstring's first paragraph.
    r = subprocess.run(
        [sys.executable, "-m", "livecart", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "400", "TERMINAL_WIDTH": "400"},
    )
    assert r.returncode == 0
    rows = _command_summaries(r.stdout)
    assert {n for n, _ in rows} >= {"init", "status", "import", "demo", "monitor", "worker"}
    for name, text in rows:
        assert name, f"a summary runs onto a second line: {text!r}"
        assert text.endswith("."), f"{name}: summary {text!r} is cut mid-sentence"
    for name, cmd in load_all().commands.items():
        first = inspect.cleandoc(cmd.help or "").split("\n\n")[0]
        assert "\n" not in first, f"{name}: first paragraph of its help spans lines"


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
