"""Scoring a workspace: read its test videos, fit the model, hand back the fitted model."""

from __future__ import annotations

from livecart.selection.evidence import load_cells
from livecart.selection.fit import FitModel, FitRules
from livecart.store import Workspace


def score_workspace(ws: Workspace, rules: FitRules | None = None) -> FitModel:
    """Fit the market-fit model on every test video in ``ws`` (all markets: priors pool across
    them). Works on a workspace with no test videos at all: every product then gets its
    category prior, a wide interval and the verdict "no tests"."""
    cells, videos = load_cells(ws)
    return FitModel(rules).fit(cells, videos)
