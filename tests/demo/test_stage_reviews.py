"""The demo's board reflects its history (#17): the demo team's four-weekly reviews confirmed
what the evidence of each day supported, so a fresh demo shows products in testing, scaling,
live and store_live with only the last fortnight's moves pending (it showed 298 of 360 pending,
every product x market a candidate), and every stage agrees with the evidence."""

from __future__ import annotations

import collections
import datetime as dt
import shutil

import pandas as pd
import pytest

import livecart
from livecart.demo.reviews import REVIEWER, review_dates
from livecart.demo.world import DAYS, START
from livecart.selection.stages import StageRules, live_evidence, stage_board, stage_log
from livecart.store import Workspace

FIRST = START.replace(tzinfo=None)
REVIEWS = review_dates(FIRST, FIRST + dt.timedelta(days=DAYS))


@pytest.fixture(scope="module")
def board_and_log(demo_path):
    ws = livecart.open(demo_path, read_only=True)
    try:
        yield stage_board(ws), stage_log(ws), stage_board(ws, as_of=REVIEWS[-1]), live_evidence(ws)
    finally:
        ws.close()


def test_a_fresh_demo_has_few_pending_moves_and_products_past_candidate(board_and_log):
    board, _, _, _ = board_and_log
    n = len(board.cells)
    assert board.n_proposed <= 0.12 * n, (board.n_proposed, n)  # was 298 of 360 (83%)
    stages = collections.Counter(c.stage for c in board.cells)
    for s in ("testing", "scaling", "live"):  # store_live needs more lives than scale 0.2 holds
        assert stages[s] > 0, stages
    assert stages["candidate"] < 0.5 * n


def test_moves_were_confirmed_by_the_demo_on_its_review_days(board_and_log):
    _, log, _, _ = board_and_log
    assert set(log["confirmed_by"]) == {REVIEWER}
    days = set(pd.to_datetime(log["confirmed_at"]).dt.to_pydatetime())
    assert days <= set(REVIEWS) and len(days) == len(REVIEWS) >= 5
    assert log["evidence"].str.contains('"lives"').all()  # each with the day's evidence


def test_the_last_review_left_nothing_pending_as_of_its_day(board_and_log):
    """As the evidence stood on the last review day, every stage is what it supports: what
    is pending now comes from the last fortnight."""
    _, _, then, _ = board_and_log
    assert then.n_proposed == 0


def test_every_stage_agrees_with_the_products_evidence(board_and_log):
    board, _, _, live = board_and_log
    rules = StageRules()
    ev = live.set_index(["sku_id", "market"])
    for c in board.cells:
        e = ev.loc[(c.sku_id, c.market)] if (c.sku_id, c.market) in ev.index else None
        lives = 0 if e is None else e["lives"]
        if c.stage in ("live", "store_live"):
            assert lives >= rules.live_min_sessions, c
        if c.stage == "store_live":
            assert e["store_lives"] >= rules.store_min_sessions, c
            assert e["store_weeks"] >= rules.store_min_weeks, c
        if c.stage == "candidate" and c.proposed is None:
            assert lives == 0 and c.evidence["n_videos"] == 0, c


def test_a_stage_not_pending_is_the_one_todays_evidence_supports(
    board_and_log, demo_path, tmp_path
):
    """The stage each product x market would be proposed with no history confirmed (the
    evidence alone) is its confirmed stage, or the move pending for it: a product retired at a
    review that sold again in later lives is proposed back, not left retired."""
    shutil.copytree(demo_path, tmp_path / "ws")
    with Workspace.open(tmp_path / "ws") as ws:
        ws.cursor().execute("DELETE FROM selection_stage_log")
        fresh = stage_board(ws)
    target = {(c.sku_id, c.market): c.proposed or c.stage for c in fresh.cells}
    board, _, _, _ = board_and_log
    for c in board.cells:
        assert (c.proposed or c.stage) == target[(c.sku_id, c.market)], c


def test_the_stage_command_says_who_confirmed_the_stages_and_when(cli, demo_path, board_and_log):
    from tests.conftest import invoke

    _, log, _, _ = board_and_log
    text = invoke(cli, "products", "stages", demo_path).stdout
    last = f"{pd.to_datetime(log['confirmed_at']).max():%Y-%m-%d}"
    assert f"{len(log)} moves confirmed so far (by demo), the last on {last}" in text
