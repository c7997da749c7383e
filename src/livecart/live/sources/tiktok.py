"""TikTok LIVE room events through the ``TikTokLive`` client library, as a monitor source.

``TikTokLive`` (PyPI ``TikTokLive``) is unofficial and licensed "Modified AGPL-3.0", so it is an
optional extra (``pip install "livecart[tiktok]"``) and is imported only inside this module's
functions: livecart itself stays Apache-2.0 and never needs it.

Mapping (``map_event``; every event keeps the webcast message id ``common.msg_id``, so a message
delivered twice after a reconnect counts once, and its time ``common.create_time``):

    CommentEvent            comment (user_id, text)
    LikeEvent               like (count = the likes in that message)
    JoinEvent               join (source from ``client_enter_source``: foryou, follows, video,
                            ads, search, other)
    FollowEvent             follow
    ShareEvent              share
    GiftEvent               gift, once per streak: on ``repeat_end`` (count = repeat_count,
                            diamonds = repeat_count x diamond_count); mid-streak updates are
                            skipped so a streak is not counted once per update
    RoomUserSeqEvent        viewers (count = ``total``, viewers online now)
    OecLiveShoppingEvent    pin (sku_id = the popped product's id)
    LiveEndEvent            live_end

There is no order or GMV event in a LIVE room's feed: sales come from the shop side (the signed
HTTP ingest of order webhooks, see docs/sources.md).

``TikTokSource`` runs a client in a background thread and reconnects with exponential back-off
(with seeded jitter) whenever the connection drops, until the LIVE ends or ``close()`` is called.

The session's ``live_start`` is the room's own start, not the moment livecart connected (joining
20 minutes into a LIVE must not shift every minute and the golden hour): the room info's
``create_time`` when the library gives it (``client.room_info``, else fetched once on connect),
else the first event's ``common.create_time``, else the connect time. ``start_source`` and a log
line say which ("room", "first_event", "connect").
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from livecart.errors import LivecartError
from livecart.live.engine import columns as C
from livecart.live.sources.base import Batch

log = logging.getLogger(__name__)
INSTALL = 'the TikTok LIVE source needs the optional extra: pip install "livecart[tiktok]"'
_ENTRY_SOURCES = (  # substring of client_enter_source -> livecart join source
    ("follow", "follows"),
    ("homepage_hot", "foryou"),
    ("foryou", "foryou"),
    ("for_you", "foryou"),
    ("feed", "foryou"),
    ("search", "search"),
    ("video", "video"),
    ("ads", "ads"),
    ("_ad_", "ads"),
    ("promote", "ads"),
)


def _require() -> Any:
    try:
        import TikTokLive.events as ev
    except ImportError:
        raise LivecartError(INSTALL) from None
    return ev


def ensure_installed() -> None:
    """Raise LivecartError saying how to install the extra when ``TikTokLive`` is missing (so a
    command fails at once, not in a background thread once it connects)."""
    _require()


def entry_source(raw: str | None) -> str:
    """Map TikTok's ``client_enter_source`` (e.g. ``homepage_hot-live_cell``) to a join source."""
    s = (raw or "").lower()
    for key, name in _ENTRY_SOURCES:
        if key in s:
            return name
    return "other"


def event_ms(create_time: int) -> int:
    """``common.create_time`` is milliseconds on the wire; older captures carry seconds."""
    return int(create_time) if create_time >= 10**12 else int(create_time) * 1000


def map_event(ev: Any, session_id: str) -> dict[str, Any] | None:
    """One TikTokLive event object as a livecart event dict, or None when it carries nothing the
    monitor counts (an unmapped type, a gift streak still running, a message without id)."""
    E = _require()
    head = getattr(ev, "common", None)  # (not `common`: see the tests on betterproto2)
    if head is None or not head.msg_id:
        return None
    base: dict[str, Any] = {
        "id": f"tt-{head.msg_id}",
        "session_id": session_id,
        "ts": event_ms(head.create_time),
    }
    user = getattr(ev, "user", None)
    uid = str(user.id) if user is not None and user.id else None
    body = _body(E, ev)
    if body is None:
        return None
    if uid is not None and body["type"] not in ("viewers", "pin", "live_end"):
        body["user_id"] = uid
    return {**base, **body}


