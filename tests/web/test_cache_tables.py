"""The result cache keys each result on the versions of the tables it reads (#17): a write to
one of them computes it anew, a write elsewhere keeps it. A live's saves (its sessions' totals
and minute rows, every few seconds while a live runs) keep the Fans models and the products
ranking; the tables each cached result declares are the tables it reads (traced)."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from livecart.store import workspace as workspace_module
from livecart.store.table_versions import ALL, TableVersions, written_table
from livecart.web import create_app
from livecart.web.cache import ResultCache
from tests.web.reads import ReadTracer


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('INSERT INTO "orders" (a) SELECT a FROM src', "orders"),
        ("INSERT OR REPLACE INTO _meta VALUES (?, ?)", "_meta"),
        ('DELETE FROM "Sessions" t USING (SELECT 1) s WHERE true', "sessions"),
        ("  UPDATE plans SET title = ?", "plans"),
        ("SELECT * FROM orders", None),
        ("WITH x AS (SELECT 1) SELECT * FROM x", None),
        ("CREATE OR REPLACE TEMP VIEW v AS SELECT 1", None),
        ("DROP VIEW IF EXISTS v", None),
        ("WITH x AS (SELECT 1) INSERT INTO orders SELECT * FROM x", ALL),
        ("CREATE TEMP TABLE t AS SELECT 1", ALL),
        ("ALTER TABLE orders ADD COLUMN x INT", ALL),
        ("SELECT 1; DELETE FROM orders", ALL),
    ],
)
def test_a_statement_names_the_table_it_writes_or_all_when_unsure(sql, table):
    assert written_table(sql) == table


def test_a_misspelt_table_is_refused_not_cached_forever():
    with pytest.raises(ValueError, match="no table 'order'"):
        TableVersions(["orders"]).key(("order",))


def test_only_the_tables_a_transaction_wrote_move_and_reads_move_nothing(ws):
    key = ws.table_versions.key
    before, version = (key(("orders",)), key(("sessions",))), ws.data_version
    ws.execute("SELECT count(*) FROM orders")  # a read through the writer
    with pytest.raises(RuntimeError), ws.transaction() as con:  # rolled back
        con.execute("DELETE FROM orders")
        raise RuntimeError
    assert (key(("orders",)), key(("sessions",))) == before and ws.data_version == version
    with ws.transaction() as con:
        con.execute("DELETE FROM orders WHERE false")
    assert key(("orders",)) != before[0] and key(("sessions",)) == before[1]
    with ws.transaction() as con:  # not understood: every table moves
        con.execute("CREATE TEMP TABLE t AS SELECT 1 AS x")
    assert key(("sessions",)) != before[1] and ws.data_version == version + 2


def test_a_result_read_from_a_lake_lives_a_minute_at_most(client, monkeypatch):
    """A lake (``query_source``) changes without the workspace's transactions: even a result of
    the data alone is computed again in the next minute."""
    import dataclasses

    from livecart.web.pages import fans

    calls = []
    monkeypatch.setattr(fans, "fans_models", lambda ws: calls.append(1) or "models")
    monkeypatch.setattr(fans, "fans_overview", lambda ws, by, models: _EMPTY)
    ws = client.app.state.workspace
    cache = client.app.state.result_cache = ResultCache(clock=lambda: now[0])
    now = [0.0]
    for source in ("", "/lake"):
        monkeypatch.setattr(ws, "settings", dataclasses.replace(ws.settings, query_source=source))
        for minute in range(2):
            now[0] = 60.0 * minute
            assert client.get("/api/fans").status_code == 200
    assert len(calls) == 1 + 2 and cache.misses > 0


def test_a_command_run_for_a_client_writes_through_the_servers_versions(ws):
    """A forwarded CLI command opens the server's own workspace (``lend``): its writes move
    the versions the server's cache reads."""
    before = ws.table_versions.key(("plans",))
    with workspace_module.lend(ws):
        lent = workspace_module.Workspace.open(ws.path)
        with lent.transaction() as con:
            con.execute("DELETE FROM plans WHERE false")
    assert ws.table_versions.key(("plans",)) != before


_EMPTY = {
    "currency": "USD",
    "buyers": 0,
    "funnel_by": "market",
    "funnel": [],
    "segments": [],
    "uplift": [],
    "p_alive_histogram": [0] * 10,
    "parameters": [],
    "notes": [],
}


