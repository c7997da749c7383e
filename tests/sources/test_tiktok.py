"""The TikTok LIVE adapter: the mapping from TikTokLive's own event objects, built from their
protobuf messages (serialised and parsed back, as the client does with the wire bytes), and
reconnection with back-off through a fake client that drops."""

from __future__ import annotations

import pytest

pytest.importorskip("TikTokLive", reason="the optional extra livecart[tiktok] is not installed")

from TikTokLive.events import (  # noqa: E402
    CommentEvent,
    ConnectEvent,
    FollowEvent,
    GiftEvent,
    JoinEvent,
    LikeEvent,
    LiveEndEvent,
    OecLiveShoppingEvent,
    RoomUserSeqEvent,
    ShareEvent,
)
from TikTokLive.proto import CommonMessageData, Gift, User  # noqa: E402
from TikTokLiveProto.v3.webcast.model.message.ext import PopProduct  # noqa: E402

from livecart.live import Monitor, totals  # noqa: E402
from livecart.live.engine import columns as C  # noqa: E402
from livecart.live.sources.tiktok import TikTokSource, entry_source, map_event  # noqa: E402
from livecart.model.events import event_from_dict  # noqa: E402

T0 = 1_764_615_600_000


def wire(cls, msg_id: int, t: int, **fields):
    """An event as the client gets it: the upstream webcast protobuf message (e.g.
    WebcastMemberMessage for JoinEvent) serialised, and its bytes parsed into the event class."""
    proto = next(k for k in cls.__mro__ if k.__module__.startswith("TikTokLiveProto"))
    # (no local named `common`: betterproto2 resolves its forward references in the caller's
    # frame, where such a name would shadow the proto module `common`)
    head = CommonMessageData(msg_id=msg_id, create_time=T0 + t)
    return cls().parse(bytes(proto(common=head, **fields)))


def room() -> list:
    u = User(id=42)
    rose = Gift(id=5655, type=1, diamond_count=1)  # streakable
    lion = Gift(id=1, type=2, diamond_count=29999)  # not streakable
    return [
        wire(RoomUserSeqEvent, 1, 1000, total=350),
        wire(JoinEvent, 2, 2000, user=u, client_enter_source="homepage_hot-live_cell"),
        wire(JoinEvent, 3, 2500, user=u, client_enter_source="following_live_cell"),
        wire(CommentEvent, 4, 3000, user=u, content="how much?"),
        wire(LikeEvent, 5, 4000, user=u, count=15),
        wire(FollowEvent, 6, 5000, user=u),
        wire(ShareEvent, 7, 6000, user=u),
        wire(GiftEvent, 8, 7000, user=u, gift=rose, repeat_count=3, repeat_end=0),
        wire(GiftEvent, 9, 8000, user=u, gift=rose, repeat_count=7, repeat_end=1),
        wire(GiftEvent, 10, 8500, user=u, gift=lion, repeat_count=1),
        wire(OecLiveShoppingEvent, 11, 9000, pop_product=PopProduct(product_id="1729")),
        wire(RoomUserSeqEvent, 12, 61_000, total=410),
    ]


def test_mapping_from_protobuf_built_events():
    got = [map_event(e, "S1") for e in room()]
    by_id = {g["id"]: g for g in got if g is not None}
    assert by_id["tt-1"] == {
        "id": "tt-1",
        "session_id": "S1",
        "ts": T0 + 1000,
        "type": "viewers",
        "count": 350,
    }
    assert by_id["tt-2"]["source"] == "foryou" and by_id["tt-2"]["user_id"] == "42"
    assert by_id["tt-3"]["source"] == "follows"
    assert by_id["tt-4"]["type"] == "comment" and by_id["tt-4"]["text"] == "how much?"
    assert by_id["tt-5"]["count"] == 15
    assert by_id["tt-6"]["type"] == "follow" and by_id["tt-7"]["type"] == "share"
    assert "tt-8" not in by_id  # mid-streak update: not counted
    assert by_id["tt-9"] == {**by_id["tt-9"], "type": "gift", "count": 7, "diamonds": 7}
    assert by_id["tt-10"]["diamonds"] == 29999
    assert by_id["tt-11"] == {
        "id": "tt-11",
        "session_id": "S1",
        "ts": T0 + 9000,
        "type": "pin",
        "sku_id": "1729",
    }
    for g in by_id.values():
        event_from_dict(g)  # every mapped event is a valid livecart event


