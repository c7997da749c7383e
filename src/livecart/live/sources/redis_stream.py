"""Redis Streams between processes: publishers put events on streams, monitor workers in a
consumer group split the rooms between them, so an agency can watch hundreds of rooms from
several machines. Needs the optional extra ``livecart[redis]`` (redis-py), imported only here.

Keys (``prefix`` default ``livecart``)::

    {prefix}:room:{session_id}   one stream per room, each entry {"e": JSON event lines}
    {prefix}:rooms               one entry per room, announcing it ({"room": session_id})
    {prefix}:rooms:set           the rooms announced so far (a room is announced once)
    {prefix}:checkpoint:{group}:{room}  the room's shared checkpoint in group G (``redis_results``)
    {prefix}:alerts:{group}:{room}  the alert raises group G delivered (``redis_alerts``)
    {prefix}:ended:{group}       the rooms whose end G checkpointed, by when (``redis_upkeep``)

A worker of group G reads ``{prefix}:rooms`` with XREADGROUP: Redis hands each announcement to
exactly one consumer of G, and that consumer owns the room: it reads the room's stream through G
with its own name. So workers of one group split the rooms, each room's whole state lives in one
monitor, and the totals of several workers add up to those of one. Another group (another
agency's monitor) gets every room again.

Reliability (``commit``): a worker acknowledges (XACK) a room's entries only once its
checkpoint holds them; the room's announcement stays pending while the room is live (XPENDING
shows who watches which room) and is acknowledged once the room's ``live_end`` is checkpointed.
Restarted under the same name after a crash, a worker re-reads its pending announcements (its
rooms) and catches each room up from the position saved with its checkpoint (XRANGE, so entries
acknowledged or delivered elsewhere are read again): nothing is lost and nothing counted twice.

Takeover (``claim_idle_s``): a live worker refreshes its rooms' announcements (XCLAIM to itself,
which resets their idle time) every ``heartbeat_s``. A worker that is gone stops refreshing;
once an announcement has been idle longer than ``claim_idle_s`` another worker of the group
claims it (XAUTOCLAIM, Redis >= 6.2) and so owns the room. Rooms move whole: the new owner
takes the room's state from its shared checkpoint when the old owner published one (workers
sharing results, ``redis_results``; ``_shared_state``) and reads the room's stream after that
checkpoint's entry, else from its start (its own checkpointed position, if it held the room
before) with XRANGE; it claims the room's pending entries so as to acknowledge them once its
checkpoint holds them, and then follows the room through the group. The room's whole state is
in the new owner's monitor; nothing is split across two states. The old owner is fenced: each
read through the group runs in one Lua script that first checks the worker still owns each room's
announcement, so a worker that was only stalled (not dead) reads nothing more of a room it lost
and gives it up (``lost``); its workspace keeps the partial count it had, superseded by the new
owner's.

Every room in one place (``redis_results``): each worker's workspace holds only its rooms, so
workers may also publish their rooms' rows onto ``{prefix}:results`` (fenced like the reads),
which the serving process follows into its workspace: one copy of every room, continued by
the new owner when a room moves. After each checkpoint such a worker trims its rooms' streams
below what their shared checkpoints hold (``redis_upkeep``), so the streams do not grow for good.
"""

from __future__ import annotations

import bisect
import json
import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from livecart.errors import LivecartError
from livecart.live.engine import columns as C
from livecart.live.sources.base import Batch
from livecart.live.sources.redis_alerts import RaisedAlerts
from livecart.live.sources.redis_share import Share, fair_share
from livecart.live.sources.redis_upkeep import ROOM_KEEP_S, RoomUpkeep

INSTALL = 'Redis Streams need the optional extra: pip install "livecart[redis]"'
_ANNOUNCE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('XADD', KEYS[2], '*', 'room', ARGV[1])
  return 1