def _body(E: Any, ev: Any) -> dict[str, Any] | None:
    # custom subclasses first: FollowEvent and ShareEvent are SocialEvents, LiveEndEvent a
    # ControlEvent
    if isinstance(ev, E.LiveEndEvent):
        return {"type": "live_end"}
    if isinstance(ev, E.FollowEvent):
        return {"type": "follow"}
    if isinstance(ev, E.ShareEvent):
        return {"type": "share"}
    if isinstance(ev, E.CommentEvent):
        return {"type": "comment", "text": ev.content}
    if isinstance(ev, E.LikeEvent):
        return {"type": "like", "count": max(int(ev.count), 1)}
    if isinstance(ev, E.JoinEvent):
        return {"type": "join", "source": entry_source(ev.client_enter_source)}
    if isinstance(ev, E.RoomUserSeqEvent):
        return {"type": "viewers", "count": max(int(ev.total), 0)}
    if isinstance(ev, E.GiftEvent):
        return _gift(ev)
    if isinstance(ev, E.OecLiveShoppingEvent):
        pid = ev.pop_product.product_id if ev.pop_product is not None else ""
        pid = pid or (ev.product_snap_shot.product_id if ev.product_snap_shot else "")
        return {"type": "pin", "sku_id": str(pid)} if pid else None
    return None


def _gift(ev: Any) -> dict[str, Any] | None:
    """A streak of a streakable gift sends one message per update; only the last one
    (``repeat_end``) carries the streak's final count. Non-streakable gifts count at once."""
    if ev.streaking:
        return None
    n = max(int(ev.repeat_count), 1)
    diamonds = int(ev.gift.diamond_count) * n if ev.gift is not None else 0
    return {"type": "gift", "count": n, "diamonds": diamonds}


def room_start_ms(info: Any, connected_ms: int) -> int | None:
    """The room's start in epoch ms from TikTok's room info (``create_time``, seconds or ms), or
    None when absent or implausible: after the connect (beyond a minute of clock skew) or more
    than two days before it."""
    if not isinstance(info, dict):
        return None
    for key in ("create_time", "start_time"):
        raw = info.get(key)
        try:
            t = event_ms(int(raw)) if raw else 0
        except (TypeError, ValueError):
            continue
        if connected_ms - 2 * 86_400_000 <= t <= connected_ms + 60_000:
            return t
    return None


