"""Host-model fixtures: the evaluation on held-out seeds (computed once per test session) and the
demo's records imported into a fresh workspace."""

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


@pytest.fixture(scope="session")
def imported(demo_path, tmp_path_factory):
    """The demo's records imported into a fresh workspace, as a user would bring them."""
    import livecart
    from livecart.ingest import import_frame
    from livecart.store import Workspace

    out = tmp_path_factory.mktemp("imported") / "ws"
    w = livecart.init(out)
    with Workspace.open(demo_path, read_only=True) as demo:
        for kind in (
            "markets",
            "fx_rates",
            "products",
            "creators",
            "sessions",
            "session_products",
            "ad_spend",
        ):
            import_frame(w, kind, demo.table(kind))
        orders = demo.query("SELECT * FROM orders WHERE channel = 'live'")
        import_frame(
            w,
            "buyers",
            demo.query(
                "SELECT * FROM buyers WHERE buyer_id IN (SELECT buyer_id FROM orders "
                "WHERE channel = 'live')"
            ),
        )
        import_frame(w, "orders", orders)
    w.close()
    return out
