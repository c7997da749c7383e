"""Host availability as an importable record kind, and the roster reading it."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from livecart.errors import ImportRejected
from livecart.ingest import import_file, import_frame
from livecart.store import Workspace

# As a brand might keep it in a spreadsheet: its own headers, days spelled as it likes.
SHEET = (
    "Host,Day,from,to,Markets,Max hours per day,Max hours per week\n"
    "host_a,Mon,18:00,24:00,US,4,20\n"
    "host_a,Wed,10:00,22:00,,,\n"
    'host_b,sun,12:00,23:30,"US,UK",8,36\n'
)


@pytest.fixture
def with_hosts(ws):
    import_frame(
        ws,
        "markets",
        pd.DataFrame(
            {
                "market": ["US", "UK"],
                "currency": ["USD", "GBP"],
                "timezone": ["America/New_York", "Europe/London"],
            }
        ),
    )
    import_frame(
        ws,
        "creators",
        pd.DataFrame(
            {
                "creator_id": ["host_a", "host_b"],
                "kind": ["pro_host", "pro_host"],
                "markets": ["US", "UK"],
                "currency": ["USD", "USD"],
            }
        ),
    )
    return ws


def test_availability_sheet_imports_and_importing_it_again_changes_nothing(with_hosts, tmp_path):
    f = tmp_path / "availability.csv"
    f.write_text(SHEET)
    r = import_file(with_hosts, "host_availability", f)
    assert r.rows_written == 3
    a = with_hosts.table("host_availability").set_index(["host_id", "weekday"])
    assert a.at[("host_a", "mon"), "start_time"] == "18:00"
    assert a.at[("host_a", "mon"), "end_time"] == "24:00"
    assert a.at[("host_a", "mon"), "max_hours_day"] == 4
    assert a.at[("host_b", "sun"), "markets"] == "US,UK"
    assert pd.isna(a.at[("host_a", "wed"), "max_hours_week"])
    again = import_file(with_hosts, "host_availability", f)
    assert again.unchanged and with_hosts.count("host_availability") == 3


@pytest.mark.parametrize(
    ("bad", "row", "column", "words"),
    [
        ("host_a,Mon,25:00,24:00,US,4,20", 2, "from", "HH:MM"),
        ("host_a,Mon,18:00,17:00,US,4,20", 2, "to", "must be after start_time"),
        ("host_a,Monday,18:00,24:00,US,4,20", 2, "Day", "not one of"),
        ("host_a,Mon,18:00,24:00,US,30,20", 2, "Max hours per day", "maximum 24"),
        ("host_z,Mon,18:00,24:00,US,4,20", 2, "Host", "'host_z' is not a known creator_id"),
        ("host_a,Mon,18:00,24:00,US,4,20\nhost_a,mon,19:00,22:00,US,4,20", 3, "Host", "duplicate"),
    ],
)
def test_a_bad_availability_row_rejects_the_whole_file_naming_row_and_column(
    with_hosts, tmp_path, bad, row, column, words
):
    f = tmp_path / "availability.csv"
    lines = SHEET.splitlines()
    lines[row - 1] = bad
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportRejected) as e:
        import_file(with_hosts, "host_availability", f)
    p = e.value.problems[0]
    assert p.row == row and p.column == column, p
    assert words in p.message, p
    assert with_hosts.count("host_availability") == 0


def test_roster_keeps_to_the_imported_availability(imported_copy):
    from livecart.hosts import fit_workspace
    from livecart.hosts.workspace import roster_for_workspace

    # One professional host, on Mondays from 18:00 to 24:00 in their market's time: every
    # shift of the week is theirs, on that Monday evening, and no one else is rostered.
    with Workspace.open(imported_copy) as ws:
        hosts = ws.query("SELECT creator_id, markets FROM creators WHERE kind = 'pro_host'")
        host, market = hosts["creator_id"].iloc[0], hosts["markets"].iloc[0]
        import_frame(
            ws,
            "host_availability",
            pd.DataFrame(
                {
                    "host_id": [host],
                    "weekday": ["mon"],
                    "start_time": ["18:00"],
                    "end_time": ["24:00"],
                    "markets": [market],
                }
            ),
        )
        model = fit_workspace(ws)
        week = dt.date(2027, 3, 1)  # a Monday
        _req, opt, _greedy = roster_for_workspace(ws, model, week, markets=[market])
    shifts = opt.assignments
    assert len(shifts) >= 1
    assert set(shifts["host_id"]) == {host}
    assert all(s.startswith("2027-03-01 ") for s in shifts["start_local"])
    assert all(s[11:16] >= "18:00" for s in shifts["start_local"])


@pytest.fixture
def imported_copy(imported, tmp_path):
    out = tmp_path / "ws"
    shutil.copytree(imported, out)
    return out


def test_hosts_left_out_of_the_availability_records_are_named(imported_copy):
    from livecart.hosts import fit_workspace
    from livecart.hosts.workspace import roster_for_workspace

    # Availability imported for one of a market's professional hosts only: the others are not
    # on the roster, and the roster says so (a user expects them there).
    with Workspace.open(imported_copy) as ws:
        hosts = ws.query("SELECT creator_id, markets FROM creators WHERE kind = 'pro_host'")
        market = hosts["markets"].value_counts().index[0]
        mine = sorted(hosts.loc[hosts["markets"] == market, "creator_id"])
        assert len(mine) >= 2
        import_frame(
            ws,
            "host_availability",
            pd.DataFrame(
                {
                    "host_id": [mine[0]],
                    "weekday": ["tue"],
                    "start_time": ["10:00"],
                    "end_time": ["22:00"],
                    "markets": [market],
                }
            ),
        )
        model = fit_workspace(ws)
        _req, opt, _greedy = roster_for_workspace(ws, model, dt.date(2027, 3, 1), markets=[market])
    assert set(opt.assignments["host_id"]) == {mine[0]}
    note = next(n for n in opt.notes if "no row in the availability records" in n)
    assert all(h in note for h in mine[1:]) and mine[0] not in note
