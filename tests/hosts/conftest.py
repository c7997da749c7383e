"""Host-model fixtures: the evaluation on held-out seeds (computed once per test session)."""

from __future__ import annotations

import pytest

from tests.conftest import computed_once


@pytest.fixture(scope="session")
def hosts_eval(request: pytest.FixtureRequest):
    """Three held-out seeds (7100-7102, never used while developing) at the demo's full scale:
    the host model needs the lives of a whole demo to have a few per host. Computed once per
    test run, however many xdist workers run the tests that use it."""
    from livecart.evaluation.hosts import evaluate_hosts

    return computed_once(
        request,
        "hosts-eval-7100x3",
        lambda: evaluate_hosts(seeds=3, first_seed=7100, scale=1.0, roster=False),
    )
