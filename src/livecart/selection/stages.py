"""Stages of a product in a market, from first test to evergreen store live:

    candidate -> testing -> winner -> scaling -> live -> store_live      (or retired)

The rules propose a move from the evidence: test videos (the fit model's verdict), influencer
videos and lives featuring the product in that market (scaling), the brand's live line-ups (live)
and steady store-account lives over several weeks (store_live); a loser in tests, or a product
that stopped selling in its recent lives, is proposed for retirement. A proposal becomes the
product's stage only when confirmed (by a user, or ``apply`` for automatic confirmation); every
confirmed move is logged with its reason and a snapshot of the evidence at that time.

The log lives in the workspace table ``selection_stage_log`` (a numbered migration in
``livecart.store.migrations`` creates it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from livecart.errors import ConflictError, NotFoundError
from livecart.model.clock import utc_now
from livecart.selection.evidence import check_market
from livecart.selection.fit import FitModel, FitRules
from livecart.selection.score import score_workspace
from livecart.store import Workspace

STAGES = ("candidate", "testing", "winner", "scaling", "live", "store_live", "retired")
LOG_TABLE = "selection_stage_log"


@dataclass(frozen=True)
class StageRules:
    """When live results move a product on."""

    live_min_sessions: int = 3  # brand lives featuring it before it counts as live
    store_min_sessions: int = 6  # store-account lives featuring it ...
    store_min_weeks: int = 4  # ... spread over at least this many weeks: store_live
    retire_after_dry_lives: int = 3  # its last N lives sold nothing: propose retiring it


@dataclass
class StageCell:
    sku_id: str
    market: str
    product_name: str
    stage: str
    since: str | None
    proposed: str | None
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def evidence_stage(self) -> str:
        """The stage the evidence supports: the proposed one while a move awaits confirmation."""
        return self.proposed or self.stage


@dataclass
class StageBoard:
    cells: list[StageCell]
    applied: int = 0

    @property
    def n_proposed(self) -> int:
        return sum(c.proposed is not None for c in self.cells)

    def columns(self) -> dict[str, list[StageCell]]:
        """Cells per stage the evidence supports (a proposed move counts at its target, marked
        by ``proposed``): a history imported but never confirmed shows where products stand,
        not every one as a candidate."""
        out: dict[str, list[StageCell]] = {s: [] for s in STAGES}
        for c in self.cells:
            out[c.evidence_stage].append(c)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "stages": list(STAGES),
            "n_proposed": self.n_proposed,
            "applied": self.applied,
            "cells": [asdict(c) | {"evidence_stage": c.evidence_stage} for c in self.cells],
        }


def stage_log(ws: Workspace, sku_id: str | None = None, market: str | None = None) -> pd.DataFrame:
    """Confirmed moves, oldest first (empty when nothing was ever confirmed)."""
    cols = [
        "sku_id",
        "market",
        "from_stage",
        "to_stage",
        "reason",
        "evidence",
        "status",
        "confirmed_by",
        "confirmed_at",
    ]
    return ws.query(
        f"SELECT {', '.join(cols)} FROM {LOG_TABLE} WHERE (? IS NULL OR sku_id = ?) "
        "AND (? IS NULL OR market = ?) ORDER BY confirmed_at, sku_id, market",
        [sku_id, sku_id, market, market],
    )


def live_evidence(ws: Workspace, now: dt.datetime | None = None) -> pd.DataFrame:
    """Per SKU x market: lives featuring it, store-account lives, weeks with a store live,
    influencer (non-test) videos, and how many of its last lives sold nothing. Only lives and
    videos by ``now`` count (a live by its start, or its planned start): a planned live is no
    evidence."""
    now = now or utc_now()
    from livecart.store.query import frame, scale_videos, sku_lives

    now = pd.Timestamp(now)
    lives = frame(ws, sku_lives)
    lives = lives[lives["actual_start"].fillna(lives["planned_start"]) <= now]
    lives = lives.reset_index(drop=True)
    vids = frame(ws, scale_videos)
    vids = vids[vids["posted_at"].isna() | (vids["posted_at"] <= now)]
    vids = vids.groupby(["sku_id", "market"], as_index=False, dropna=False).size()
    vids = vids.rename(columns={"size": "scale_videos"})
    if lives.empty:
        out = pd.DataFrame(
            columns=["sku_id", "market", "lives", "store_lives", "store_weeks", "dry_recent"]
        )
    else:
        lives["t"] = lives["actual_start"].fillna(lives["planned_start"])
        lives["week"] = pd.to_datetime(lives["t"]).dt.to_period("W").astype(str)
        out = _live_rows(lives.sort_values(["sku_id", "market", "t"], ignore_index=True))
    return out.merge(vids, on=["sku_id", "market"], how="outer").fillna(
        {"lives": 0, "store_lives": 0, "store_weeks": 0, "dry_recent": 0, "scale_videos": 0}
    )


def _live_rows(lives: pd.DataFrame) -> pd.DataFrame:
    """Per SKU x market of time-ordered lives: their count, store lives, weeks with a store
    live, and how many of the last lives sold nothing (those after its last live with a sale)."""
    key = ["sku_id", "market"]
    g = lives.groupby(key, sort=False)
    pos = g.cumcount()
    last_sale = pos.where(lives["units"] > 0, -1).groupby([lives[k] for k in key]).max()
    store = lives[lives["store"].astype(bool)]
    out = g.size().rename("lives").to_frame()
    out["store_lives"] = store.groupby(key).size()
    out["store_weeks"] = store.groupby(key)["week"].nunique()
    out["dry_recent"] = out["lives"] - 1 - last_sale
    return out.fillna({"store_lives": 0, "store_weeks": 0}).astype(int).reset_index()


def _rule_stage(verdict: str, ev: dict[str, float], r: StageRules) -> tuple[str, str]:
    if ev["lives"] and ev["dry_recent"] >= r.retire_after_dry_lives:
        return "retired", f"sold nothing in its last {int(ev['dry_recent'])} lives"
    if ev["store_lives"] >= r.store_min_sessions and ev["store_weeks"] >= r.store_min_weeks:
        return "store_live", (
            f"{int(ev['store_lives'])} store lives over {int(ev['store_weeks'])} weeks"
        )
    if ev["lives"] >= r.live_min_sessions:
        return "live", f"in {int(ev['lives'])} live line-ups"
    if ev["lives"] or ev["scale_videos"]:
        return "scaling", (
            f"{int(ev['lives'])} lives and {int(ev['scale_videos'])} influencer or warm-up videos"
        )
    return {
        "no tests": ("candidate", "no test videos yet"),
        "undecided": ("testing", "test videos so far do not settle it"),
        "winner": ("winner", f"P(beats benchmark) {ev['p_beat']:.2f} with enough tests"),
        "loser": (
            "retired",
            f"P(above its category's typical product) {ev['p_above_loser_bar']:.2f} "
            "with enough tests",
        ),
    }[verdict]


def _moves(current: str, target: str) -> bool:
    """Whether the evidence's stage is a move from the confirmed one: forward, to retired, a
    winner whose later tests unsettle it back to testing, and a retired product back to what
    its later evidence supports (it sold again in lives after it was retired)."""
    if target == current:
        return False
    if target == "retired" or current == "retired" or (current, target) == ("winner", "testing"):
        return True
    return STAGES.index(target) > STAGES.index(current)


def stage_board(
    ws: Workspace,
    market: str | None = None,
    apply: bool = False,
    rules: FitRules | None = None,
    stage_rules: StageRules | None = None,
    model: FitModel | None = None,
    as_of: dt.datetime | None = None,
    confirmed_by: str = "auto",
) -> StageBoard:
    """Every product x market with its confirmed stage and any proposed move; ``apply``
    confirms every proposal (logged as by ``confirmed_by``). ``as_of`` reads the evidence as it
    stood then (test videos posted, lives held and moves confirmed by that time) and dates
    what ``apply`` confirms to it: a review of the board in the past."""
    model = model or score_workspace(ws, rules, as_of)
    check_market(model.cells_, market)
    s = model.summary(market=market, settle=False)
    live = live_evidence(ws, as_of)
    s = s.merge(live, on=["sku_id", "market"], how="left").fillna(
        {"lives": 0, "store_lives": 0, "store_weeks": 0, "dry_recent": 0, "scale_videos": 0}
    )
    log = stage_log(ws)
    last = log.groupby(["sku_id", "market"]).tail(1).set_index(["sku_id", "market"])
    cells = []
    for row in s.itertuples():
        ev = _snapshot(row)
        cur, since = "candidate", None
        if (row.sku_id, row.market) in last.index:
            hit = last.loc[(row.sku_id, row.market)]
            cur, since = hit["to_stage"], str(hit["confirmed_at"])
        target, reason = _rule_stage(row.verdict, ev, stage_rules or StageRules())
        cells.append(
            StageCell(
                row.sku_id,
                row.market,
                str(row.product_name),
                cur,
                since,
                target if _moves(cur, target) else None,
                reason,
                ev,
            )
        )
    board = StageBoard(cells)
    if apply:
        board.applied = _record(ws, [c for c in cells if c.proposed], confirmed_by, as_of)
        for c in cells:
            if c.proposed:
                c.stage, c.proposed = c.proposed, None
    return board


def _snapshot(row: Any) -> dict[str, float]:
    keys = (
        "n_videos",
        "views",
        "clicks",
        "orders",
        "p_beat",
        "p_above_loser_bar",
        "gpm_mean",
        "gpm_lo",
        "gpm_hi",
        "lives",
        "store_lives",
        "store_weeks",
        "dry_recent",
        "scale_videos",
    )
    return {k: float(np.round(getattr(row, k), 6)) for k in keys}


def _record(ws: Workspace, cells: list[StageCell], by: str, at: dt.datetime | None = None) -> int:
    now = at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        [c.sku_id, c.market, c.stage, c.proposed, c.reason, json.dumps(c.evidence)]
        + ["confirmed", by, now]
        for c in cells
    ]
    if rows:
        with ws.transaction() as con:
            con.executemany(f"INSERT INTO {LOG_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(cells)


def confirm_transition(ws: Workspace, sku_id: str, market: str, by: str = "user") -> StageCell:
    """Confirm the proposed move of one product in one market (an error if there is none)."""
    board = stage_board(ws, market=market or None)
    for c in board.cells:
        if c.sku_id == sku_id and c.market == market:
            if c.proposed is None:
                raise ConflictError(
                    f"{sku_id} in {market} has no proposed move (it stays "
                    f"{c.stage}); see `livecart products stages DIR`",
                    dashboard=f"{sku_id} in {market} has no proposed move (it stays "
                    f"{c.stage}): the stage board shows the moves proposed",
                )
            _record(ws, [c], by)
            return c
    raise NotFoundError(
        f"no product {sku_id!r} in market {market!r}: write SKU@MARKET, e.g. SKU001@US"
    )
