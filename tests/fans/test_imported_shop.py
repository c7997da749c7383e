"""Fans on a workspace imported from TikTok Shop exports (the Seller Center fixtures: a few
orders, no lives, no repeat buyer): each command says what is missing instead of crashing."""

from __future__ import annotations

from pathlib import Path

import pytest

from livecart.errors import FitError
from tests.conftest import invoke

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def imported(cli, tmp_path):
    ws = tmp_path / "shop"
    assert invoke(cli, "init", ws).exit_code == 0
    for kind, name in (("markets", "markets.csv"), ("products", "products.csv")):
        assert invoke(cli, "import", ws, kind, FIXTURES / name).exit_code == 0
    r = invoke(cli, "import", ws, "orders", FIXTURES / "OrderSKUList.csv")
    assert r.exit_code == 0, r.output
    return ws


def test_funnel_without_lives_says_what_to_import(cli, imported):
    r = invoke(cli, "fans", "funnel", imported)
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())  # as printed, wrapped to the terminal
    assert "has no lives" in text and "livecart import DIR sessions FILE" in text


@pytest.mark.parametrize("command", ["value", "segments"])
def test_value_without_a_repeat_buyer_says_why(cli, imported, command):
    with pytest.raises(FitError, match="no buyer has a repeat purchase"):
        invoke(cli, "fans", command, imported)
