"""The results stream is trimmed as the serving workspaces apply it (#16): after each applied
batch a feed records its position among the stream's readers and trims below the lowest
reader's. A server that stops between applying and trimming, or is restarted any number of
times, still applies every entry exactly once; a second serving workspace that lags holds the
trim back; one that starts after entries were trimmed says what it missed."""

from __future__ import annotations

import livecart
from livecart.live.sources.redis_results import (
    ENDED_KEEP_S,
    ResultsFeed,
    ResultsPublisher,
    readers_key,
    results_key,
)
from tests.sources.redis_rooms import make_events, worker
from tests.sources.test_redis_results import (
    served_minutes,
    served_totals,
    truth_minutes,
    truth_totals,
)


def _publish_rooms(client, tmp_path, seed: int) -> list[dict]:
    """A worker sharing its results, to the end of the rooms: entries on the stream."""
    from livecart.live.sources.redis_stream import Publisher

    events = make_events(seed=seed, rooms=3, per_room=400)
    Publisher(client, per_entry=1).publish(events)
    with livecart.init(tmp_path / "worker") as own:
        w = worker(own, client, "g", "A", count=50)
        w.publish = ResultsPublisher(w.source)
        w.run()
    return events


def test_a_trimmed_stream_is_applied_exactly_once_across_restarts(ws, redis_client, tmp_path):
    events = _publish_rooms(redis_client, tmp_path, seed=41)
    n = redis_client.xlen(results_key())
    assert n > 12
    for room in ("R0", "R1", "R2"):  # ended: each room's checkpoint is dropped after a day
        assert 0 < redis_client.ttl(f"livecart:checkpoint:g:{room}") <= ENDED_KEEP_S
    feed = ResultsFeed(ws, redis_client, count=4)
    assert feed.step() == 4
    assert redis_client.xlen(results_key()) == n - 3  # all but the last entry applied
    # a server that stops after its transaction and before its trim: nothing trimmed yet
    stopped = ResultsFeed(ws, redis_client, count=4, trim=False)
    assert stopped.step() == 4
    assert redis_client.xlen(results_key()) == n - 3
    for _ in range(3):  # restarted three times, a few entries each time
        again = ResultsFeed(ws, redis_client, count=2)
        assert again.missed is None and again.reader() == feed.reader()
        again.step()
    assert ResultsFeed(ws, redis_client).catch_up() > 0
    assert redis_client.xlen(results_key()) == 1  # only the last applied entry is left
    (position,) = redis_client.hvals(readers_key())
    assert position.decode() == feed.position() == redis_client.xrange(results_key())[0][0].decode()
    assert served_minutes(ws) == truth_minutes(events)
    assert served_totals(ws) == truth_totals(events)


def test_a_lagging_reader_holds_the_trim_back_and_a_late_one_says_what_it_missed(
    ws, redis_client, tmp_path
):
    events = _publish_rooms(redis_client, tmp_path, seed=42)
    n = redis_client.xlen(results_key())
    with livecart.init(tmp_path / "second") as second:
        lagging = ResultsFeed(second, redis_client, count=3)
        first = ResultsFeed(ws, redis_client)  # registered: holds the trim back from now on
        assert lagging.step() == 3
        assert redis_client.xlen(results_key()) == n
        assert first.catch_up() == n
        assert redis_client.xlen(results_key()) == n - 2  # kept for the lagging reader
        assert lagging.catch_up() == n - 3
        assert served_minutes(second) == truth_minutes(events) == served_minutes(ws)
    assert redis_client.xlen(results_key()) == 1
    with livecart.init(tmp_path / "late") as late:
        feed = ResultsFeed(late, redis_client)
        assert feed.missed is not None  # started after the others had trimmed the stream
        assert feed.missed == redis_client.xrange(results_key())[0][0].decode()