class TikTokSource:
    """A monitor source listening to one TikTok LIVE room. Emits ``live_start`` first, stamped
    with the room's own start (see the module docstring; ``start_source`` says where it came
    from), then the room's events.

    ``client_factory()`` returns a fresh TikTokLive client each (re)connection (default:
    ``TikTokLiveClient(unique_id=...)``); tests pass a fake. The position is a count of events
    handed out: a LIVE feed cannot be re-read, so a restart resumes from now on (events while
    the monitor was down are missing, and the state counted before the restart is kept)."""

    def __init__(
        self,
        unique_id: str,
        session_id: str,
        *,
        market: str | None = None,
        currency: str | None = None,
        planned_minutes: int | None = None,
        client_factory: Callable[[], Any] | None = None,
        backoff: tuple[float, float] = (1.0, 60.0),
        max_attempts: int | None = None,
        seed: int = 0,
        batch_ms: int = 200,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.unique_id, self.session_id = unique_id, session_id
        self.start = {"market": market, "currency": currency, "planned_minutes": planned_minutes}
        self.client_factory = client_factory or self._default_client
        self.backoff, self.max_attempts = backoff, max_attempts
        self.rng = random.Random(seed)
        self.batch_ms = batch_ms
        self._sleep, self._clock = sleep, clock
        self._q: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stop = threading.Event()
        self.connects = 0
        self.errors: list[str] = []
        self.ended = False
        self.start_source: str | None = None  # "room", "first_event" or "connect"
        self._need_start = False
        self._connected_ms: int | None = None
        self._info: asyncio.Future[Any] | None = None
        self._live: tuple[Any, Any] = (None, None)  # the connected client's loop and client

    def _default_client(self) -> Any:
        try:
            from TikTokLive import TikTokLiveClient
        except ImportError:
            raise LivecartError(INSTALL) from None
        return TikTokLiveClient(unique_id=self.unique_id)

    def close(self) -> None:
        """Stop listening: disconnect the client (the room is left at once, not at its next
        event) and reconnect no more."""
        self._stop.set()
        loop, client = self._live
        disconnect = getattr(client, "disconnect", None)
        if loop is not None and disconnect is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended meanwhile: nothing to do
                asyncio.run_coroutine_threadsafe(disconnect(), loop)

    def delays(self) -> Iterator[float]:
        """Back-off: 1, 2, 4 ... seconds capped at the maximum, each with up to 25% jitter so
        many rooms reconnecting after one outage do not all hit at once."""
        lo, hi = self.backoff
        for k in itertools.count():
            d = min(lo * 2**k, hi)
            yield d * (1 + 0.25 * self.rng.random())

    # --- the listening thread ----------------------------------------------------------------
    def _listen(self) -> None:
        delays = self.delays()
        attempts = 0
        while not self._stop.is_set() and not self.ended:
            attempts += 1
            try:
                asyncio.run(self._session())
            except Exception as e:  # noqa: BLE001 - a dropped connection: retry after a pause
                self.errors.append(f"{type(e).__name__}: {e}")
            else:
                delays = self.delays()  # a clean session resets the back-off
            if self.ended or self._stop.is_set():
                break
            if self.max_attempts is not None and attempts >= self.max_attempts:
                self.errors.append(f"gave up after {attempts} attempts")
                break
            self._sleep(next(delays))
        if self._need_start:  # no room info and no event came: the connect time, or now
            self._emit_start(self._connected_ms or self._clock(), "connect")
        self._q.put(None)

    async def _session(self) -> None:
        E = _require()
        client = self.client_factory()
        self._info = None

        async def handle(ev: Any) -> None:
            if isinstance(ev, E.LiveEndEvent):
                self.ended = True
            mapped = map_event(ev, self.session_id)
            if mapped is not None:
                if self._need_start:
                    await self._start_before(client, mapped["ts"] or -1)
                self._q.put(mapped)

        async def connected(_ev: Any) -> None:
            self._connected_ms = self._clock()
            if self._need_start and self._info is None:
                self._info = asyncio.ensure_future(self._room_info(client))
                await self._start_before(client, None)

        for cls in (
            E.CommentEvent,
            E.LikeEvent,
            E.JoinEvent,
            E.FollowEvent,
            E.ShareEvent,
            E.GiftEvent,
            E.RoomUserSeqEvent,
            E.OecLiveShoppingEvent,
            E.LiveEndEvent,
        ):
            client.add_listener(cls, handle)
        client.add_listener(E.ConnectEvent, connected)
        self.connects += 1
        self._live = (asyncio.get_running_loop(), client)
        try:
            if not self._stop.is_set():
                await client.connect()
        finally:
            self._live = (None, None)

    async def _room_info(self, client: Any) -> Any:
        """``client.room_info`` when the client fetched it, else one fetch of the room's info
        (it fails for age-restricted rooms: then the start comes from the events)."""
        info = getattr(client, "room_info", None)
        web = getattr(client, "web", None)
        if info is None and web is not None:
            try:
                info = await web.fetch_room_info()
            except Exception as e:  # noqa: BLE001 - optional: fall back to the events' times
                log.info("room info for @%s unavailable (%s)", self.unique_id, e)
        return info

    async def _start_before(self, client: Any, first_ts: int | None) -> None:
        """Queue ``live_start`` ahead of the first event: the room's start from its info, else
        ``first_ts`` (the first event's time, -1 when it has none: then the connect time;
        None on connect: wait for an event)."""
        info = await self._info if self._info is not None else getattr(client, "room_info", None)
        if not self._need_start:  # another handler got there while this one waited
            return
        now = self._connected_ms or self._clock()
        if (t := room_start_ms(info, now)) is not None:
            self._emit_start(t, "room")
        elif first_ts is not None and first_ts > 0:
            self._emit_start(first_ts, "first_event")
        elif first_ts is not None:
            self._emit_start(now, "connect")

    def _emit_start(self, ts: int, origin: str) -> None:
        self._need_start = False
        self.start_source = origin
        start = {k: v for k, v in self.start.items() if v is not None}
        ev = {"id": f"tt-start-{self.session_id}", "session_id": self.session_id}
        self._q.put({**ev, "ts": int(ts), "type": "live_start", **start})
        log.info("%s: live_start at %d from the %s", self.session_id, ts, origin.replace("_", " "))

    # --- the Source protocol -----------------------------------------------------------------
    def batches(self, position: Any = None) -> Iterator[Batch]:
        n = int(position or 0)
        self._need_start = n == 0  # a resumed session has had its live_start
        t = threading.Thread(target=self._listen, name="livecart-tiktok", daemon=True)
        t.start()
        done = False
        try:
            while not done:
                rows, done = self._drain()
                n += len(rows)
                yield Batch(C.from_dicts(rows), n)
        finally:
            self._stop.set()  # the run stopped reading: stop reconnecting too
        t.join(timeout=5)

    def _drain(self) -> tuple[list[dict[str, Any]], bool]:
        """Events that arrived within one batch window; True once the listener has stopped."""
        rows: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.batch_ms / 1000
        while (wait := deadline - time.monotonic()) > 0:
            try:
                item = self._q.get(timeout=wait)
            except queue.Empty:
                break
            if item is None:
                return rows, True
            rows.append(item)
        return rows, False