end
return 0
"""
# One round of a worker, atomically: for each room it holds (KEYS[2..], ARGV: group, consumer,
# count, refresh, then per room its announcement id and 1 if it is to be read), check that the
# announcement is still this consumer's (else the room was taken over: report it, read nothing
# of it), refresh it when asked (XCLAIM to itself resets its idle time), and read the owned
# rooms' new entries through the group. Returns {lost room indexes, XREADGROUP reply}.
_ROUND = """
local group, me, count, refresh = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1'
local lost, streams = {}, {}
for i = 2, #KEYS do
  local ann, active = ARGV[3 + 2 * (i - 1)], ARGV[4 + 2 * (i - 1)] == '1'
  local p = redis.call('XPENDING', KEYS[1], group, ann, ann, 1)
  if p[1] and p[1][2] == me then
    if refresh then redis.call('XCLAIM', KEYS[1], group, me, 0, ann, 'JUSTID') end
    if active then streams[#streams + 1] = KEYS[i] end
  else
    lost[#lost + 1] = i - 1
  end
end
if #streams == 0 then return {lost, false} end
local args = {'XREADGROUP', 'GROUP', group, me, 'COUNT', count, 'STREAMS'}
for _, k in ipairs(streams) do args[#args + 1] = k end
for _ = 1, #streams do args[#args + 1] = '>' end
return {lost, redis.call(unpack(args))}
"""
_END = C.TYPE_CODE["live_end"]
ACK_CHUNK = 10_000  # entry ids per XACK
SWEEP_EVERY_S = 5.0  # how often a worker looks for ended rooms to drop (redis_upkeep)


def _payload(fields: list[bytes]) -> bytes:
    """An entry's event line: its ``e`` field (the publisher's only one)."""
    if fields[0] == b"e":
        return fields[1]
    return dict(zip(fields[::2], fields[1::2], strict=True))[b"e"]


log = logging.getLogger(__name__)


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
        self.results = f"{prefix}:results"  # see redis_results
        self.readers = f"{prefix}:results:readers"

    def room(self, session_id: str) -> str:
        return f"{self.prefix}:room:{session_id}"

    def checkpoint(self, group: str, session_id: str) -> str:
        """A room's shared checkpoint in consumer group ``group`` (``redis_results``): its
        owner, whether its live ended, and (when its owner shares results) the last entry of
        the room's stream its state holds, with that state: a worker of the group that takes
        the room over resumes from there. One per group: two groups reading the same rooms
        (two agencies' monitors) each keep their own."""
        return f"{self.prefix}:checkpoint:{group}:{session_id}"


class Publisher:
    """XADD events onto their rooms' streams, announcing each new room once (atomically, in a
    small Lua script, so that two publishers never announce a room twice).

    Events are sent ``chunk`` lines at a time (one pipelined round trip); within a chunk, each
    room's lines go into one stream entry, at most ``per_entry`` of them, joined by newlines, in
    the order given. A worker reads, applies and acknowledges an entry whole, so Redis's work
    (and the fenced read's) is per entry, not per event: with ``per_entry=1`` every event is an
    entry of its own, as other producers may write them (workers read both)."""

    def __init__(
        self, client: Any, prefix: str = "livecart", chunk: int = 1000, per_entry: int = 100
    ) -> None:
        self.r, self.keys, self.chunk, self.per_entry = client, Keys(prefix), chunk, per_entry
        self._announce = client.register_script(_ANNOUNCE)
        self._known: set[str] = set()

    def publish_lines(self, lines: Iterable[bytes | str]) -> int:
        """Publish JSON event lines; returns how many. Each line needs its ``session_id``."""
        n = 0
        rooms: dict[str, list[bytes]] = {}  # this chunk's lines by room, in order
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
            rooms.setdefault(room, []).append(raw)
            n += 1
            if n % self.chunk == 0:
                self._send(rooms)
                rooms = {}
        self._send(rooms)
        return n

    def _send(self, rooms: dict[str, list[bytes]]) -> None:
        """Announce the rooms not announced yet, then XADD their lines, one round trip."""
        for room in rooms:
            if room not in self._known:
                self._announce(keys=[self.keys.rooms_set, self.keys.rooms], args=[room])
                self._known.add(room)
        pipe = self.r.pipeline(transaction=False)
        for room, raws in rooms.items():
            for lo in range(0, len(raws), self.per_entry):
                pipe.xadd(self.keys.room(room), {"e": b"\n".join(raws[lo : lo + self.per_entry])})
        pipe.execute()

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
    ``idle_stop_s``: stop after that long without any new entry (None: run until ``close``).
    ``claim_idle_s``: take over the rooms of a worker whose announcements have not been
    refreshed for that long (None: never); ``heartbeat_s``: how often this worker refreshes its
    own (keep it well under every worker's ``claim_idle_s``). ``fair_share``: a worker that
    already holds rooms takes a new one only while it holds less than its fair share of the
    group's (``_my_turn``), and a dead worker's only below it too (``_claim_turn``); off,
    whoever asks first takes it. ``room_keep_s``: how long a room's entries outlive their use
    (``redis_upkeep``: a live room's stream keeps that much before its shared checkpoint, an
    ended room's keys are dropped that long after its end)."""

    def __init__(
        self,
        client: Any,
        group: str = "livecart",
        consumer: str = "worker-1",
        prefix: str = "livecart",
        count: int = 2000,
        block_ms: int = 200,
        idle_stop_s: float | None = None,
        claim_idle_s: float | None = 60.0,
        heartbeat_s: float = 2.0,
        fair_share: bool = True,
        room_keep_s: float = ROOM_KEEP_S,
    ) -> None:
        self.r, self.group, self.consumer, self.keys = client, group, consumer, Keys(prefix)
        self.count, self.block_ms, self.idle_stop_s = count, block_ms, idle_stop_s
        self.claim_idle_s, self.heartbeat_s = claim_idle_s, heartbeat_s
        self.fair_share = fair_share
        self._trimmed_at: dict[str, str] = {}  # room -> the position its stream was trimmed at
        self.applied: dict[str, str] = {}  # room -> last applied entry id
        self.ended: set[str] = set()
        self.announcement: dict[str, bytes] = {}  # room -> its pending announcement's id
        self.delivered: dict[str, list[bytes]] = {}  # room -> entry ids read, not acked yet
        self.seen: dict[str, bytes] = {}  # room -> the last entry id read (for XREAD waits)
        self.claimed: list[str] = []  # rooms taken over from another consumer, in order
        self.lost: list[str] = []  # rooms another consumer took over from this one
        self.resumed: dict[str, str] = {}  # rooms taken on from a shared checkpoint: its entry
        self._round = client.register_script(_ROUND)
        self.alerts = RaisedAlerts(client, prefix, group, consumer)
        self.upkeep = RoomUpkeep(client, self.keys, group, room_keep_s)
        self._swept = 0.0
        self._refreshed = 0.0
        self._cursor = "0-0"
        self._closed = False

    def close(self) -> None:
        self._closed = True

    def first_raises(self, alerts: list[Any]) -> list[Any]:
        """The new alerts no worker of the group delivered yet (``redis_alerts``): the runner
        hands only these to its sinks, so a room that moves raises none twice."""
        return self.alerts.first_raises(alerts)

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
        for room in sorted(set(self.applied) - set(self.announcement) - self.ended):
            self._give_up(room)  # taken over while this worker was down
        for room in self.rooms:
            yield from self._catch_up(room)
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

    def _catch_up(self, room: str) -> Iterator[Batch]:
        """A room this worker holds again (restart) or has taken over: claim the room's pending
        entries, whoever holds them (acknowledged once the checkpoint holds them), then read
        the stream itself from the checkpointed position (XRANGE: entries another consumer
        read or acknowledged are read again), so the room's whole state is in this monitor."""
        key = self.keys.room(room)
        lo = "-"
        while rows := self.r.xpending_range(key, self.group, min=lo, max="+", count=1000):
            ids = [row["message_id"] for row in rows]
            me = self.consumer.encode()
            others = [row["message_id"] for row in rows if row["consumer"] != me]
            if others:
                self.r.xclaim(key, self.group, self.consumer, 0, others, justid=True)
            self.delivered.setdefault(room, []).extend(ids)
            lo = "(" + ids[-1].decode()
        handover = self._shared_state(room)
        if handover is not None:
            yield handover
        if room in self.applied:  # the XREAD wait starts after what the state holds
            self.seen[room] = max(self.applied[room].encode(), self.seen.get(room, b"0-0"), key=sid)
        while room in self.announcement:
            last = self.applied.get(room)
            entries = self.r.xrange(key, min=f"({last}" if last else "-", max="+", count=self.count)
            if not entries:
                return
            self.seen[room] = max(entries[-1][0], self.seen.get(room, b"0-0"), key=sid)
            yield self._batch({room: (entries[-1][0], [fields[b"e"] for _i, fields in entries])})
            self._heartbeat()

    def _shared_state(self, room: str) -> Batch | None:
        """The room's shared checkpoint as a batch that hands its state over, when it holds
        more of the room than this worker does (written by its last owner with
        ``--share-results``): the room is then read on from its entry, not from its start."""
        entry, state, owner, ended = self.r.hmget(
            self.keys.checkpoint(self.group, room), "entry", "state", "owner", "ended"
        )
        if not entry or not state:
            return None
        entry = entry.decode()
        held = self.applied.get(room)
        if held is not None and sid(entry) <= sid(held):
            return None
        self.applied[room] = entry
        if ended == b"1":
            self.ended.add(room)
        self.resumed[room] = entry
        log.warning(
            "%s resumes room %s from %s's checkpoint at entry %s (not from the room's start)",
            self.consumer,
            room,
            owner.decode() if owner else "?",
            entry,
        )
        return Batch(C.empty(), self._position(), handover={room: state})

    def _follow(self) -> Iterator[Batch]:
        last_new = time.monotonic()
        while not self._closed:
            got = self._announcements()
            if (room := self._claim()) is not None:
                got = True
                yield from self._catch_up(room)
            active = [r for r in self.rooms if r not in self.ended]
            if not active:
                self._read(fetch=False)  # refresh ended rooms' announcements not acked yet
                if got:
                    continue
                if self._idle(last_new):
                    return
                self._wait_for_room()
                continue
            per_room = self._read()
            if per_room or got:
                last_new = time.monotonic()
            else:
                self._wait([r for r in active if r in self.announcement])
                if self._idle(last_new):
                    return
            yield self._batch(per_room)

    def _read(self, fetch: bool = True) -> dict[str, list]:
        """One fenced round (``_ROUND``): new entries of the live rooms this worker still owns
        (none unless ``fetch``); rooms taken over by another worker are given up."""
        held = self.rooms
        if not held:
            return {}
        now = time.monotonic()
        refresh = now - self._refreshed >= self.heartbeat_s
        args: list[Any] = [self.group, self.consumer, self.count, int(refresh)]
        for room in held:
            args += [self.announcement[room], int(fetch and room not in self.ended)]
        keys = [self.keys.rooms] + [self.keys.room(r) for r in held]
        lost, reply = self._round(keys=keys, args=args)
        if refresh:
            self._refreshed = now
        for i in lost:
            self._give_up(held[int(i) - 1])
        n = len(self.keys.room(""))
        per_room: dict[str, tuple[bytes, list[bytes]]] = {}
        for key, raw in reply or []:
            if not raw:
                continue
            room = key.decode()[n:]
            ids = [entry[0] for entry in raw]  # ascending, as the stream holds them
            self.delivered.setdefault(room, []).extend(ids)
            self.seen[room] = max(ids[-1], self.seen.get(room, b"0-0"), key=sid)
            done = sid(self.applied.get(room, "0-0"))  # entries up to it were caught up already
            k = 0 if sid(ids[0]) > done else bisect.bisect_right(ids, done, key=sid)
            if k < len(raw):
                per_room[room] = (ids[-1], [_payload(f) for _i, f in raw[k:]])
        return per_room

    def _heartbeat(self) -> None:
        if time.monotonic() - self._refreshed >= self.heartbeat_s:
            self._read(fetch=False)

    def _give_up(self, room: str) -> None:
        self.announcement.pop(room, None)
        self.delivered.pop(room, None)
        self.lost.append(room)
        log.warning(
            "room %s was taken over by another worker of group %s; %s stops reading it "
            "(its count here is partial, the new owner's is whole)",
            room,
            self.group,
            self.consumer,
        )

    def _claim(self) -> str | None:
        """Take over at most one room a round whose announcement another consumer has left
        idle longer than ``claim_idle_s`` (the live workers share a dead one's rooms out).
        With ``fair_share`` only while this worker holds less than its fair share
        (``_claim_turn``); a room still unclaimed after twice ``claim_idle_s`` (the workers
        below their share did not take it) goes to whoever asks, so none is left behind."""
        if self.claim_idle_s is None:
            return None
        ms = int(self.claim_idle_s * 1000)
        if self.fair_share and not self._claim_turn(ms):
            ms *= 2
        cursor, entries, *_ = self.r.xautoclaim(
            self.keys.rooms, self.group, self.consumer, ms, self._cursor, count=1
        )
        self._cursor = cursor
        for ann_id, fields in entries:
            room = fields[b"room"].decode()
            mine = room in self.announcement
            self._take(room, ann_id)
            if not mine:
                self.claimed.append(room)
                log.warning("%s takes over room %s (idle over %ss)", self.consumer, room, ms / 1000)
                return room
        return None

    def _claim_turn(self, idle_ms: int) -> bool:
        """Whether this worker may take over a room now: it holds fewer than its fair share
        of the rooms (held by live workers, waiting, or left idle ``idle_ms`` by a silent
        one) over the live workers (a worker whose rooms are idle is not one of them)."""
        rows = self.r.xpending_range(
            self.keys.rooms, self.group, min="-", max="+", count=10_000, idle=idle_ms
        )
        me = self.consumer.encode()
        stale = [row["consumer"] for row in rows if row["consumer"] != me]
        share = self._share(len(stale), set(stale))
        return share is None or share[0] < share[1]

    def _share(self, idle: int = 0, silent: set[bytes] | None = None) -> Share | None:
        return fair_share(
            self.r, self.keys.rooms, self.group, self.consumer, self.heartbeat_s, idle, silent
        )

    def _wait(self, active: list[str]) -> None:
        """Nothing new: block until a room's stream grows (plain XREAD, delivers nothing)."""
        streams = {self.keys.room(r): self.seen.get(r, b"0-0") for r in active}
        if streams:
            self.r.xread(streams, count=1, block=self.block_ms)

    def _idle(self, since: float) -> bool:
        return self.idle_stop_s is not None and time.monotonic() - since >= self.idle_stop_s

    def _announcements(self) -> bool:
        """Take at most one new room a round, and only while this worker holds less than its
        fair share (``_my_turn``): the group's consumers share new rooms out."""
        if not self._my_turn():
            return False
        res = self.r.xreadgroup(self.group, self.consumer, {self.keys.rooms: ">"}, count=1)
        for _k, entries in res or []:
            for ann_id, fields in entries:
                self._take(fields[b"room"].decode(), ann_id)
                return True
        return False

    def _my_turn(self) -> bool:
        """Whether this worker may take a new room: rooms are waiting and it holds fewer than
        its fair share, ceil((rooms held + waiting) / consumers) (``_share``). So a burst of
        new rooms spreads over the group instead of going to whoever asks first. Where Redis
        cannot say (before 7.0, or an unknown lag): yes, as before."""
        if not self.fair_share:
            return True
        share = self._share()
        return share is None or (share[2] > 0 and share[0] < share[1])

    def _wait_for_room(self) -> None:
        res = self.r.xreadgroup(
            self.group, self.consumer, {self.keys.rooms: ">"}, count=1, block=self.block_ms
        )
        for _k, entries in res or []:
            for ann_id, fields in entries:
                self._take(fields[b"room"].decode(), ann_id)

    def _batch(self, per_room: dict[str, tuple[bytes, list[bytes]]]) -> Batch:
        """One batch of the rooms' new entries (room: its last entry id, the events' JSON
        lines), decoded together by the monitor's scanner."""
        lines: list[bytes] = []
        for room, (last, payloads) in per_room.items():
            lines += payloads
            self.applied[room] = last.decode()
        cols = C.parse_lines(b"\n".join(lines))
        if len(cols) and (cols.etype == _END).any():
            self.ended |= set(cols.session_id[cols.etype == _END].tolist()) & set(per_room)
        return Batch(cols, self._position())

    # --- acknowledging what the checkpoint holds ---------------------------------------------
    def commit(self, position: dict[str, Any]) -> None:
        """Called after the checkpoint holding ``position`` is on disk: XACK every entry it
        holds, and the announcement of each room whose end it holds."""
        pipe = self.r.pipeline(transaction=False)
        moved = []
        for room, last in position.get("rooms", {}).items():
            ids = self.delivered.get(room, [])  # ascending: pending ones first, then new ones
            cut = bisect.bisect_right(ids, sid(last), key=sid)
            for lo in range(0, cut, ACK_CHUNK):  # in bulk, pipelined
                pipe.xack(self.keys.room(room), self.group, *ids[lo : min(lo + ACK_CHUNK, cut)])
            if cut:
                self.delivered[room] = ids[cut:]
            if self._trimmed_at.get(room) != last:  # its checkpoint moved on: trim again
                self._trimmed_at[room] = last
                moved.append(room)
        finished = {}
        for room in position.get("ended", []):
            ann = self.announcement.get(room)
            if ann is not None and not self.delivered.get(room):
                pipe.xack(self.keys.rooms, self.group, ann)
                finished[room] = ann
        self.upkeep.ended(finished, pipe)  # its keys dropped room_keep_s later (redis_upkeep)
        pipe.execute()
        for room in finished:  # no longer this worker's to refresh (nor anyone's to claim)
            del self.announcement[room]
        self.upkeep.trim(moved)  # behind the rooms' shared checkpoints (redis_upkeep)
        if finished or time.monotonic() - self._swept >= SWEEP_EVERY_S:
            self._swept = time.monotonic()
            self.upkeep.sweep(self.keys.readers)

    @property
    def trimmed(self) -> int:
        """Entries of its rooms' streams this worker trimmed (``commit``)."""
        return self.upkeep.trimmed
