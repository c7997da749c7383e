"""The dashboard's remaining forms in a real browser (#17): every step of a day's work without a
terminal. Each form's happy path and one bad input, through the same route the API uses; the
answer (or the error, in words) shows beside the form. `livecart serve` on a copy of the demo,
except for reconcile and the nowcast score, which need a fake TikTok Shop and a longer history
and run on an app served in-process."""

from __future__ import annotations

import csv
import io
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import livecart
from livecart.store.team import audit_log
from livecart.web import create_app
from tests.browser import chromium_page, served, served_in_process
from tests.live.synth import synth_history

pytestmark = pytest.mark.browser
LINKED = "L0028"  # a recorded US live of the seed-7 demo; the fixture links a plan to it
WAIT = 60_000


@pytest.fixture(scope="module")
def demo_copy(demo_path, tmp_path_factory) -> Path:
    from livecart.plan import create_plan, save_plan

    ws = tmp_path_factory.mktemp("forms") / "ws"
    shutil.copytree(demo_path, ws)
    with livecart.open(ws) as w:
        save_plan(w, create_plan(w, "US", "2026-11-03 19:00", 900, session_id=LINKED))
    return ws


@pytest.fixture(scope="module")
def url(demo_copy) -> Iterator[str]:
    with served(demo_copy) as u:
        yield u


def submit(page, form: str, done: str = ".report :is(.ok, .error, table, .field)") -> str:
    """Submit ``form`` and wait until its report shows an answer; the report's text."""
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"{form} {done}", timeout=WAIT)
    return page.inner_text(f"{form} .report")


def refused(page, form: str, field: str, bad: str, says: str) -> None:
    """``bad`` in ``form``'s ``field`` is refused, and the error beside the form says ``says``."""
    page.fill(f"{form} [name={field}]", bad)
    assert says in submit(page, form, ".report .error")


def result_rows(page, form: str) -> list[str]:
    return page.locator(f"{form} table.result tbody tr").all_inner_texts()


def test_stage_apply_confirms_every_move_of_a_market_and_names_an_unknown_one(url, demo_copy):
    with chromium_page() as page:
        page.goto(url + "products?market=US")
        page.eval_on_selector("#apply-market option:checked", "o => { o.value = 'XX'; }")
        assert "XX" in submit(page, "#apply-form", ".report .error")
        page.goto(url + "products?market=US")
        proposed = int(page.inner_text("#stage-board p.muted").split()[0])
        text = submit(page, "#apply-form", ".report [data-field=n_proposed]")
        assert f"applied: {proposed}" in text and "n proposed: 0" in text
        page.goto(url + "products?market=US")
        assert page.inner_text("#stage-board p.muted").startswith("0 proposed")
    assert "stage apply" in {e["action"] for e in audit_log(demo_copy)}


def test_next_tests_form_places_exactly_the_videos_asked_for(url):
    with chromium_page() as page:
        page.goto(url + "products?market=US")
        refused(page, "#next-form", "videos", "0", "videos")
        page.fill("#next-form input[name=videos]", "12")
        page.fill("#next-form input[name=market]", "US")
        submit(page, "#next-form", ".report table.result")
        head = page.locator("#next-form table.result th").all_inner_texts()
        rows = [r.split("\t") for r in result_rows(page, "#next-form")]
        assert sum(int(r[head.index("videos")]) for r in rows) == 12
        assert {r[head.index("market")] for r in rows} == {"US"}


def test_fans_value_form_values_the_buyers_and_refuses_a_zero_horizon(url):
    with chromium_page() as page:
        page.goto(url + "fans")
        refused(page, "#value-form", "horizon", "0", "horizon")
        page.fill("#value-form input[name=horizon]", "26")
        text = submit(page, "#value-form", ".report table.result")
        assert "horizon weeks: 26" in text
        total = page.inner_text("#value-form [data-field=total_value]").split(": ")[1]
        assert float(total.replace(",", "")) > 0
        names = [r.split("\t")[0] for r in result_rows(page, "#value-form")]
        assert names[:4] == ["r", "alpha", "a", "b"]  # BG/NBD, then the status multipliers