@pytest.fixture(scope="module")
def traced(demo_path, tmp_path_factory):
    """A server on a copy of the demo whose cached results are traced while computed."""
    path = tmp_path_factory.mktemp("cache_tables") / "ws"
    shutil.copytree(demo_path, path)
    mp = pytest.MonkeyPatch()
    tracer = ReadTracer()
    tracer.install(mp)
    with TestClient(create_app(path)) as c:
        c.app.state.result_cache = ResultCache(clock=lambda: 0.0)  # one minute throughout
        yield c, tracer
    mp.undo()


def get(client_tracer, url: str):
    c, tracer = client_tracer
    tracer.new_request()
    r = c.get(url)
    assert r.status_code == 200, (url, r.text[:300])
    return r


def _session_ids(ws) -> tuple[str, str]:
    rows = ws.query(
        "SELECT session_id FROM sessions ORDER BY coalesce(actual_start, planned_start)"
    )
    return rows["session_id"].iloc[-10], rows["session_id"].iloc[-1]


@pytest.mark.slow  # every page computed once on the demo, traced
def test_every_cached_result_declares_every_table_it_reads(traced):
    c, tracer = traced
    ws = c.app.state.workspace
    past, last = _session_ids(ws)
    for url in (
        "/api/fans",
        "/fans?by=product",
        "/api/fans/segments/active_fans/export",
        "/api/hosts",
        "/api/hosts/rank",
        "/api/hosts/roster?week=2026-12-07",
        "/api/products",
        "/api/products?sku=" + ws.query("SELECT min(sku_id) AS s FROM products")["s"][0],
        "/api/products/rank",
        "/api/products/next",
        "/api/overview",
        "/live",
        f"/api/live/{past}",
        f"/api/stock/{last}",
        f"/api/stock/{last}/replan",
        f"/api/stock/{last}/planned",
    ):
        get(traced, url)
    assert len(tracer.reads) >= 14
    assert [n for n, d in tracer.declared.items() if d is None] == []
    assert tracer.undeclared(ws.table_versions.known) == {}


def _live_save(ws, session_id: str) -> None:
    """What a live run writes every few seconds (livecart.live.session_rows.write_rows): a
    session's totals and its minute rows."""
    from livecart.live.session_rows import SESSION_TOTALS, write_rows

    cols = ", ".join(["session_id", "market", "currency", "actual_start", "actual_end"])
    cols += ", " + ", ".join(SESSION_TOTALS)
    cur = ws.cursor()
    sessions = cur.sql(f"SELECT {cols} FROM sessions WHERE session_id = ?", params=[session_id])
    minutes = cur.sql("SELECT * FROM live_minutes WHERE session_id = ?", params=[session_id])
    write_rows(ws, sessions.to_arrow_table(), minutes.to_arrow_table())


@pytest.mark.slow
def test_a_live_save_keeps_the_fans_models_and_the_ranking_and_redraws_the_funnel(traced):
    c, tracer = traced
    ws = c.app.state.workspace
    urls = ("/api/fans", "/api/products/rank", "/api/products/next", "/api/hosts")
    for url in urls:
        get(traced, url)
    before = dict(tracer.computed)
    _live_save(ws, _session_ids(ws)[0])
    for url in urls:
        get(traced, url)
    moved = {n for n in tracer.computed if tracer.computed[n] != before.get(n, 0)}
    # the funnel reads the lives (views, followers per minute); the host model their GMV
    assert moved == {"fans", "hosts-model", "hosts-view"}


@pytest.mark.slow
def test_a_write_to_a_table_a_page_reads_computes_it_anew(traced):
    c, tracer = traced
    ws = c.app.state.workspace
    last = _session_ids(ws)[1]
    for table, url, names in (
        ("buyers", "/api/fans", {"fans-models", "fans"}),
        ("videos", "/api/products/rank", {"rank"}),
        ("selection_stage_log", "/api/products/stages", {"products"}),
        ("host_availability", "/api/hosts", {"hosts-view"}),
        ("session_products", "/api/hosts", {"hosts-model", "hosts-view"}),
        ("fx_rates", "/api/overview", {"overview"}),
        ("live_minutes", "/live", {"past lives"}),
        ("inventory", f"/api/stock/{last}", {"stock"}),
        ("stock_plan_lines", f"/api/stock/{last}/planned", {"planned"}),
    ):
        get(traced, url)
        before = dict(tracer.computed)
        ws.execute(f'DELETE FROM "{table}" WHERE false')  # a write that changes no row
        get(traced, url)
        moved = {n for n in tracer.computed if tracer.computed[n] != before.get(n, 0)}
        assert moved == names, table
