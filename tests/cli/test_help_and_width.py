"""What a new operator reads: flags shown as flags in help (`--json`, not `--json <bool>`), and
`products rank` piped (80 columns) keeping every SKU id whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # piped: rich's 80 columns
    r = subprocess.run(
        [sys.executable, "-m", "livecart", *args], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_help_shows_a_flag_without_a_value_type():
    out = run("status", "--help")
    line = next(x for x in out.splitlines() if "--json" in x)
    assert "<bool>" not in line and "print JSON" in line
    assert "<path>" in out  # a parameter that takes a value still shows its type


def test_products_rank_fits_80_columns_with_whole_sku_ids(demo_path):
    table = run("products", "rank", str(demo_path), "--market", "US")
    lines = table.splitlines()
    assert max(len(x) for x in lines) <= 80
    ranked = json.loads(run("products", "rank", str(demo_path), "--market", "US", "--json"))
    rows = [x.split() for x in lines[4:] if x.split() and x.split()[0].isdigit()]
    assert len(rows) >= 5
    assert [r[1] for r in rows] == [r["sku_id"] for r in ranked[: len(rows)]]  # ids whole
    assert "in USD" in lines[0]  # the currency of the money columns
