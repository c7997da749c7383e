"""Creator lists as Affiliate Center exports them, and the host tools on an imported workspace
(no truth.json, no availability records)."""

from __future__ import annotations

import datetime as dt

import pytest

from livecart.errors import ImportRejected
from livecart.ingest import import_file, import_frame
from livecart.store import Workspace

AFFILIATE = (
    "Creator handle,Creator name,Followers,Categories,GMV,Items sold,Commission rate,Fee\n"
    '@glowwithmai,Mai,845000,Beauty & Personal Care,"$12,340.50","1,204",15%,"$2,500"\n'
    "@techtom,Tom,23000,Phones & Electronics,$980,85,10%,$150\n"
)


def test_affiliate_center_creator_list_imports_as_it_comes(ws, tmp_path):
    import_frame(ws, "markets", _markets())
    f = tmp_path / "creators.csv"
    f.write_text(AFFILIATE)
    r = import_file(ws, "creators", f, market="US")
    assert r.rows_written == 2
    c = ws.table("creators").set_index("creator_id")
    assert c.at["@glowwithmai", "kind"] == "influencer" and c.at["@techtom", "kind"] == "koc"
    assert c.at["@glowwithmai", "commission_rate"] == pytest.approx(0.15)
    assert c.at["@glowwithmai", "gmv"] == pytest.approx(12340.5)
    assert c.at["@glowwithmai", "items_sold"] == 1204
    assert set(c["currency"]) == {"USD"} and set(c["markets"]) == {"US"}
    again = import_file(ws, "creators", f, market="US")
    assert again.unchanged and ws.count("creators") == 2


def test_a_bad_creator_row_rejects_the_whole_file_naming_row_and_column(ws, tmp_path):
    import_frame(ws, "markets", _markets())
    f = tmp_path / "creators.csv"
    f.write_text(AFFILIATE.replace("10%", "150%"))
    with pytest.raises(ImportRejected) as e:
        import_file(ws, "creators", f, market="US")
    p = e.value.problems[0]
    assert p.row == 3 and p.column == "Commission rate"
    assert ws.count("creators") == 0


def _markets():
    import pandas as pd

    return pd.DataFrame(
        {
            "market": ["US"],
            "name": ["United States"],
            "currency": ["USD"],
            "timezone": ["America/New_York"],
        }
    )


def test_host_tools_work_on_an_imported_workspace(imported):
    from livecart.hosts import compare_for_plan, fit_workspace, rank_hosts
    from livecart.hosts.workspace import roster_for_workspace

    with Workspace.open(imported, read_only=True) as ws:
        assert not (imported / "truth.json").exists()
        model = fit_workspace(ws)
        assert len(rank_hosts(model, market="US"))
        c = compare_for_plan(ws, model, "US", dt.datetime(2027, 3, 1, 20), 1000)
        assert c.winner and c.reason
        _req, opt, greedy = roster_for_workspace(ws, model, dt.date(2027, 3, 1))
        assert opt.status == "OPTIMAL" and opt.objective >= greedy.objective - 1e-6
