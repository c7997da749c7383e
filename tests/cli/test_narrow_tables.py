"""`hosts compare` and `stock plan` piped (80 columns): no line wider than 80 characters, every
id whole (the same ids, in the same order, as their --json), the money's currency named; and
the shared table keeps ids whole even when they alone need more than 80 columns."""

from __future__ import annotations

import io
import json

from rich.console import Console

from tests.cli.test_help_and_width import run


def table_rows(lines: list[str]) -> list[list[str]]:
    """The cells (split on spaces) of the first table's rows in ``lines``: the lines between
    its head's rule and the first blank line after it."""
    start = next(i for i, x in enumerate(lines) if x.strip().startswith("─")) + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    return [x.split() for x in lines[start:end]]


def first_words(lines: list[str]) -> list[str]:
    return [r[0] for r in table_rows(lines)]


def test_hosts_compare_fits_80_columns_with_whole_host_ids(demo_path):
    args = ("hosts", "compare", str(demo_path), "--market", "US", "--start", "2027-03-01 20:00")
    args += ("--budget", "2000")
    lines = run(*args).splitlines()
    assert max(len(x) for x in lines) <= 80
    got = json.loads(run(*args, "--json"))
    ids = [c["host_id"] for c in got["candidates"]]
    assert len(ids) >= 3
    assert first_words(lines) == ids  # whole, in order
    title = next(x for x in lines if "Candidates for" in x)  # after any notes on the winner
    assert "money in USD" in title


def test_hosts_rank_fits_80_columns_with_whole_host_ids_a_table_a_category(demo_path):
    args = ("hosts", "rank", str(demo_path), "--market", "US")
    lines = run(*args).splitlines()
    assert max(len(x) for x in lines) <= 80
    got = json.loads(run(*args, "--json"))
    categories = list(dict.fromkeys(x["category"] for x in got))
    assert len(categories) >= 2
    for category in categories:
        want = [(str(x["rank"]), x["host_id"]) for x in got if x["category"] == category]
        at = next(i for i, x in enumerate(lines) if x.strip().startswith(f"{category}:"))
        assert [(r[0], r[1]) for r in table_rows(lines[at:])] == want  # ids whole, in order


def test_stock_plan_fits_80_columns_with_whole_sku_ids(demo_path):
    args = ("stock", "plan", str(demo_path), "L0030", "--budget", "5000")
    lines = run(*args).splitlines()
    assert max(len(x) for x in lines) <= 80
    plan = json.loads(run(*args, "--json"))
    ids = [ln["sku_id"] for ln in plan["lines"]]
    assert len(ids) >= 3
    assert first_words(lines) == ids
    assert any(f"money in {plan['currency']}" in x for x in lines[:2])


def test_a_table_keeps_long_ids_whole_beyond_80_columns_and_cuts_only_the_name():
    from livecart.cli.narrow import GIVES_WAY, narrow_table, show

    long_id = "1729000000000000003"  # a Seller Center SKU id
    t = narrow_table(
        "t",
        [("SKU", len(long_id), "left"), ("product", GIVES_WAY, "left")]
        + [(f"c{i}", 6, "right") for i in range(9)],
    )
    t.add_row(long_id, "A very long product name indeed", *["123456"] * 9)
    out = io.StringIO()
    show(Console(file=out, width=80), t)
    row = next(x for x in out.getvalue().splitlines() if long_id in x)
    assert f"{long_id} " in row and "123456" in row  # id and numbers whole
    assert "A very long product name indeed" not in row and "…" in row  # the name gave way