def test_entry_sources():
    assert entry_source("homepage_hot-live_cell") == "foryou"
    assert entry_source("following_live_cell") == "follows"
    assert entry_source("general_search") == "search"
    assert entry_source("video_head") == "video"
    assert entry_source("") == "other" and entry_source(None) == "other"


def test_mapped_room_feeds_the_monitor():
    start = {"id": "s", "session_id": "S1", "ts": T0, "type": "live_start", "currency": "USD"}
    mon = Monitor()
    mon.feed_columns(C.from_dicts([start] + [m for e in room() if (m := map_event(e, "S1"))]))
    t = totals(mon.sessions["S1"])
    assert (t["entries"], t["comments"], t["likes"], t["new_followers"], t["shares"]) == (
        2,
        1,
        15,
        1,
        1,
    )
    assert t["gifts"] == 8  # the finished rose streak (7) and one lion
    assert t["viewers_last"] == 410 and t["viewers_peak"] == 410
    assert mon.sessions["S1"].pinned == "1729"


class DroppingClient:
    """Delivers a slice of the room, then drops the connection (or ends the LIVE)."""

    def __init__(self, events: list, drop: bool) -> None:
        self.events, self.drop, self.handlers = events, drop, []

    def add_listener(self, cls, f) -> None:
        self.handlers.append((cls, f))

    async def connect(self) -> None:
        for ev in self.events:
            for cls, f in self.handlers:
                if isinstance(ev, cls):
                    await f(ev)
        if self.drop:
            raise ConnectionError("websocket closed")


def test_reconnects_with_backoff_and_counts_a_redelivered_message_once():
    ev = room()
    end = wire(LiveEndEvent, 99, 70_000, action=3)
    # the second connection re-delivers message 4 (seen before the drop) and message 5
    clients = iter(
        [
            DroppingClient(ev[:5], True),
            DroppingClient(ev[3:6], True),
            DroppingClient(ev[6:] + [end], False),
        ]
    )
    slept: list[float] = []
    src = TikTokSource(
        "shop",
        "S1",
        currency="USD",
        client_factory=lambda: next(clients),
        sleep=slept.append,
        clock=lambda: T0,
        backoff=(1.0, 60.0),
        batch_ms=50,
    )
    mon = Monitor()
    for b in src.batches():
        mon.feed_columns(b.events)
    assert src.connects == 3 and len(src.errors) == 2
    assert 1.0 <= slept[0] <= 1.25 and 2.0 <= slept[1] <= 2.5  # doubling, 25% jitter at most
    st = mon.sessions["S1"]
    assert st.dropped["duplicate"] == 2  # messages 4 and 5 came twice
    assert totals(st)["comments"] == 1 and st.end_ts == T0 + 70_000


def test_gives_up_after_max_attempts():
    def broken():
        raise OSError("sign server unreachable")

    src = TikTokSource(
        "shop", "S1", client_factory=broken, sleep=lambda s: None, max_attempts=3, batch_ms=20
    )
    list(src.batches())
    assert len(src.errors) == 4 and src.errors[-1] == "gave up after 3 attempts"


def test_cli_tiktok_listens_until_the_live_ends(cli, tmp_path, monkeypatch):
    import json

    import livecart
    from tests.conftest import invoke

    end = wire(LiveEndEvent, 99, 70_000, action=3)
    monkeypatch.setattr(
        TikTokSource, "_default_client", lambda self: DroppingClient(room() + [end], False)
    )
    # no room info from this client: the session starts at the first event's time, whatever
    # the wall clock says when it connects
    livecart.init(tmp_path / "ws").close()
    r = invoke(
        cli,
        "tiktok",
        tmp_path / "ws",
        "--user",
        "@shop",
        "--session",
        "S1",
        "--currency",
        "USD",
        "--json",
    )
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)[0]
    assert got["session_id"] == "S1"
    assert (got["comments"], got["likes"], got["gifts"], got["viewers_last"]) == (1, 15, 8, 410)


