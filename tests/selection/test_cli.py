"""`livecart products rank|next|stages` on the demo workspace and on an imported user
workspace (CSV files through `livecart import`), including products without test videos."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import invoke

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture
def demo_copy(demo_path: Path, tmp_path: Path) -> Path:
    out = tmp_path / "demo"
    shutil.copytree(demo_path, out)
    return out


@pytest.fixture
def user_ws(tmp_path: Path, cli) -> Path:
    """A user workspace: two markets, three products, four test videos (one with zero views),
    one product never tested."""
    ws = tmp_path / "user"
    (tmp_path / "creators.csv").write_text("creator_id,kind,currency\nkoc_a,koc,USD\n")
    (tmp_path / "videos.csv").write_text(
        "video_id,creator_id,sku_id,market,purpose,posted_at,views,product_clicks,orders,gmv,"
        "currency\n"
        "v1,koc_a,1729000000000000001,US,test,2026-03-01 10:00:00,6000,120,7,90.93,USD\n"
        "v2,koc_a,1729000000000000001,US,test,2026-03-03 10:00:00,4000,70,3,38.97,USD\n"
        "v3,koc_a,1729000000000000002,US,test,2026-03-02 10:00:00,0,0,0,0,USD\n"
        "v4,koc_a,1729000000000000002,ID,test,2026-03-02 10:00:00,9000,150,6,600000,IDR\n"
    )
    assert invoke(cli, "init", ws).exit_code == 0
    for kind, f in (
        ("markets", FIXTURES / "markets.csv"),
        ("products", FIXTURES / "products.csv"),
        ("creators", tmp_path / "creators.csv"),
        ("videos", tmp_path / "videos.csv"),
    ):
        r = invoke(cli, "import", ws, kind, f)
        assert r.exit_code == 0, r.output
    return ws


def test_rank_json_on_the_demo_has_intervals_and_top_k(cli, demo_path):
    r = invoke(cli, "products", "rank", demo_path, "--market", "US", "--json")
    rows = json.loads(r.stdout)
    assert rows and {row["market"] for row in rows} == {"US"}
    assert all(row["gpm_lo"] <= row["gpm_mean"] <= row["gpm_hi"] for row in rows)
    ranked = [row for row in rows if row["evidence"]]
    assert sum(row["p_top_k"] for row in ranked) == pytest.approx(5, abs=1e-6)


def test_untested_products_are_listed_after_the_ranking_not_in_it(cli, demo_path):
    """Untested SKUs used to take ranks 1-5: their prior GPM is driven by price."""
    rows = json.loads(invoke(cli, "products", "rank", demo_path, "--market", "US", "--json").stdout)
    ranked = [r for r in rows if r["evidence"]]
    untested = [r for r in rows if not r["evidence"]]
    assert untested and all(r["n_videos"] == 0 for r in untested)
    assert all(r["n_videos"] > 0 for r in ranked)
    assert rows[: len(ranked)] == ranked  # products with evidence first
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert all(r["rank"] is None and r["p_top_k"] is None for r in untested)
    text = invoke(cli, "products", "rank", demo_path, "--market", "US").stdout
    assert f"{len(untested)} untested" in text


def test_stages_print_counts_per_stage_and_compact_moves(cli, demo_path):
    """Issue 17: with six months of demo history and nothing confirmed, the board showed every
    product x market as a candidate. It counts each at the stage its evidence supports, the
    moves that await confirmation marked as proposed."""
    board = json.loads(invoke(cli, "products", "stages", demo_path, "--json").stdout)
    text = invoke(cli, "products", "stages", demo_path).stdout
    cells = board["cells"]
    # the demo team's reviews confirmed what the history supported (tests/demo/test_stage_reviews)
    assert sum(c["stage"] != "candidate" for c in cells) > len(cells) / 2
    for stage in board["stages"]:
        here = [c for c in cells if c["evidence_stage"] == stage]
        moved = sum(c["proposed"] is not None for c in here)
        row = rf"{stage}\s*\S\s*{len(here)}\s*\S\s*{moved or '-'}\s*\S\s*{len(here) - moved}\b"
        assert re.search(row, text), stage  # a table row: stage, count, proposed, confirmed
    lived = [c for c in cells if c["evidence"]["lives"] >= 3]
    assert lived and all(c["evidence_stage"] in ("live", "store_live", "retired") for c in lived)
    assert sum(c["evidence_stage"] == "candidate" for c in cells) < len(cells) / 2
    assert f"{board['n_proposed']} proposed moves" in text
    assert len(text) < 4000  # not one paragraph naming every product x market


def test_rank_on_an_imported_workspace_handles_untested_and_zero_view_products(cli, user_ws):
    r = invoke(cli, "products", "rank", user_ws, "--json")
    rows = {(x["sku_id"], x["market"]): x for x in json.loads(r.stdout)}
    assert len(rows) == 6  # 3 products x 2 markets, tested or not
    untested = rows[("1729000000000000003", "US")]
    zero = rows[("1729000000000000002", "US")]
    assert untested["verdict"] == "no tests" and zero["verdict"] == "undecided"
    for x in (untested, zero):
        assert 0.0 < x["p_beat"] < 1.0 and x["gpm_hi"] > x["gpm_lo"]
        assert x["views_to_settle"] is None or x["views_to_settle"] > 0


def test_next_places_the_videos_asked_for(cli, user_ws):
    r = invoke(cli, "products", "next", user_ws, "--videos", "7", "--json")
    plan = json.loads(r.stdout)
    assert sum(p["videos"] for p in plan) == 7 and all(p["reason"] for p in plan)


def test_stages_propose_then_apply_logs_moves_with_evidence(cli, demo_copy):
    before = json.loads(invoke(cli, "products", "stages", demo_copy, "--json").stdout)
    assert before["n_proposed"] > 0 and before["applied"] == 0
    after = json.loads(invoke(cli, "products", "stages", demo_copy, "--apply", "--json").stdout)
    assert after["applied"] == before["n_proposed"] and after["n_proposed"] == 0
    import livecart
    from livecart.selection.stages import stage_log

    with livecart.open(demo_copy, read_only=True) as ws:
        log = stage_log(ws)
    auto = log[log["confirmed_by"] == "auto"]  # beside the demo team's own reviews
    assert len(auto) == before["n_proposed"] and len(log) > len(auto)
    assert json.loads(auto["evidence"].iloc[0])["views"] >= 0


def test_confirm_one_move_and_refuse_a_move_that_was_not_proposed(cli, user_ws):
    board = json.loads(invoke(cli, "products", "stages", user_ws, "--json").stdout)
    moving = next(c for c in board["cells"] if c["proposed"])
    r = invoke(
        cli,
        "products",
        "stages",
        user_ws,
        "--confirm",
        f"{moving['sku_id']}@{moving['market']}",
        "--json",
    )
    cell = next(
        c
        for c in json.loads(r.stdout)["cells"]
        if (c["sku_id"], c["market"]) == (moving["sku_id"], moving["market"])
    )
    assert cell["stage"] == moving["proposed"]
    from livecart.errors import LivecartError

    with pytest.raises(LivecartError, match="no proposed move"):
        invoke(cli, "products", "stages", user_ws, "--confirm", "1729000000000000003@US")


def test_unknown_market_is_one_clear_error(cli, user_ws):
    from livecart.errors import LivecartError

    with pytest.raises(LivecartError, match="unknown market 'XX'"):
        invoke(cli, "products", "rank", user_ws, "--market", "XX")


def test_planned_lives_are_not_evidence_for_a_stage(cli, user_ws, tmp_path):
    """Three lives planned for next year with the untested product in the line-up: it has
    sold nothing in them because they have not happened, so no move is proposed for it; the
    same lives once run (an actual start) with nothing sold propose retiring it."""
    sku = "1729000000000000003"
    rows = "".join(f"L{i},US,2099-01-0{i} 19:00:00\n" for i in range(1, 4))
    (tmp_path / "sessions.csv").write_text("session_id,market,planned_start\n" + rows)
    (tmp_path / "lineup.csv").write_text(
        "session_id,sku_id\n" + "".join(f"L{i},{sku}\n" for i in range(1, 4))
    )
    for kind, f in (("sessions", "sessions.csv"), ("session_products", "lineup.csv")):
        assert invoke(cli, "import", user_ws, kind, tmp_path / f).exit_code == 0

    def cell() -> dict:
        board = json.loads(invoke(cli, "products", "stages", user_ws, "--json").stdout)
        return next(c for c in board["cells"] if (c["sku_id"], c["market"]) == (sku, "US"))

    assert cell()["proposed"] is None
    ran = "".join(f"L{i},US,2026-01-0{i} 19:00:00,2026-01-0{i} 19:00:00\n" for i in range(1, 4))
    (tmp_path / "sessions.csv").write_text("session_id,market,planned_start,actual_start\n" + ran)
    assert invoke(cli, "import", user_ws, "sessions", tmp_path / "sessions.csv").exit_code == 0
    assert cell()["proposed"] == "retired"
