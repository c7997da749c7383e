"""Redis Streams between processes: publishers put events on streams, monitor workers in a
consumer group split the rooms between them, so an agency can watch hundreds of rooms from
several machines. Needs the optional extra ``livecart[redis]`` (redis-py), imported only here.

Keys (``prefix`` default ``livecart``)::

    {prefix}:room:{session_id}   one stream per room, each entry {"e": one JSON event line}
    {prefix}:rooms               one entry per room, announcing it ({"room": session_id})
    {prefix}:rooms:set           the rooms announced so far (a room is announced once)

A worker of group G reads ``{prefix}:rooms`` with XREADGROUP: Redis hands each announcement to
exactly one consumer of G, and that consumer owns the room: it reads the room's stream through G
with its own name. So workers of one group split the rooms, each room's whole state lives in one
monitor, and the totals of several workers add up to those of one. Another group (another
agency's monitor) gets every room again.

Reliability (``commit``): a worker acknowledges (XACK) a room's entries only once its
checkpoint holds them; the room's announcement stays pending while the room is live (XPENDING
shows who watches which room) and is acknowledged once the room's ``live_end`` is checkpointed.
Restarted under the same name after a crash, a worker re-reads its pending announcements (its
rooms) and each room's pending entries (XREADGROUP from id 0): entries its checkpoint already
holds (up to the position saved with it) are only acknowledged, the rest are applied. Nothing is
lost and nothing counted twice. A worker's rooms stay with its name: a machine that is gone for
good is replaced by starting a worker with the same ``--name`` (and, to keep its totals, its
checkpoint file); XPENDING on ``{prefix}:rooms`` lists each consumer's rooms.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from livecart.errors import LivecartError
from livecart.live import columns as C
from livecart.live.source import Batch

INSTALL = 'Redis Streams need the optional extra: pip install "livecart[redis]"'
_ANNOUNCE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('XADD', KEYS[2], '*', 'room', ARGV[1])
  return 1
end
return 0
"""
_END = C.TYPE_CODE["live_end"]


def connect(url: str) -> Any:
    """A redis-py client for ``url`` (``redis://host:port/db``)."""
    try:
        import redis
    except ImportError:
        raise LivecartError(INSTALL) from None
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as e:
        raise LivecartError(f"cannot reach Redis at {url}: {e}; is redis-server running?") from None
    return client


def sid(entry_id: bytes | str) -> tuple[int, int]:
    """A stream entry id ``ms-seq`` as a comparable pair."""
    s = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, _, seq = s.partition("-")
    return int(ms), int(seq or 0)


class Keys:
    def __init__(self, prefix: str = "livecart") -> None:
        self.prefix = prefix
        self.rooms = f"{prefix}:rooms"
        self.rooms_set = f"{prefix}:rooms:set"

    def room(self, session_id: str) -> str:
        return f"{self.prefix}:room:{session_id}"


class Publisher:
    """XADD events onto their rooms' streams, announcing each new room once (atomically, in a
    small Lua script, so that two publishers never announce a room twice)."""

    def __init__(self, client: Any, prefix: str = "livecart", chunk: int = 1000) -> None:
        self.r, self.keys, self.chunk = client, Keys(prefix), chunk
        self._announce = client.register_script(_ANNOUNCE)
        self._known: set[str] = set()

    def publish_lines(self, lines: Iterable[bytes | str]) -> int:
        """Publish JSON event lines; returns how many. Each line needs its ``session_id``."""
        n = 0
        pipe = self.r.pipeline(transaction=False)
        for line in lines:
            raw = line.encode() if isinstance(line, str) else line.strip()
            if not raw.strip():
                continue
            try:
                room = json.loads(raw)["session_id"]
            except (ValueError, KeyError, TypeError):
                raise LivecartError(
                    f"line {n + 1} is not a JSON event with a session_id: {raw[:120]!r}"
                ) from None
            if room not in self._known:
                pipe.execute()
                self._announce(keys=[self.keys.rooms_set, self.keys.rooms], args=[room])
                self._known.add(room)
            pipe.xadd(self.keys.room(room), {"e": raw})
            n += 1
            if n % self.chunk == 0:
                pipe.execute()
        pipe.execute()
        return n

    def publish(self, events: Iterable[dict[str, Any]]) -> int:
        return self.publish_lines(json.dumps(e, separators=(",", ":")) for e in events)

    def publish_file(self, path: str | Path) -> int:
        """A JSON-lines recording (e.g. from ``livecart demo-events``) onto the streams."""
        p = Path(path)
        if not p.exists():
            raise LivecartError(f"no recording at {p}: check the path")
        with open(p, "rb") as f:
            return self.publish_lines(f)


