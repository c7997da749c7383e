"""What a plan leaves out is said, not hidden: the standalone HTML carries the curve charts, a
move outside the line-up is refused, a short line-up says why, the retro names big leftovers,
and the targets say how they relate to the curves' expected GMV."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import livecart
from livecart.errors import LivecartError
from livecart.plan import create_plan, edit_plan, load_plan, save_plan
from tests.conftest import invoke
from tests.plan.conftest import NOW

START = "2026-12-03 19:00"


@pytest.fixture(scope="module")
def made(plan_path: Path):
    with livecart.open(plan_path) as ws:
        return save_plan(ws, create_plan(ws, "US", START, 1500, now=NOW, n_boot=10))


def test_show_html_has_the_three_curve_charts_inline(cli, plan_path: Path, made, tmp_path):
    out = tmp_path / "plan.html"
    invoke(cli, "plan", "show", plan_path, made.plan_id, "--format", "html", "--out", out)
    html = out.read_text()
    phases = re.findall(r'<svg class="lc-chart" data-phase="(\w+)"', html)
    assert phases == ["pre_live", "live", "closing"]
    assert html.count('class="curve"') == 3 and html.count('class="mark"') >= 3
    # standalone: nothing fetched (the SVG namespace is a name, not a request)
    assert not re.search(r"<script|<link|src=|href=|cdn", html, re.I)


def test_a_move_outside_the_lineup_is_refused_naming_the_range(plan_path: Path, made):
    sku, n = made.lineup[0].sku_id, len(made.lineup)
    with livecart.open(plan_path) as ws:
        for pos in (99, 0, -1, "x"):
            with pytest.raises(LivecartError, match=rf"position {pos} .*choose 1-{n}$"):
                edit_plan(ws, made.plan_id, move=(sku, pos))
        assert load_plan(ws, made.plan_id).version == made.version  # nothing saved
        e = edit_plan(ws, made.plan_id, move=(sku, n))
    assert e.lineup[-1].sku_id == sku


def test_a_lineup_shorter_than_asked_says_how_many_and_why(plan_path: Path, made):
    from livecart.plan import neighbours, to_markdown

    assert made.lineup_notes == []  # 10 asked, 10 placed: nothing to say
    with livecart.open(plan_path, read_only=True) as ws:
        c = neighbours.candidates(ws, "US")
        p = create_plan(ws, "US", START, 1500, n_products=60, minutes=900, now=NOW, use_rule=True)
    losers = int((c["verdict"] == "loser").sum())
    assert len(p.lineup) == len(c) - losers < 60
    (note,) = p.lineup_notes
    assert note.startswith(f"60 products asked for, {len(p.lineup)} placed: {len(c)} SKUs")
    assert f"{losers} left out as losers" in note and note in to_markdown(p)


def test_the_short_lineup_note_names_roles_when_products_are_left_over():
    import pandas as pd

    from livecart.plan.session import short_lineup

    c = pd.DataFrame({"sku_id": ["A", "B", "C", "D"], "verdict": ["loser", None, None, None]})
    note = short_lineup(c, 10, 2, "UK")
    assert note.startswith("10 products asked for, 2 placed: 4 SKUs are on sale in UK")
    assert "1 left out as losers of the market-fit test (A)" in note
    assert "of the 3 others only 2 fit a role" in note


def test_the_retro_names_the_leftovers_worth_most_among_the_gaps(plan_path: Path):
    from livecart.plan import retro

    with livecart.open(plan_path) as ws:
        s = ws.query(
            "SELECT session_id, actual_start, gmv FROM sessions WHERE market = 'US' "
            "ORDER BY actual_start DESC LIMIT 1"
        )
        sid, gmv = s["session_id"].iloc[0], float(s["gmv"].iloc[0])
        local = s["actual_start"].iloc[0].tz_localize("UTC").tz_convert("America/New_York")
        p = create_plan(ws, "US", local.tz_localize(None), 1500, session_id=sid, n_boot=5)
        r = retro(ws, sid, p)
        sp = ws.query(
            "SELECT sku_id, stock_end * price AS worth FROM session_products "
            "WHERE session_id = ? ORDER BY worth DESC",
            [sid],
        )
    assert sp["worth"].iloc[0] >= 0.1 * gmv  # this session does leave money in stock
    (line,) = [g for g in r.largest if g.startswith("left over")]
    top = sp[sp["worth"] >= 0.1 * gmv].head(3)
    assert [t.split()[0] for t in line.split(": ", 1)[1].split("; ")[0].split(", ")] == list(
        top["sku_id"]
    )
    assert f"{sp['worth'].sum():,.0f} USD of stock left in all" in line
    by = {x["sku_id"]: x for x in r.skus}
    assert by[top["sku_id"].iloc[0]]["left_value"] == pytest.approx(top["worth"].iloc[0])


def test_the_targets_say_how_they_relate_to_the_curves_expected_gmv(plan_path: Path):
    """Targets are the market median whatever the budget; a plan whose spend the curves expect
    to move GMV by 10% or more of the session target says so, and by how much."""
    from livecart.plan import to_markdown

    with livecart.open(plan_path) as ws:
        small = save_plan(ws, create_plan(ws, "US", START, 300, now=NOW, n_boot=10))
        a, t = small.ads, small.targets
        delta = a["expected_gmv_usd"] - a["expected_gmv_median_spend_usd"]
        assert delta < -0.1 * t["session_gmv"]  # 300 USD is far below the median spend
        (note,) = small.target_notes
        assert f"{-delta:,.0f} USD less ad-attributed GMV" in note
        assert f"session GMV {t['session_gmv']:,.0f} USD" in note
        assert f"median ad spend of {a['median_spend_usd']:,.0f} USD" in note
        assert note in to_markdown(small)
        # at the median past spend the targets and the curves agree: nothing to say
        near = edit_plan(ws, small.plan_id, budget=round(a["median_spend_usd"]))
        assert near.target_notes == []
        with_rule = create_plan(ws, "US", START, 300, now=NOW, use_rule=True)
        assert with_rule.target_notes == []  # no curves fitted, no claim made
