"""Slow reads are cached until their inputs change (issue #14, defect 10): the second read of
a ranking, a test allocation, a stage board or a stock hand-off is the stored result (the core
is not called again); a write to the workspace, other parameters or the next minute compute
it anew. The speed itself is measured by benchmarks/bench_api_reads.py."""

from __future__ import annotations

import threading
import time

import pandas as pd

from livecart.web.cache import ResultCache
from livecart.web.pages import products, stock


def counting(monkeypatch, module, name, value):
    calls = []

    def fake(*args, **kw):
        calls.append(kw)
        return value

    monkeypatch.setattr(module, name, fake)
    return calls


def test_a_second_read_is_the_stored_result_until_the_workspace_changes(client, monkeypatch):
    rank = counting(monkeypatch, products, "ranking_records", [{"sku_id": "A"}])
    view = counting(monkeypatch, products, "products_view", {"board": {"cells": []}})
    planned = counting(monkeypatch, stock, "planned_stock", {"A": 3})
    for _ in range(3):
        assert client.get("/api/products/rank?k=3").json() == [{"sku_id": "A"}]
        assert client.get("/api/products/stages").json() == {"cells": []}
        assert client.get("/api/stock/S1/planned").json() == {"A": 3}
    assert (len(rank), len(view), len(planned)) == (1, 1, 1)
    client.get("/api/products/rank?k=4")  # other parameters: another result
    assert len(rank) == 2
    ws = client.app.state.workspace
    with ws.transaction() as con:  # any committed write
        con.execute("CREATE TEMP TABLE touched AS SELECT 1 AS x")
    client.get("/api/products/rank?k=3")
    client.get("/api/stock/S1/planned")
    assert (len(rank), len(planned)) == (3, 2)


def test_the_test_allocation_reuses_the_fitted_model_across_parameters(client, monkeypatch):
    class Model:
        cells_ = pd.DataFrame({"market": ["US"]})

    fits = counting(monkeypatch, products, "score_workspace", Model())
    allocs = counting(monkeypatch, products, "allocate_tests", pd.DataFrame({"sku_id": ["A"]}))
    for videos in (10, 20, 10):
        assert client.get(f"/api/products/next?videos={videos}").status_code == 200
    assert len(fits) == 1 and len(allocs) == 2


def test_errors_are_not_cached_and_the_least_recently_used_result_goes_first():
    now = [0.0]
    cache = ResultCache(size=2, clock=lambda: now[0])
    calls = []

    def boom():
        calls.append(1)
        raise ValueError("no")

    for _ in range(2):
        try:
            cache.get(("k",), boom)
        except ValueError:
            pass
    assert len(calls) == 2
    assert cache.get(("a",), lambda: 1) == 1 and cache.get(("a",), lambda: 2) == 1
    cache.get(("b",), lambda: 1)
    cache.get(("c",), lambda: 1)  # size 2: "a" was the least recently used
    assert cache.get(("a",), lambda: 9) == 9


def test_concurrent_reads_of_one_key_compute_it_once():
    cache = ResultCache()
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return 42

    got = []
    threads = [
        threading.Thread(target=lambda: got.append(cache.get(("k",), slow))) for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [42] * 5 and len(calls) == 1


def test_a_result_of_the_data_alone_outlives_the_minute_and_a_plan_as_of_now_does_not(
    client, monkeypatch
):
    """The fans overview (a model of the history) is kept across minutes until the data
    changes; a stock hand-off, planned as of now, is computed again in the next minute."""
    from livecart.web.pages import fans

    empty = fans.FansOverview(
        currency="USD",
        buyers=0,
        funnel_by="market",
        funnel=[],
        segments=[],
        uplift=[],
        p_alive_histogram=[0] * 10,
        parameters=[],
        notes=[],
    )
    fitted = counting(monkeypatch, fans, "fans_overview", empty)
    planned = counting(monkeypatch, stock, "planned_stock", {"A": 3})
    cache = client.app.state.result_cache = ResultCache()
    now = [0.0]
    cache.clock = lambda: now[0]
    for minute in range(3):
        now[0] = 60.0 * minute
        assert client.get("/api/fans").status_code == 200
        client.get("/api/stock/S1/planned")
    assert (len(fitted), len(planned)) == (1, 3)
    with client.app.state.workspace.transaction() as con:  # new data: fitted again
        con.execute("CREATE TEMP TABLE touched AS SELECT 1 AS x")
    client.get("/api/fans")
    assert len(fitted) == 2
