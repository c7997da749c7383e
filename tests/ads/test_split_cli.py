"""`livecart ads split` says how much of the budget a split spends and what it leaves unspent,
and its help is plain text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke


def test_a_profit_split_says_what_it_spends_and_leaves_unspent(cli, demo_path: Path):
    """Shares like "2%, 7%, 1%" alone hid that 90% of the budget stays unspent."""
    args = ("ads", "split", demo_path, "--budget", "5000", "--objective", "profit")
    d = json.loads(invoke(cli, *args, "--json").output)
    assert d["spend_usd"] < 0.9 * d["budget_usd"]  # the demo's profit optimum spends less
    assert d["unspent_usd"] == pytest.approx(d["budget_usd"] - d["spend_usd"])
    assert d["spent_share"] == pytest.approx(sum(d["shares"]))
    out = invoke(cli, *args).output
    assert f"spends {d['spend_usd']:,.2f} of the 5,000.00 USD budget" in out
    assert f"{d['unspent_usd']:,.2f} USD left unspent" in out


def test_a_gmv_split_spends_the_whole_budget_and_says_so(cli, demo_path: Path):
    d = json.loads(invoke(cli, "ads", "split", demo_path, "--budget", "1000", "--json").output)
    assert d["unspent_usd"] == pytest.approx(0) and d["spent_share"] == pytest.approx(1)


@pytest.mark.parametrize("args", [("ads", "--help"), ("ads", "split", "--help")])
def test_split_help_is_plain_text_without_rst_markup(cli, args):
    out = invoke(cli, *args).output
    assert "split of the budget" in out and "``" not in out