# --- live_start is the room's own start, not the moment livecart connected -------------------
LATE = 20 * 60_000  # livecart connects 20 minutes into the LIVE


class Web:
    """Stands for ``client.web``: ``fetch_room_info()`` as TikTokLive's FetchRoomInfoRoute (the
    room info ``data`` dict of ``/webcast/room/info/``), or its AgeRestrictedError."""

    def __init__(self, info: dict | None) -> None:
        self.info, self.calls = info, 0

    async def fetch_room_info(self) -> dict:
        from TikTokLive.client.errors import AgeRestrictedError

        self.calls += 1
        if self.info is None:
            raise AgeRestrictedError("Age restricted stream. Cannot fetch room info.")
        return self.info


class JoiningClient(DroppingClient):
    """Connects like TikTokLiveClient: ConnectEvent first, then the room's messages; exposes
    ``room_info`` (set when started with fetch_room_info=True) and ``web``."""

    def __init__(self, events: list, room_info: dict | None = None, web: Web | None = None):
        super().__init__([ConnectEvent(unique_id="shop", room_id=7)] + events, drop=False)
        self.room_info, self.web = room_info, web


def listen(client, position=None) -> tuple[TikTokSource, Monitor]:
    src = TikTokSource(
        "shop", "S1", currency="USD", client_factory=lambda: client, clock=lambda: T0 + LATE
    )
    src.max_attempts, src._sleep = 1, lambda s: None
    mon = Monitor()
    for b in src.batches(position):
        mon.feed_columns(b.events)
    return src, mon


def late_room() -> list:
    """The room's events after livecart joined, 20 to 21 minutes into the LIVE."""
    u = User(id=42)
    return [
        wire(CommentEvent, 1, LATE + 3000, user=u, content="hi"),
        wire(RoomUserSeqEvent, 2, LATE + 61_000, total=410),
        wire(LiveEndEvent, 99, LATE + 70_000, action=3),
    ]


@pytest.mark.parametrize("stamp", [T0 // 1000, T0], ids=["seconds", "milliseconds"])
def test_live_start_is_the_rooms_create_time_from_room_info(stamp):
    src, mon = listen(JoiningClient(late_room(), room_info={"id": 7, "create_time": stamp}))
    st = mon.sessions["S1"]
    assert src.start_source == "room" and st.start_ts == T0  # not T0 + LATE, the connect time
    assert st.n_minutes == 22  # the viewer count 21 minutes in lands in minute 21
    assert totals(st)["comments"] == 1 and st.dropped["before_start"] == 0


def test_live_start_fetches_the_room_info_when_the_client_has_none():
    web = Web({"id": 7, "create_time": T0 // 1000, "status": 2})
    src, mon = listen(JoiningClient(late_room(), web=web))
    assert web.calls == 1 and src.start_source == "room"
    assert mon.sessions["S1"].start_ts == T0


def test_live_start_falls_back_to_the_first_events_time(caplog):
    caplog.set_level("INFO", logger="livecart.live.sources.tiktok")
    web = Web(None)  # an age-restricted room: no room info
    src, mon = listen(JoiningClient(late_room(), web=web))
    assert src.start_source == "first_event"
    assert mon.sessions["S1"].start_ts == T0 + LATE + 3000  # the first comment's create_time
    assert "from the first event" in caplog.text


def test_live_start_ignores_an_implausible_room_time_and_falls_back():
    future = {"create_time": (T0 + LATE + 3_600_000) // 1000}  # after the connect: not a start
    src, mon = listen(JoiningClient(late_room(), room_info=future))
    assert src.start_source == "first_event" and mon.sessions["S1"].start_ts == T0 + LATE + 3000


def test_live_start_falls_back_to_the_connect_time_without_event_times():
    undated = wire(CommentEvent, 5, -T0, content="hi")  # create_time 0: not set
    src, mon = listen(JoiningClient([undated]))
    assert src.start_source == "connect" and mon.sessions["S1"].start_ts == T0 + LATE


def test_a_resumed_source_sends_no_second_live_start():
    src, _mon = listen(JoiningClient(late_room(), room_info={"create_time": T0}), position=5)
    assert src.start_source is None
