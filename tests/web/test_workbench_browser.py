"""The workbench in a real browser: `livecart serve` on a copy of the demo, Debian's headless
chromium through Playwright. Each form's happy path and one bad input, two members at once, and
a CLI command while the server owns the workspace."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from livecart.store.team import add_user, audit_log
from tests.browser import chromium_page, run_livecart, served

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_copy(demo_path, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bench")
    shutil.copytree(demo_path, root / "ws")
    (root / "bad.csv").write_text("order_id,sku_id\n1,2\n")
    return root


@pytest.fixture(scope="module")
def url(demo_copy) -> Iterator[str]:
    with served(demo_copy / "ws") as u:
        yield u


def test_import_form_shows_the_report_and_the_problems_inline(url, demo_copy):
    with chromium_page() as page:
        page.goto(url + "imports")
        page.select_option("#import-kind", "markets")
        page.set_input_files("input[name=file]", str(FIXTURES / "markets.csv"))
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#import-form .report .ok", timeout=60_000)
        assert "markets rows written" in page.inner_text("#import-form .report")
        # a bad file: every problem with its row and column, nothing written
        page.select_option("#import-kind", "orders")
        page.set_input_files("input[name=file]", str(demo_copy / "bad.csv"))
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#import-form table.problems", timeout=60_000)
        rows = page.locator("#import-form table.problems tr").all_inner_texts()
        assert any("bad.csv\t2\tsku_id" in r for r in rows), rows
        assert "nothing written" in page.inner_text("#import-form .report")


def test_plan_form_creates_a_plan_and_its_run_of_show_downloads(url):
    with chromium_page() as page:
        page.goto(url + "plans")
        page.fill("#plan-form input[name=market]", "US")
        page.fill("#plan-form input[name=start]", "next tuesday")  # bad: not a time
        page.fill("#plan-form input[name=budget]", "900")
        page.click("#plan-form button[type=submit]")
        page.wait_for_selector("#plan-form .report .error", timeout=60_000)
        assert "YYYY-MM-DD" in page.inner_text("#plan-form .report")
        page.fill("#plan-form input[name=start]", "2027-02-10 19:00")
        page.fill("#plan-form input[name=title]", "from the browser")
        page.click("#plan-form button[type=submit]")
        page.wait_for_url("**/plans/US-*", timeout=120_000)
        assert page.inner_text("#plan-title") == "from the browser"
        with page.expect_download() as d:
            page.click("#downloads >> text=Markdown")
        text = Path(d.value.path()).read_text()
        assert text.startswith("# ") and "from the browser" in text
        # edit: saved as version 2
        page.click("#edit-plan summary")
        page.fill("#edit-form input[name=title]", "renamed in the browser")
        page.click("#edit-form button[type=submit]")
        page.wait_for_function(
            "document.querySelector('#plan-title').innerText == 'renamed in the browser'",
            timeout=60_000,
        )
        assert " v2 " in page.inner_text("main p.muted")


def test_stock_save_and_stage_confirm_from_the_pages(url, demo_copy):
    with chromium_page() as page:
        page.goto(url + "stock")
        page.click("#save-stock button[type=submit]")
        page.wait_for_selector("#save-stock .report .ok", timeout=60_000)
        page.goto(url + "products?market=US")
        if page.locator("#confirm-form").count():
            page.click("#confirm-form button[type=submit]")
            page.wait_for_selector("#confirm-form .report .ok", timeout=60_000)
        page.goto(url + "stock?budget=-5")  # bad input: the page says what is wrong
        assert "budget" in page.inner_text("body").lower()
    actions = {e["action"] for e in audit_log(demo_copy / "ws")}
    assert "stock plan save" in actions


def test_two_members_at_once_each_in_the_audit_log(url, demo_copy):
    ws = demo_copy / "ws"
    tokens = {name: add_user(ws, name, "operator") for name in ("ana", "ben")}
    try:
        with chromium_page() as a:
            b = a.context.browser.new_context().new_page()  # a second person, own cookies
            for name, page in (("ana", a), ("ben", b)):
                page.goto(url + "team")
                page.fill("#login-form input[name=token]", tokens[name])
                page.click("#login-form button[type=submit]")
                assert f"You are {name}" in page.inner_text("#me")
            for extra, page in (
                ("CA,Canada,CAD,America/Toronto", a),
                ("AU,Australia,AUD,Australia/Sydney", b),
            ):
                own = demo_copy / f"markets-{extra[:2]}.csv"  # each a change of their own
                own.write_text((FIXTURES / "markets.csv").read_text() + extra + "\n")
                page.goto(url + "imports")
                page.select_option("#import-kind", "markets")
                page.set_input_files("input[name=file]", str(own))
            for page in (a, b):  # both submitted before either finishes
                page.click("#import-form button[type=submit]")
            for page in (a, b):
                page.wait_for_selector("#import-form .report p", timeout=60_000)
                assert "error" not in page.inner_text("#import-form .report").lower()
            a.goto(url + "team")
            assert "ana" in a.inner_text("#audit") and "ben" in a.inner_text("#audit")
    finally:
        (ws / "users.json").unlink()


def test_a_cli_command_runs_while_the_server_owns_the_workspace(url, demo_copy):
    args = [
        "plan",
        "create",
        "ws",
        "--market",
        "US",
        "--start",
        "2027-03-01 19:00",
        "--budget",
        "800",
        "--title",
        "from the cli",
    ]
    r = run_livecart(args, demo_copy)
    assert r.returncode == 0, r.stderr
    with chromium_page() as page:
        page.goto(url + "plans")
        assert "from the cli" in page.inner_text("#plans")
