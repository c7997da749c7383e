"""`livecart import` as a person uses it: a summary line, every problem on rejection, exit 1."""

from __future__ import annotations

import json

import livecart
from tests.conftest import invoke
from tests.ingest.conftest import write


def test_import_prints_a_summary_and_json(cli, tmp_path, fixtures):
    d = tmp_path / "ws"
    livecart.init(d).close()
    r = invoke(cli, "import", d, "markets", fixtures / "markets.csv")
    assert r.exit_code == 0 and "2 markets rows written" in r.stdout
    r = invoke(cli, "import", d, "products", fixtures / "products.csv", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["rows_written"] == 3
    r = invoke(
        cli,
        "import",
        d,
        "orders",
        fixtures / "OrderSKUList.csv",
        "--timezone",
        "America/Los_Angeles",
    )
    assert r.exit_code == 0 and "4 orders rows written" in r.stdout
    r = invoke(
        cli,
        "import",
        d,
        "orders",
        fixtures / "OrderSKUList.csv",
        "--timezone",
        "America/Los_Angeles",
    )
    assert r.exit_code == 0 and "already imported" in r.stdout


def test_rejected_import_lists_every_problem_and_exits_1(tmp_path):
    import subprocess
    import sys

    d = tmp_path / "ws"
    livecart.init(d).close()
    f = write(
        tmp_path / "m.csv",
        "market,currency,timezone\nUS,dollars,America/New_York\nUK,GBP,Europe/Londres\n",
    )
    # a real process: the error handler in livecart.cli.app.run sets the exit code
    code = "from livecart.cli import main; main()"
    r = subprocess.run(
        [sys.executable, "-c", code, "import", str(d), "markets", str(f)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1
    assert "nothing written: 2 problems" in r.stderr
    assert "m.csv:2 [currency]" in r.stderr and "m.csv:3 [timezone]" in r.stderr


def test_import_help_lists_kinds_and_seller_center_exports(cli):
    r = invoke(cli, "import", "--help")
    assert r.exit_code == 0
    for word in (
        "orders",
        "sessions",
        "live_minutes",
        "Seller Center",
        "OrderSKUList",
        "--timezone",
    ):
        assert word in r.stdout