class RedisSource:
    """A monitor source: this worker's rooms, read through consumer group ``group`` as
    ``consumer``. Position: ``{"rooms": {session_id: last applied entry id}, "ended": [...]}``.
    Run it with ``LiveRun``, which calls ``commit`` after each checkpoint.
    ``idle_stop_s``: stop after that long without any new entry (None: run until ``close``)."""

    def __init__(
        self,
        client: Any,
        group: str = "livecart",
        consumer: str = "worker-1",
        prefix: str = "livecart",
        count: int = 2000,
        block_ms: int = 200,
        idle_stop_s: float | None = None,
    ) -> None:
        self.r, self.group, self.consumer, self.keys = client, group, consumer, Keys(prefix)
        self.count, self.block_ms, self.idle_stop_s = count, block_ms, idle_stop_s
        self.applied: dict[str, str] = {}  # room -> last applied entry id
        self.ended: set[str] = set()
        self.announcement: dict[str, bytes] = {}  # room -> its pending announcement's id
        self.delivered: dict[str, list[bytes]] = {}  # room -> entry ids read, not acked yet
        self._closed = False

    def close(self) -> None:
        self._closed = True

    @property
    def rooms(self) -> list[str]:
        return sorted(self.announcement)

    # --- the Source protocol -----------------------------------------------------------------
    def batches(self, position: Any = None) -> Iterator[Batch]:
        pos = position or {}
        self.applied = dict(pos.get("rooms", {}))
        self.ended = set(pos.get("ended", []))
        self._group(self.keys.rooms)
        self._recover_rooms()
        for room in self.rooms:
            yield from self._recover_entries(room)
        yield from self._follow()

    def _position(self) -> dict[str, Any]:
        return {"rooms": dict(self.applied), "ended": sorted(self.ended)}

    def _group(self, key: str) -> None:
        import redis

        try:
            self.r.xgroup_create(key, self.group, id="0", mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    def _take(self, room: str, ann_id: bytes) -> None:
        self.announcement[room] = ann_id
        self._group(self.keys.room(room))

    def _recover_rooms(self) -> None:
        """The rooms this consumer held before a restart: its pending announcements."""
        start = "0"
        while True:
            got = self.r.xreadgroup(self.group, self.consumer, {self.keys.rooms: start}, count=500)
            entries = got[0][1] if got else []
            if not entries:
                return
            for ann_id, fields in entries:
                self._take(fields[b"room"].decode(), ann_id)
            start = entries[-1][0]

    def _recover_entries(self, room: str) -> Iterator[Batch]:
        """Re-read the room's pending entries: those up to the checkpointed position are in the
        state already (acknowledge only); the rest are applied now."""
        key, start = self.keys.room(room), "0"
        done = sid(self.applied.get(room, "0-0"))
        while True:
            got = self.r.xreadgroup(self.group, self.consumer, {key: start}, count=self.count)
            entries = got[0][1] if got else []
            if not entries:
                return
            start = entries[-1][0]
            self.delivered.setdefault(room, []).extend(e[0] for e in entries)
            fresh = [e for e in entries if sid(e[0]) > done]
            if fresh:
                yield self._batch({room: fresh})

    def _follow(self) -> Iterator[Batch]:
        last_new = time.monotonic()
        while not self._closed:
            got = self._announcements()
            active = [r for r in self.rooms if r not in self.ended]
            if not active:
                if got:
                    continue
                if self._idle(last_new):
                    return
                self._wait_for_room()
                continue
            streams = {self.keys.room(r): ">" for r in active}
            res = self.r.xreadgroup(
                self.group, self.consumer, streams, count=self.count, block=self.block_ms
            )
            per_room = {k.decode()[len(self.keys.room("")) :]: v for k, v in res or [] if v}
            if per_room or got:
                last_new = time.monotonic()
            elif self._idle(last_new):
                return
            for room, entries in per_room.items():
                self.delivered.setdefault(room, []).extend(e[0] for e in entries)
            yield self._batch(per_room)

    def _idle(self, since: float) -> bool:
        return self.idle_stop_s is not None and time.monotonic() - since >= self.idle_stop_s

    def _announcements(self) -> bool:
        """Take at most one new room a round: the group's consumers share new rooms out."""
        res = self.r.xreadgroup(self.group, self.consumer, {self.keys.rooms: ">"}, count=1)
        for _k, entries in res or []:
            for ann_id, fields in entries:
                self._take(fields[b"room"].decode(), ann_id)
                return True
        return False

    def _wait_for_room(self) -> None:
        res = self.r.xreadgroup(
            self.group, self.consumer, {self.keys.rooms: ">"}, count=1, block=self.block_ms
        )
        for _k, entries in res or []:
            for ann_id, fields in entries:
                self._take(fields[b"room"].decode(), ann_id)

    def _batch(self, per_room: dict[str, list]) -> Batch:
        lines = []
        for room, entries in per_room.items():
            lines += [fields[b"e"] for _id, fields in entries]
            if entries:
                self.applied[room] = entries[-1][0].decode()
        cols = C.parse_lines(b"\n".join(lines))
        if len(cols) and (cols.etype == _END).any():
            self.ended |= set(cols.session_id[cols.etype == _END].tolist()) & set(per_room)
        return Batch(cols, self._position())

    # --- acknowledging what the checkpoint holds ---------------------------------------------
    def commit(self, position: dict[str, Any]) -> None:
        """Called after the checkpoint holding ``position`` is on disk: XACK every entry it
        holds, and the announcement of each room whose end it holds."""
        pipe = self.r.pipeline(transaction=False)
        for room, last in position.get("rooms", {}).items():
            ids = self.delivered.get(room, [])
            upto = sid(last)
            done = [i for i in ids if sid(i) <= upto]
            if done:
                pipe.xack(self.keys.room(room), self.group, *done)
                self.delivered[room] = [i for i in ids if sid(i) > upto]
        for room in position.get("ended", []):
            ann = self.announcement.get(room)
            if ann is not None and not self.delivered.get(room):
                pipe.xack(self.keys.rooms, self.group, ann)
        pipe.execute()
