"""Product testing and scale-up (playbook step 1): product x market fit from KOC test videos with
honest uncertainty, rankings with P(top k), winners, what to test next, and the stage pipeline
candidate -> testing -> winner -> scaling -> live -> store_live (or retired).

    from livecart.selection import score_workspace, rank_products, allocate_tests
    model = score_workspace(ws)
    ranked = rank_products(model, market="US", k=5)
    plan = allocate_tests(model, videos=50)
"""

from livecart.selection.allocate import allocate_tests
from livecart.selection.evidence import cells_from_frames, check_market, load_cells
from livecart.selection.fit import FitModel, FitRules
from livecart.selection.rank import (
    GOALS,
    rank_products,
    split_evidence,
    top_k_probability,
    winners,
)
from livecart.selection.score import fit_table, product_fit, score_workspace

__all__ = [
    "GOALS",
    "FitModel",
    "FitRules",
    "allocate_tests",
    "cells_from_frames",
    "check_market",
    "fit_table",
    "load_cells",
    "product_fit",
    "rank_products",
    "score_workspace",
    "split_evidence",
    "top_k_probability",
    "winners",
]