def test_stock_page_shows_the_purchase_order_that_downloads_as_csv(url):
    with chromium_page() as page:
        page.goto(url + "stock?session=L0025&as_of=2026-09-01T00:00")
        lines = page.locator("#po-lines tbody tr")
        assert lines.count() > 0
        skus = [lines.nth(i).get_attribute("data-sku") for i in range(lines.count())]
        assert "LATE" not in page.inner_text("#po-lines")  # planned weeks ahead: none late
        with page.expect_download() as d:
            page.click("#po-link")
        rows = list(csv.DictReader(io.StringIO(Path(d.value.path()).read_text())))
        assert [r["sku_id"] for r in rows] == skus
        page.goto(url + "stock?session=L0025&as_of=last+week")  # bad: not a time
        assert "as_of: Input should be a valid datetime" in page.inner_text("main .alert")


def test_retro_form_opens_a_lives_retro_and_names_an_unknown_live(url):
    with chromium_page() as page:
        page.goto(url + "plans")
        refused(page, "#retro-form", "session_id", "NOPE", "no session 'NOPE'")
        refused(page, "#retro-form", "session_id", "L0029", "Plan field")  # no linked plan
        page.fill("#retro-form input[name=session_id]", LINKED)
        page.click("#retro-form button[type=submit]")
        page.wait_for_url(f"**/retros/{LINKED}?plan=*", timeout=WAIT)
        assert page.locator("#retro tr").count() > 2
        assert page.locator("#largest-gaps li").count() > 0


def test_hosts_compare_and_roster_forms_answer_in_the_page(url):
    with chromium_page() as page:
        page.goto(url + "hosts?market=US")
        page.fill("#compare-form input[name=start]", "2027-03-01 20:00")
        refused(page, "#compare-form", "budget", "-5", "budget")
        page.fill("#compare-form input[name=budget]", "2000")
        submit(page, "#compare-form", ".report table.result")
        assert len(result_rows(page, "#compare-form")) >= 2
        assert page.inner_text("#compare-form [data-field=reason]")
        page.fill("#roster-form input[name=week]", "2026-11-16")
        refused(page, "#roster-form", "rest", "-1", "rest")
        page.fill("#roster-form input[name=rest]", "1")
        text = submit(page, "#roster-form", ".report [data-field=status]")
        assert "status: OPTIMAL" in text or "status: FEASIBLE" in text
        shifts = [r.split("\t") for r in result_rows(page, "#roster-form")]
        with page.expect_download() as d:
            page.click("#roster-form .report a.next")
        rows = list(csv.DictReader(io.StringIO(Path(d.value.path()).read_text())))
        assert [r["host_id"] for r in rows] == [s[0] for s in shifts]
        page.fill("#ics-form input[name=week]", "2026-11-16")
        page.fill("#ics-form input[name=host]", rows[0]["host_id"])
        with page.expect_download() as d:
            page.click("#ics-form button[type=submit]")
        ics = Path(d.value.path()).read_text()
        assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") == sum(
            r["host_id"] == rows[0]["host_id"] for r in rows
        )


def test_ads_split_form_splits_for_profit_and_refuses_a_zero_budget(url):
    with chromium_page() as page:
        page.goto(url + "ads")
        page.click("#split-options summary")
        refused(page, "#split-form", "budget", "0", "budget")
        page.fill("#split-form input[name=budget]", "2000")
        page.select_option("#split-form select[name=objective]", "profit")
        submit(page, "#split-form", ".report [data-field=shares]")
        field = lambda k: page.inner_text(f"#split-form [data-field={k}]").split(": ")[1]  # noqa: E731
        shares = [float(x) for x in field("shares").split(", ")]
        unspent = float(field("unspent_usd").replace(",", ""))
        assert len(shares) == 3  # shares of the budget; a profit split may leave some unspent
        assert abs(sum(shares) + unspent / 2000 - 1) < 0.01


def test_an_admin_adds_and_removes_a_member_from_the_team_page(url, demo_copy):
    try:
        with chromium_page() as page:
            page.goto(url + "team")
            refused(page, "#member-form", "name", "two words", "user name")
            page.fill("#member-form input[name=name]", "root")
            page.select_option("#member-form select[name=role]", "admin")
            submit(page, "#member-form", ".report [data-field=token]")
            token = page.inner_text("#member-form [data-field=token]").split(": ")[1]
            page.fill("#login-form input[name=token]", token)  # the token signs them in
            page.click("#login-form button[type=submit]")
            assert "You are root (admin)" in page.inner_text("#me")
            refused(page, "#remove-form", "name", "nobody", "no member 'nobody'")
            page.fill("#remove-form input[name=name]", "root")
            assert "root removed" in submit(page, "#remove-form", ".report .ok")
            page.goto(url + "team")
            assert "None yet" in page.inner_text("main")
        actions = [e["action"] for e in audit_log(demo_copy)]
        assert "user add" in actions and "user remove" in actions
    finally:
        (demo_copy / "users.json").unlink(missing_ok=True)  # the other tests act as `local`


