"""Serving workspaces hold the results stream's trim back only within their lease (#16), on
a real redis-server: a retired one, silent past its lease, is dropped by the next trim (with a
log line) and no longer holds the stream (nor an ended room's drop) back; `livecart readers`
lists the readers and drops one by hand."""

from __future__ import annotations

import json
import logging
import time

import pytest

import livecart
from livecart.errors import LivecartError
from livecart.live.sources.redis_readers import drop_reader, list_readers, seen_key
from livecart.live.sources.redis_results import ResultsFeed, readers_key, results_key
from tests.conftest import invoke
from tests.sources.test_redis_results import served_minutes, truth_minutes
from tests.sources.test_redis_results_trim import _publish_rooms


def test_a_reader_silent_past_its_lease_stops_holding_the_trim_back(
    ws, redis_client, tmp_path, caplog
):
    events = _publish_rooms(redis_client, tmp_path, seed=91)
    n = redis_client.xlen(results_key())
    with livecart.init(tmp_path / "retired") as old:
        retired = ResultsFeed(old, redis_client, lease_s=1.0)  # registered, then never reads
    feed = ResultsFeed(ws, redis_client, count=5, lease_s=3600)
    feed.step()
    assert redis_client.xlen(results_key()) == n  # the retired reader holds it back
    assert [r["lapsed"] for r in list_readers(redis_client)] == [False, False]
    time.sleep(1.1)
    assert {r["reader"]: r["lapsed"] for r in list_readers(redis_client)} == {
        retired.reader(): True,
        feed.reader(): False,
    }
    with caplog.at_level(logging.WARNING):
        feed.catch_up()
    assert redis_client.xlen(results_key()) == 1  # trimmed to what the live reader applied
    assert [r["reader"] for r in list_readers(redis_client)] == [feed.reader()]
    assert f"serving workspace {retired.reader()} has not read" in caplog.text
    assert served_minutes(ws) == truth_minutes(events)
    with livecart.open(tmp_path / "retired") as old:
        back = ResultsFeed(old, redis_client)  # restarted: registers again, says it missed some
        assert back.missed is not None and back.reader() == retired.reader()


def test_an_idle_reader_keeps_its_lease_with_a_heartbeat(ws, redis_client, monkeypatch):
    from livecart.live.sources.redis_readers import Lease

    monkeypatch.setattr(Lease, "BEAT_S", 0.1)
    feed = ResultsFeed(ws, redis_client, lease_s=1.0)
    before = redis_client.hget(seen_key(), feed.reader())
    time.sleep(0.15)
    assert feed.step(block_ms=10) == 0  # nothing to read, but a heartbeat is due
    assert redis_client.hget(seen_key(), feed.reader()) != before


def test_readers_command_lists_and_drops(cli, ws, redis_client, redis_url):
    feed = ResultsFeed(ws, redis_client)
    redis_client.hset(readers_key(), "old-server", "0-0")  # registered before heartbeats
    r = invoke(cli, "readers", "--redis", redis_url, "--json")
    assert r.exit_code == 0, r.output
    rows = {row["reader"]: row for row in json.loads(r.output)}
    assert set(rows) == {feed.reader(), "old-server"}
    assert rows["old-server"]["seen_s_ago"] is None and not rows["old-server"]["lapsed"]
    r = invoke(cli, "readers", "--redis", redis_url, "--drop", "old-server")
    assert r.exit_code == 0 and "dropped old-server" in r.output, r.output
    assert [x["reader"] for x in list_readers(redis_client)] == [feed.reader()]
    with pytest.raises(LivecartError, match="not a registered reader"):
        invoke(cli, "readers", "--redis", redis_url, "--drop", "old-server")
    assert not drop_reader(redis_client, "nobody")
    r = invoke(cli, "readers", "--help")
    assert "lease" in r.output
