"""The workbench's last forms in a real browser (#17): a segment exported with the brand's
contact file (Fans page), and each model's evaluation against the simulator's truth (Products,
Stock and Fans pages) as a job with a progress bar and a Cancel button. Each form's happy path
and one bad input. `livecart serve` on a copy of the demo; the evaluations run at their smallest
sizes (one simulated brand each: about a minute of work apiece)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import livecart
from tests.browser import chromium_page, served
from tests.web.test_forms_browser import refused, result_rows, submit

pytestmark = [pytest.mark.browser, pytest.mark.slow]
EVALUATION = 240_000  # ms: one simulated brand on a shared two-core machine


@pytest.fixture(scope="module")
def root(demo_path, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("trust")
    shutil.copytree(demo_path, root / "ws")
    with livecart.open(demo_path, read_only=True) as ws:
        b = ws.query("SELECT DISTINCT buyer_id FROM orders WHERE buyer_id IS NOT NULL")
    b["email"] = b["buyer_id"].map(lambda x: f" {x.upper()}@Example.com")
    b.to_csv(root / "crm.csv", index=False)
    (root / "bad.csv").write_text("customer,email\nc1,a@b.example\n")
    return root


def evaluate(page, form: str, **inputs: object) -> str:
    """Fill ``form``'s inputs, submit and wait for the evaluation's result; its report's text."""
    for name, value in inputs.items():
        page.fill(f"{form} input[name={name}]", str(value))
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"{form} .report table.result", timeout=EVALUATION)
    return page.inner_text(f"{form} .report")


@pytest.fixture(scope="module")
def url(root) -> Iterator[str]:
    with served(root / "ws") as u:
        yield u


def test_a_segment_downloads_as_a_hashed_tiktok_audience_with_the_contact_file(url, root):
    with chromium_page(accept_downloads=True) as page:
        page.goto(url + "fans")
        page.select_option("#export-form select[name=segment]", "other_non_followers")
        page.set_input_files("#export-form input[name=contacts]", str(root / "bad.csv"))
        text = submit(page, "#export-form", ".report .error")
        assert "bad.csv has no buyer_id column" in text  # bad input: says what it needs
        page.set_input_files("#export-form input[name=contacts]", str(root / "crm.csv"))
        with page.expect_download() as d:
            page.click("#export-form button[type=submit]")
        assert d.value.suggested_filename == "other_non_followers-tiktok.csv"
        lines = Path(d.value.path()).read_text().splitlines()
        assert f"{len(lines) - 1:,} rows in" in page.inner_text("#export-form .report")
    assert lines[0] == "Email_SHA256" and len(lines) > 1000
    crm = pd.read_csv(root / "crm.csv")["buyer_id"]
    hashes = {hashlib.sha256(f"{b.lower()}@example.com".encode()).hexdigest() for b in crm}
    assert set(lines[1:]) <= hashes  # trimmed, lower-cased, then hashed


def test_the_products_evaluation_scores_the_ranking_and_its_cancel_stops_it(url):
    with chromium_page() as page:
        page.goto(url + "products")
        refused(page, "#evaluate-products", "k", "0", "k")
        page.fill("#evaluate-products input[name=seeds]", "5")
        page.fill("#evaluate-products input[name=k]", "3")
        page.click("#evaluate-products button[type=submit]")
        page.wait_for_selector("#evaluate-products .report .job progress", timeout=EVALUATION)
        page.wait_for_function(  # the bar follows the job: a seed at a time
            "document.querySelector('#evaluate-products .job').innerText.includes('scoring seed')",
            timeout=EVALUATION,
        )
        page.click("#evaluate-products .report button.cancel")
        page.wait_for_selector("#evaluate-products .report .error", timeout=EVALUATION)
        text = page.inner_text("#evaluate-products .report")
        assert "cancelled: nothing was written" in text and "precision" not in text
        text = evaluate(page, "#evaluate-products", seeds=1)
        assert "of the model's top 3 products per market are truly top 3" in text
        assert "precision at k:" in text and "calibration error:" in text
        assert len(result_rows(page, "#evaluate-products")) >= 2  # P(beat) bins


def test_the_stock_evaluation_sets_the_forecast_beside_two_baselines(url):
    with chromium_page() as page:
        page.goto(url + "stock")
        refused(page, "#evaluate-stock", "scale", "5", "scale")
        text = evaluate(page, "#evaluate-stock", seeds=1, scale=0.1)
        rows = [r.split("\t") for r in result_rows(page, "#evaluate-stock")]
        assert [r[0] for r in rows] == [
            "livecart model",
            "baseline: sku past average",
            "baseline: warmup clicks conversion",
        ]
        assert all(float(r[1]) > 0 for r in rows)
        assert "of held-out demand fell inside the 80% interval" in text


def test_the_fans_evaluation_shows_each_parameters_error_and_the_true_uplift(url):
    with chromium_page() as page:
        page.goto(url + "fans")
        refused(page, "#evaluate-fans", "seeds", "0", "seeds")
        text = evaluate(page, "#evaluate-fans", seeds=1, scale=0.1)
        names = [r.split("\t")[0] for r in result_rows(page, "#evaluate-fans")]
        assert names[:4] == ["r", "alpha", "a", "b"]
        assert "against a true" in text and "holdout error:" in text
