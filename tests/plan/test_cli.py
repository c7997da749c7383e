"""`livecart plan ...` in a CLI runner: create, list, show (each format), edit, retro, evaluate."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import invoke


def _future(days: int) -> str:
    """A start ``days`` from today (market local time), so the tests never fall in the past."""
    return (dt.date.today() + dt.timedelta(days=days)).strftime("%Y-%m-%d 20:00")


def test_create_list_show_edit_and_targets_for_the_monitor(cli, plan_path: Path, tmp_path: Path):
    start = _future(30)
    r = invoke(
        cli,
        "plan",
        "create",
        plan_path,
        "--market",
        "UK",
        "--start",
        start,
        "--budget",
        "3000",
        "--host",
        "host_02",
        "--json",
    )
    assert r.exit_code == 0, r.output
    p = json.loads(r.output)
    assert p["market"] == "UK" and p["currency"] == "GBP" and p["hosts"] == ["host_02"]
    local = dt.datetime.fromisoformat(start).replace(tzinfo=ZoneInfo("Europe/London"))
    assert dt.datetime.fromisoformat(p["start_utc"]) == local  # read as London time
    r = invoke(cli, "plan", "list", plan_path, "--json")
    assert p["plan_id"] in {x["plan_id"] for x in json.loads(r.output)}
    out = tmp_path / "targets.json"
    invoke(cli, "plan", "show", plan_path, p["plan_id"], "--format", "targets", "--out", out)
    assert set(json.loads(out.read_text())) == {"gmv", "orders", "entries", "ad_spend"}
    r = invoke(cli, "plan", "show", plan_path, p["plan_id"], "--format", "md")
    assert "## Run of show" in r.output
    sku = p["lineup"][1]["sku_id"]
    r = invoke(cli, "plan", "edit", plan_path, p["plan_id"], "--role", f"{sku}:test")
    assert "version 2" in r.output


def test_bad_input_exits_1_with_one_line(plan_path: Path):
    import subprocess
    import sys

    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "livecart",
            "plan",
            "create",
            str(plan_path),
            "--market",
            "US",
            "--start",
            _future(30),
            "--budget",
            "0",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and "budget must be above zero" in r.stderr


def test_retro_needs_a_linked_plan_then_names_gaps(cli, plan_path: Path):
    import livecart

    with livecart.open(plan_path, read_only=True) as ws:
        sid = ws.query("SELECT session_id FROM sessions WHERE market = 'UK' LIMIT 1").iloc[0, 0]
    from livecart.errors import LivecartError

    with pytest.raises(LivecartError, match="no plan is linked"):
        invoke(cli, "plan", "retro", plan_path, sid)
    # its own plan, so the test does not depend on another test having made one
    r = invoke(
        cli,
        "plan",
        "create",
        plan_path,
        "--market",
        "UK",
        "--start",
        _future(60),
        "--budget",
        "2000",
        "--json",
    )
    uk = json.loads(r.output)
    invoke(cli, "plan", "edit", plan_path, uk["plan_id"], "--session", sid)
    r = invoke(cli, "plan", "retro", plan_path, sid, "--json")
    out = json.loads(r.output)
    assert out["plan_id"] == uk["plan_id"] and out["largest"]


def test_evaluate_prints_gains_and_recovery_errors_as_json(cli):
    r = invoke(cli, "plan", "evaluate", "--seeds", "2", "--scale", "0.3", "--future", "4", "--json")
    out = json.loads(r.output)
    for k in ("gain_vs_262_pct", "gain_vs_even_pct", "gain_vs_262_sd_pct", "gain_vs_even_sd_pct"):
        assert isinstance(out[k], float)
    assert "carryover_abs" in out["recovery_errors"]
    assert out["gain_vs_even_pct"] > 0  # even starves the live phase; true curves punish it


def test_margin_reaches_the_profit_split(cli, plan_path: Path):
    """--margin was declared but not passed: margins of 0.05 and 0.9 made identical plans.
    A thin margin must make a profit plan spend less than a fat one."""
    spend = {}
    for margin in ("0.05", "0.9"):
        r = invoke(
            cli,
            "plan",
            "create",
            plan_path,
            "--market",
            "US",
            "--start",
            _future(40),
            "--budget",
            "5000",
            "--objective",
            "profit",
            "--margin",
            margin,
            "--json",
        )
        assert r.exit_code == 0, r.output
        spend[margin] = sum(json.loads(r.output)["budget"]["spend"].values())
    assert spend["0.05"] < spend["0.9"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--seeds", "0"], "--seeds must be at least 1"),
        (["--seeds", "-1"], "--seeds must be at least 1"),
        (["--future", "0"], "--future must be at least 1"),
        (["--scale", "0"], "--scale must be above zero"),
    ],
)
def test_evaluate_refuses_counts_it_cannot_use_in_one_line(cli, args, words):
    """--seeds 0 crashed with a KeyError and --future 0 spoke of 'a budget of nan'."""
    from livecart.errors import LivecartError

    with pytest.raises(LivecartError, match=words):
        invoke(cli, "plan", "evaluate", *args)


def test_list_never_cuts_a_plan_id_at_80_columns(cli, plan_path: Path, monkeypatch):
    from livecart.cli.app import console

    monkeypatch.setattr(console, "_width", 80)
    for _ in range(2):  # the second plan of a start takes the longest id, ending -2
        args = ("--market", "US", "--start", _future(70), "--budget", "1000", "--rule")
        assert invoke(cli, "plan", "create", plan_path, *args).exit_code == 0
    r = invoke(cli, "plan", "list", plan_path, "--json")
    ids = [x["plan_id"] for x in json.loads(r.output)]
    r = invoke(cli, "plan", "list", plan_path)
    assert max(len(line) for line in r.output.splitlines()) <= 80
    assert "…" not in r.output
    for i in ids:
        assert i in r.output


def test_create_names_the_currency_of_every_price_and_money_target(cli, plan_path: Path):
    """Issue 17: the run of show's price column and the golden-hour GMV and ad-spend targets
    showed bare figures; a UK plan names GBP in each (and in the test videos' GMV per 1,000
    views quoted in the talking points), and the counts stay bare."""
    args = ("--market", "UK", "--start", _future(30), "--budget", "3000", "--host", "host_02")
    r = invoke(cli, "plan", "create", plan_path, *args)
    assert r.exit_code == 0, r.output
    assert "| price (GBP) |" in r.output
    quoted = re.findall(r"test-video views [\d,]+\s+(\S+)", r.output)
    assert quoted and set(quoted) == {"GBP"}, quoted  # the demo's UK line-up has tested SKUs
    lines = {ln.split(":")[0]: ln for ln in r.output.splitlines() if ln.startswith("- ")}
    for money in ("- gmv", "- ad_spend"):
        assert lines[money].endswith(" GBP"), lines[money]
    assert not lines["- orders"].endswith("GBP")
