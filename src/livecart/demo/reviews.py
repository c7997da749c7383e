"""The demo team's stage reviews: every four weeks of the demo's history, the team looks at the
stage board as the evidence stood that day and confirms every move it proposes, so a fresh demo
shows products where their history put them (testing, scaling, live, store live), with only
the last fortnight's moves still waiting for someone, instead of every product x market a
candidate with hundreds of moves pending.

Each move is logged like any confirmation, in ``selection_stage_log`` with its reason and the
evidence of that day, dated the review's day and confirmed by ``demo``: the board's history
says who moved what and when. (The team's audit log, ``audit.jsonl``, stays empty: nobody has
used the demo's dashboard yet.)"""

from __future__ import annotations

import datetime as dt

from livecart.selection.stages import stage_board
from livecart.store import Workspace

REVIEW_EVERY = dt.timedelta(days=28)
LEFT_PENDING = dt.timedelta(days=14)  # the evidence of the history's last two weeks waits
REVIEWER = "demo"


def review_dates(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Review days (UTC, naive): every four weeks after ``start``, up to two weeks before
    ``end``."""
    out, t = [], start + REVIEW_EVERY
    while t <= end - LEFT_PENDING:
        out.append(t)
        t += REVIEW_EVERY
    return out


def review_stages(ws: Workspace, start: dt.datetime, end: dt.datetime) -> list[int]:
    """Hold the reviews between ``start`` and ``end``; the number of moves each confirmed."""
    applied = []
    for day in review_dates(start, end):
        board = stage_board(ws, apply=True, as_of=day, confirmed_by=REVIEWER)
        applied.append(board.applied)
    return applied
