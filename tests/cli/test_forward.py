"""One owner, many clients: while `livecart serve` owns a workspace, `livecart` commands on it
run inside that server and print what they print alone, with the same exit code."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from livecart.cli.in_server import absolute_paths, run_for_client
from livecart.owner import ADVERT_FILE, Owner, advertise, find_owner, withdraw
from tests.browser import run_livecart, served
from tests.conftest import invoke

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def livecart(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_livecart([str(a) for a in args], cwd, columns=100)


def same(text: str, root: Path | None = None) -> str:
    """Output with its timings taken out (`in 0.3s`) and, for a forwarded command, the
    absolute paths it shows (the server reads the client's relative paths made absolute) made
    relative again; spacing collapsed, as a longer path re-centres a table title."""
    if root is not None:
        text = text.replace(f"{root}/", "").replace("served", "alone")
    return " ".join(re.sub(r"in \d+\.\d+s", "in Ns", text).split())


# --- the advertisement --------------------------------------------------------------------------
def test_advertisement_is_readable_by_its_user_only_and_names_the_server(tmp_path):
    owner = Owner("http://127.0.0.1:1234/", os.getpid(), "tok")
    path = advertise(tmp_path, owner)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert find_owner(tmp_path) == owner


def test_a_dead_servers_advertisement_is_ignored_and_removed(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], text=True, capture_output=True
    ).stdout.strip()
    advertise(tmp_path, Owner("http://127.0.0.1:1/", int(dead), "tok"))
    assert find_owner(tmp_path) is None
    assert not (tmp_path / ADVERT_FILE).exists()


def test_withdraw_leaves_a_newer_servers_advertisement(tmp_path):
    old = Owner("http://127.0.0.1:1/", os.getpid(), "old")
    new = Owner("http://127.0.0.1:2/", os.getpid(), "new")
    advertise(tmp_path, new)
    withdraw(tmp_path, old)
    assert find_owner(tmp_path) == new
    withdraw(tmp_path, new)
    assert find_owner(tmp_path) is None


def test_a_stale_advertisement_does_not_stop_a_command_running_alone(tmp_path, cli):
    import livecart as lc

    lc.init(tmp_path / "ws").close()
    advertise(tmp_path / "ws", Owner("http://127.0.0.1:1/", 999_999_999, "tok"))
    r = livecart("status", "ws", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "workspace" in r.stdout and not (tmp_path / "ws" / ADVERT_FILE).exists()


# --- paths on the command line ------------------------------------------------------------------
def test_relative_path_values_are_read_from_the_clients_directory(tmp_path):
    (tmp_path / "orders").mkdir()  # a folder named like the kind: the kind stays a kind
    argv = ["import", "ws", "orders", "x/o.csv", "--market", "US"]
    assert absolute_paths(argv, str(tmp_path)) == [
        "import",
        str(tmp_path / "ws"),
        "orders",
        str(tmp_path / "x/o.csv"),
        "--market",
        "US",
    ]
    got = absolute_paths(["stock", "plan", "ws", "L1", "--csv=po.csv"], "/c")
    assert got == ["stock", "plan", "/c/ws", "L1", "--csv=/c/po.csv"]


# --- in-process: the route ----------------------------------------------------------------------
def test_the_route_runs_a_command_as_the_cli_does_and_needs_the_local_token(demo_path, cli):
    from livecart.web import create_app
    from tests.web.conftest import TestClient

    alone = invoke(cli, "status", str(demo_path))
    with TestClient(create_app(demo_path, commands=run_for_client)) as c:
        body = {"argv": ["status", str(demo_path)], "cwd": str(demo_path.parent)}
        assert c.post("/api/local/cli", json=body).status_code == 401
        token = c.app.state.local_token
        r = c.post("/api/local/cli", json=body, headers={"Authorization": f"Bearer {token}"})
    lines = [json.loads(x) for x in r.text.splitlines()]
    out = "".join(x.get("out", "") for x in lines)
    assert lines[-1] == {"exit": 0}
    assert out == alone.stdout


def test_commands_run_in_the_server_concurrently_share_its_one_writer(tmp_path, demo_path):
    """Two imports and a status at once through the server: no lock error, all rows there."""
    from livecart.store import Workspace

    shutil.copytree(demo_path, tmp_path / "ws")
    ws = Workspace.open(tmp_path / "ws")
    results: dict[str, tuple[int, str]] = {}

    def run(name: str, argv: list[str]) -> None:
        chunks: list[str] = []
        code = run_for_client(
            ws, {"argv": argv, "cwd": str(FIXTURES)}, lambda s, t: chunks.append(t)
        )
        results[name] = (code, "".join(chunks))

    jobs = {
        "markets": ["import", str(tmp_path / "ws"), "markets", "markets.csv"],
        "products": ["import", str(tmp_path / "ws"), "products", "products.csv"],
        "status": ["status", str(tmp_path / "ws"), "--json"],
    }
    threads = [threading.Thread(target=run, args=(k, v)) for k, v in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        for name, (code, text) in results.items():
            assert code == 0, (name, text)
            assert "locked" not in text
        assert "rows written" in results["markets"][1] and "rows written" in results["products"][1]
    finally:
        ws.close()


# --- a real server ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_copies(demo_path, tmp_path_factory):
    """Two copies of the demo: one served, one used alone (the same commands on each)."""
    root = tmp_path_factory.mktemp("owners")
    shutil.copytree(demo_path, root / "served")
    shutil.copytree(demo_path, root / "alone")
    shutil.copy(FIXTURES / "markets.csv", root / "markets.csv")
    (root / "bad.csv").write_text("order_id,sku_id\n1,2\n")
    return root


@pytest.mark.slow
def test_commands_on_a_served_workspace_print_what_they_print_alone(two_copies):
    root = two_copies
    plan = [
        "plan",
        "create",
        "{ws}",
        "--market",
        "US",
        "--start",
        "2027-01-10 19:00",
        "--budget",
        "900",
    ]
    commands = [
        ["status", "{ws}"],
        ["import", "{ws}", "orders", "bad.csv"],  # rejected: exit 1, problems on stderr
        ["import", "{ws}", "markets", "markets.csv"],
        plan,
        ["plan", "list", "{ws}"],
        ["plan", "show", "{ws}", "{plan}", "--format", "md", "--out", "show.md"],
        ["status", "{ws}", "--json"],
    ]
    alone, remote = [], []
    for c in commands:
        alone.append(livecart(*[a.format(ws="alone", plan=_plan_id(alone)) for a in c], cwd=root))
    with served(root / "served"):
        assert find_owner(root / "served") is not None
        for c in commands:
            args = [a.format(ws="served", plan=_plan_id(remote)) for a in c]
            remote.append(livecart(*args, cwd=root))
    assert find_owner(root / "served") is None  # withdrawn when the server stopped
    for cmd, a, r in zip(commands, alone, remote, strict=True):
        assert r.returncode == a.returncode, (cmd, r.stderr)
        assert same(r.stdout, root) == same(a.stdout), cmd
        assert same(r.stderr, root) == same(a.stderr), cmd
        assert "locked" not in r.stderr
    assert [a.returncode for a in alone] == [0, 1, 0, 0, 0, 0, 0]


def _plan_id(done: list[subprocess.CompletedProcess[str]]) -> str:
    """The id `plan create` printed (the fourth command), once it ran."""
    m = re.search(r"plan `([^`]+)` version", done[3].stdout) if len(done) > 3 else None
    return m.group(1) if m else ""


@pytest.mark.slow
def test_a_usage_error_in_the_server_exits_2_as_alone(two_copies):
    """Typer draws usage errors at the server's width (its own console): the words and the
    exit code are the same."""
    root = two_copies
    alone = livecart("plan", "create", "alone", "--bogus", cwd=root)
    with served(root / "served"):
        remote = livecart("plan", "create", "served", "--bogus", cwd=root)
    assert alone.returncode == remote.returncode == 2
    assert "No such option: --bogus" in remote.stderr


@pytest.mark.slow
def test_serve_on_a_served_workspace_names_the_running_server(two_copies):
    root = two_copies
    with served(root / "served") as url:
        r = livecart("serve", "served", "--port", "0", cwd=root)
        assert r.returncode == 1 and url in r.stderr and "already served" in r.stderr
        helped = livecart("status", "served", "--help", cwd=root)  # help is read here
        assert helped.returncode == 0 and "Usage" in helped.stdout
