"""Advice the core gives in the CLI's words (a command, a flag) is shown in the dashboard's
(a page, a field) wherever the browser shows it (#17); the CLI prints it as before."""

from __future__ import annotations

import time

import pytest

from livecart.errors import LivecartError
from livecart.web.errors import error_body
from livecart.web.wording import in_dashboard_words
from tests.conftest import invoke


@pytest.mark.parametrize(
    ("cli", "dashboard"),
    [
        (
            "no exchange rate from IDR to USD on or before 2026-01-01: import one with "
            "`livecart import DIR fx_rates FILE`",
            "no exchange rate from IDR to USD on or before 2026-01-01: import one on the Import "
            "page (fx_rates)",
        ),
        (
            "no split within past sessions' range meets the constraints (pass --extrapolate)",
            "no split within past sessions' range meets the constraints (tick 'beyond past "
            "spend' on the Ads page)",
        ),
        (
            "the curves there are extrapolated (pass --extrapolate to optimize anyway)",
            "the curves there are extrapolated (tick 'beyond past spend' on the Ads page to "
            "optimize anyway)",
        ),
        (
            "favour 30%, 50%, 20% (+4.0% on the extrapolated curves); not recommended without "
            "--extrapolate",
            "favour 30%, 50%, 20% (+4.0% on the extrapolated curves); not recommended without "
            "'beyond past spend' on the Ads page",
        ),
        (
            "host proposed: H1 (pro_host): fits (`livecart hosts compare` shows every candidate)",
            "host proposed: H1 (pro_host): fits (the Hosts page compares them all)",
        ),
        (
            "'S9' is not a known session_id in sessions: import sessions first "
            "(livecart import DIR sessions FILE)",
            "'S9' is not a known session_id in sessions: import sessions first "
            "(on the Import page: sessions)",
        ),
        (
            "required column 'market' is missing: add a column named 'market' (or pass --market; "
            "the workspace has several markets)",
            "required column 'market' is missing: add a column named 'market' (or fill in "
            "Market; the workspace has several markets)",
        ),
        (
            "no user 'ana': `livecart users list DIR` shows who there is",
            "no user 'ana': the Team page lists the members",
        ),
        ("nothing to import", "nothing to import"),
    ],
)
def test_cli_advice_in_a_note_is_said_in_the_dashboards_words(cli, dashboard):
    assert in_dashboard_words(cli) == dashboard


def test_an_error_with_dashboard_wording_shows_it_on_the_web_and_keeps_the_clis():
    e = LivecartError("the budget must be above zero: pass --budget", dashboard="enter one")
    assert str(e) == "the budget must be above zero: pass --budget"
    assert error_body(e)["detail"] == "enter one"
    plain = LivecartError("import it with `livecart import DIR sessions FILE`")
    assert error_body(plain)["detail"] == "import it on the Import page (sessions)"


def test_a_plan_form_error_names_what_to_ask_for_and_the_cli_the_flag(
    make_client, cli, sample_path
):
    args = ["--market", "US", "--start", "2027-03-01 19:00", "--budget", "500", "--products", "1"]
    with pytest.raises(LivecartError, match="add products or pass --no-guidance"):
        invoke(cli, "plan", "create", sample_path, *args)  # the CLI's words stay
    c = make_client(api_token="t")
    body = {"market": "US", "start": "2027-03-01 19:00", "budget": 500, "products": 1}
    job = c.post("/api/plans", json=body, headers={"Authorization": "Bearer t"}).json()
    deadline = time.monotonic() + 120
    while job["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
        job = c.get(f"/api/jobs/{job['id']}").json()
    detail = job["error"]["detail"]
    assert "fewer than the guidance's" in detail and "ask for more products" in detail
    assert "--no-guidance" not in detail