@pytest.fixture
def shop_url(shop, tmp_path) -> Iterator[tuple[str, object]]:
    """A workspace whose monitor heard S1 (the fake shop reports the same 300.0 USD) and 40
    past lives to score the nowcast on, served in this process (its env has the shop's keys)."""
    ws = shop.monitored_workspace(tmp_path)
    minutes, sessions = synth_history(40, seed=6)
    with livecart.open(ws) as w, w.transaction():
        w.upsert("sessions", sessions)
        w.upsert("live_minutes", minutes)
    with served_in_process(create_app(ws, api_token="")) as u:
        yield u, ws


def test_reconcile_form_compares_with_the_shop_and_says_which_keys_the_server_lacks(
    shop_url, monkeypatch
):
    url, ws = shop_url
    with chromium_page() as page:
        page.goto(url + "live")
        page.fill("#reconcile-form input[name=session_id]", "S1")
        refused(page, "#reconcile-form", "live_id", "../x", "live_id")  # bad: not an id
        page.fill("#reconcile-form input[name=live_id]", "L9")
        page.select_option("#reconcile-form select[name=currency]", "USD")
        text = submit(page, "#reconcile-form", ".report table.result")
        assert "minutes off: 0" in text
        gmv = result_rows(page, "#reconcile-form")[0].split("\t")
        assert gmv[:4] == ["gmv", "300", "300", "0"]
        assert (ws / "platform" / "S1-summary.json").exists()
        assert page.locator("#shop-keys-missing").count() == 0
        monkeypatch.delenv("LIVECART_SHOP_APP_SECRET")
        text = submit(page, "#reconcile-form", ".report .error")
        assert "LIVECART_SHOP_APP_SECRET" in text and "livecart serve" in text
        page.goto(url + "live")  # the page says so before anyone tries
        note = page.inner_text("#shop-keys-missing")
        assert "LIVECART_SHOP_APP_SECRET" in note and "LIVECART_SHOP_APP_KEY" not in note


def test_nowcast_score_form_scores_minutes_15_30_60_and_refuses_a_whole_holdout(shop_url):
    url, _ws = shop_url
    with chromium_page() as page:
        page.goto(url + "live")
        refused(page, "#evaluate-form", "test_fraction", "1", "test_fraction")
        page.fill("#evaluate-form input[name=test_fraction]", "0.3")
        submit(page, "#evaluate-form", ".report table.result")
        minutes = [r.split("\t")[0] for r in result_rows(page, "#evaluate-form")]
        assert minutes == ["15", "30", "60"]
        text = page.inner_text("#evaluate-form .report")
        held_out = int(text.split("held out: ")[1].split()[0])
        training = int(text.split("training: ")[1].split()[0])
        assert held_out >= 1 and training >= 20


def test_a_forms_job_shows_its_progress_and_its_cancel_button_stops_it(shop_url, monkeypatch):
    import livecart.live

    url, ws = shop_url
    reading, release = threading.Event(), threading.Event()
    real = livecart.live.load_history

    def held(ws):  # the job's first step waits here until the test has clicked Cancel
        reading.set()
        release.wait(30)
        return real(ws)

    monkeypatch.setattr(livecart.live, "load_history", held)
    with chromium_page() as page:
        page.goto(url + "live")
        page.click("#evaluate-form button[type=submit]")
        page.wait_for_selector("#evaluate-form .report .job progress", timeout=WAIT)
        page.wait_for_function(  # the bar's label follows the job's progress message
            "document.querySelector('#evaluate-form .job').innerText.includes('reading past')",
            timeout=WAIT,
        )
        assert reading.wait(30)
        page.click("#evaluate-form .report button.cancel")
        deadline = time.monotonic() + 30
        while "cancel job" not in {e["action"] for e in audit_log(ws)}:  # the cancel arrived
            assert time.monotonic() < deadline, "the Cancel button never reached the server"
            time.sleep(0.05)
        release.set()
        page.wait_for_selector("#evaluate-form .report .error", timeout=WAIT)
        text = page.inner_text("#evaluate-form .report")
    assert "cancelled: nothing was written" in text
    assert "mdape" not in text  # no scores: the job stopped before scoring
