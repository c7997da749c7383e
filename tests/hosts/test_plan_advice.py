"""`plan create` proposes a host without --host, and notes a clearly better one with it."""

from __future__ import annotations

import datetime as dt

from livecart.plan import create_plan
from livecart.store import Workspace

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def test_plan_without_host_gets_the_best_candidate_and_says_why(demo_path):
    with Workspace.open(demo_path, read_only=True) as ws:
        p = create_plan(ws, "US", "2027-03-01 19:00", 3000, now=NOW, n_boot=20)
    assert len(p.hosts) == 1
    note = [n for n in p.notes if n.startswith("host proposed:")]
    assert note and p.hosts[0] in note[0] and "P(best)" in note[0]


def test_plan_with_a_costly_influencer_notes_the_clearly_better_host(demo_path):
    with Workspace.open(demo_path, read_only=True) as ws:
        infl = ws.query(
            "SELECT creator_id FROM creators WHERE kind = 'influencer' AND markets = 'US' "
            "ORDER BY fee DESC LIMIT 1"
        )["creator_id"].iloc[0]
        p = create_plan(ws, "US", "2027-03-01 19:00", 300, hosts=[infl], now=NOW, n_boot=20)
    assert p.hosts == [infl]
    better = [n for n in p.notes if "is clearly better than" in n]
    assert better and f"than {infl}" in better[0] and "P(better)" in better[0]
