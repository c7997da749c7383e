"""Every room in one place: monitor workers on Redis Streams (``redis_stream``) publish what
they write of their rooms onto one results stream, and the serving process follows it into its
workspace, so the team's dashboard shows every room whichever worker runs it.

    {prefix}:results            one entry per room and save: {"room", "owner": the worker's
                                consumer name, "s": the session's totals row, "m": its
                                minutes that changed}
    {prefix}:checkpoint:{group}:{room}  the room's shared checkpoint in consumer group
                                {group}: "owner", "ended", "result": the room's last entry
                                on the results stream, and (with the entry) "entry": the
                                last entry of the room's stream that "state" holds
                                (engine.handover's format, with the room's alerts)
    {prefix}:results:readers    serving workspace -> the last results entry it applied
    {prefix}:results:seen       serving workspace -> its heartbeat and lease (redis_readers)

Both tables are Arrow IPC streams in the workspace's own columns (``session_rows``); each row is
whole (not an increment), so a later entry of a room supersedes an earlier one key by key.

Fenced: a worker publishes through one Lua script that first checks that the room's
announcement is still pending with that worker, and only then adds the entry and replaces the
room's checkpoint. Redis runs the script atomically, so every entry of a room's old owner
precedes the takeover on the stream, and a stalled old owner that wakes up publishes nothing
more of it (``fenced``). The new owner resumes the room from its shared checkpoint (the state
and its entry, ``RedisSource._shared_state``): it reads only the room's events after it and
writes the room whole at its first save, so its rows continue the room's counts.

Exactly once: the follower (``ResultsFeed``) applies a batch of entries and records the last
entry id in the workspace's ``_meta`` table in the same transaction; a restarted server
resumes after it. Entries applied again (say, from an older position) change nothing: rows
are upserted by key in stream order, so the newest entry's rows win. Then it records that id
among the stream's readers and trims the stream below the lowest reader's (``ResultsFeed``).
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from livecart.errors import LivecartError
from livecart.live.engine.handover import export_session
from livecart.live.engine.state import SessionState
from livecart.live.session_rows import write_rows
from livecart.live.sources.redis_readers import LEASE_S, Lease
from livecart.live.sources.redis_stream import Keys, RedisSource, sid
from livecart.store import Workspace

log = logging.getLogger(__name__)
ENDED_KEEP_S = 86_400  # an ended room's checkpoint is kept a day (a late takeover), then dropped
# KEYS: the announcements stream, the results stream, then each room's checkpoint hash; ARGV:
# group, consumer, then per room its id, its announcement's id, its totals, its minutes, 1 if
# its live has ended, and (empty when not shared) its last applied entry and its state.
# Returns the rooms fenced off.
_PUBLISH = """
local group, me, fenced = ARGV[1], ARGV[2], {}
for i = 3, #ARGV, 7 do
  local room, ann = ARGV[i], ARGV[i + 1]
  local p = redis.call('XPENDING', KEYS[1], group, ann, ann, 1)
  if p[1] and p[1][2] == me then
    local at = redis.call('XADD', KEYS[2], '*', 'room', room, 'owner', me, 's', ARGV[i + 2],
      'm', ARGV[i + 3])
    local ckpt = KEYS[3 + (i - 3) / 7]
    redis.call('HSET', ckpt, 'owner', me, 'ended', ARGV[i + 4], 'result', at)
    if ARGV[i + 5] ~= '' then
      redis.call('HSET', ckpt, 'entry', ARGV[i + 5], 'state', ARGV[i + 6])
    end
    if ARGV[i + 4] == '1' then redis.call('EXPIRE', ckpt, ENDED_KEEP_S) end
  else
    fenced[#fenced + 1] = room
  end
end
return fenced
""".replace("ENDED_KEEP_S", str(ENDED_KEEP_S))


def results_key(prefix: str = "livecart") -> str:
    return Keys(prefix).results


def readers_key(prefix: str = "livecart") -> str:
    """The serving workspaces following the results stream: reader id -> last entry applied."""
    return Keys(prefix).readers


def to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


class ResultsPublisher:
    """Hands a worker's writes on to the results stream (``LiveRun.publish``), one entry per
    room it still owns, with the room's checkpoint (its state with its active alerts, and the
    last entry of its stream that state holds: a worker that takes the room over resumes from
    there, raising none of those alerts again); rooms another
    worker took over are left out (``fenced``)."""

    def __init__(self, source: RedisSource) -> None:
        self.source = source
        self.key = results_key(source.keys.prefix)
        self._publish = source.r.register_script(_PUBLISH)
        self.fenced: list[str] = []  # rooms whose rows were refused: another worker owns them
        self.entries = 0

    def __call__(
        self,
        sessions: pa.Table,
        minutes: pa.Table,
        states: list[SessionState] | None = None,
        position: dict[str, Any] | None = None,
        alerts: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        src = self.source
        args: list[Any] = [src.group, src.consumer]
        keys = [src.keys.rooms, self.key]
        rooms = sessions.column("session_id").to_pylist()
        ended = sessions.column("actual_end").is_valid().to_pylist()
        applied = (position or {}).get("rooms", {})
        by_room = {st.session_id: st for st in states or []}
        for i, room in enumerate(rooms):
            ann = src.announcement.get(room)
            if ann is None:  # given up, or finished and acknowledged: not this worker's
                self.fenced.append(room)
                continue
            mine = pc.equal(minutes.column("session_id"), room)
            entry, state = applied.get(room, ""), by_room.get(room)
            blob = b""
            if entry and state is not None:
                blob = export_session(state, (alerts or {}).get(room))
            args += [room, ann, to_ipc(sessions.slice(i, 1)), to_ipc(minutes.filter(mine))]
            args += [int(ended[i]), entry if blob else "", blob]
            keys.append(src.keys.checkpoint(src.group, room))
        if len(args) == 2:
            return
        fenced = [r.decode() for r in self._publish(keys=keys, args=args)]
        self.entries += (len(args) - 2) // 7 - len(fenced)
        if fenced:
            self.fenced += fenced
            log.warning(
                "%s no longer owns %s: its rows were not published (the new owner's are)",
                src.consumer,
                ", ".join(fenced),
            )


class ResultsFeed:
    """Follows ``{prefix}:results`` into ``ws``: ``catch_up()`` applies everything there is,
    ``start()`` follows in a background thread until ``close()``. ``owners``: the worker that
    last published each room (as far as this feed has read).

    Trimmed (``trim``, default on): a feed registers this workspace's position in
    ``{prefix}:results:readers`` (under a reader id kept in the workspace) when it starts, and
    after each applied batch records its new position there and trims the stream below the
    lowest reader's (XTRIM MINID), in one Lua script: the stream keeps what some registered
    serving workspace has not applied yet, and nothing a restarted one still needs (it resumes
    after its own position, which the trim never passes). ``lease_s``: a reader silent longer
    than its lease no longer holds the trim back (``redis_readers``; an idle feed beats once a
    minute). ``missed``: the newest entry trimmed
    away before this workspace applied it (a workspace that first followed the stream after
    others had trimmed it: rooms published before then may be partial in it): the stream's
    first entry then, else None."""

    def __init__(
        self,
        ws: Workspace,
        client: Any,
        prefix: str = "livecart",
        count: int = 500,
        trim: bool = True,
        lease_s: float = LEASE_S,
    ) -> None:
        self.ws, self.r, self.count, self.trim = ws, client, count, trim
        self.key = results_key(prefix)
        self.readers = readers_key(prefix)
        self.meta_key = f"redis_results:{prefix}"
        self.owners: dict[str, str] = {}
        self.applied = 0  # entries applied by this feed
        self.trimmed = 0  # entries this feed trimmed off the stream
        self.error: str | None = None
        self._reader: str | None = None
        self.missed = self._missed()
        self.lease = Lease(client, self.key, self.readers, lease_s)
        if trim:  # from now on the stream is not trimmed past what this workspace holds
            self._beat(self.position())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def position(self) -> str:
        """The id of the last entry the workspace holds ("0-0": none yet)."""
        rows = self.ws.execute("SELECT value FROM _meta WHERE key = ?", [self.meta_key])
        return rows[0][0] if rows else "0-0"

    def reader(self) -> str:
        """This workspace's name among the stream's readers (made once, kept in ``_meta``)."""
        if self._reader is not None:
            return self._reader
        key = f"{self.meta_key}:reader"
        rows = self.ws.execute("SELECT value FROM _meta WHERE key = ?", [key])
        if rows:
            self._reader = rows[0][0]
            return self._reader
        name = f"{socket.gethostname()}:{self.ws.path.resolve()}:{uuid.uuid4().hex[:8]}"
        with self.ws.transaction():
            self.ws.execute("INSERT OR REPLACE INTO _meta VALUES (?, ?)", [key, name])
        self._reader = name
        return name

    def _missed(self) -> str | None:
        """Entries trimmed before this workspace applied them: the trim keeps every registered
        reader's last entry, so a position before the stream's first entry (with entries
        removed) means some were applied by other readers only."""
        import redis

        try:
            info = self.r.xinfo_stream(self.key)
        except redis.ResponseError:  # no stream yet: nothing published, nothing trimmed
            return None
        first = info.get("first-entry")
        if info["entries-added"] <= info["length"] or not first:
            return None
        first_id = first[0].decode()
        if sid(self.position()) >= sid(first_id):
            return None
        log.warning(
            "%s was trimmed before this workspace applied its entries up to %s (other serving "
            "workspaces applied them): rooms published before then may be partial here",
            self.key,
            first_id,
        )
        return first_id

    def step(self, block_ms: int | None = None) -> int:
        """Apply the next entries (up to ``count``; waits up to ``block_ms`` for some);
        returns how many."""
        if self.trim and self.lease.lapsed():  # others may have dropped it and trimmed on
            self.missed = self._missed() or self.missed
        got = self.r.xread({self.key: self.position()}, count=self.count, block=block_ms)
        entries = got[0][1] if got else []
        if entries:
            self._apply(entries)
        if self.trim and (entries or self.lease.due()):  # once the workspace holds them
            self._beat(entries[-1][0].decode() if entries else self.position())
        return len(entries)

    def _beat(self, position: str) -> None:
        """Record this reader's position and heartbeat and trim (``redis_readers``)."""
        n, dropped = self.lease.beat(self.reader(), position)
        self.trimmed += n
        for reader, silent in dropped:
            log.warning(
                "serving workspace %s has not read %s for %.1f h (over its lease): it no "
                "longer holds the stream's trim back and was dropped from %s (restarted, it "
                "registers again and says what it missed)",
                reader,
                self.key,
                silent / 3600,
                self.readers,
            )

    def catch_up(self) -> int:
        n = 0
        while k := self.step():
            n += k
        return n

    def _apply(self, entries: list) -> None:
        sessions, minutes = [], []
        for entry_id, fields in entries:
            try:
                room, owner = fields[b"room"].decode(), fields[b"owner"].decode()
                sessions.append(from_ipc(fields[b"s"]))
                minutes.append(from_ipc(fields[b"m"]))
            except (KeyError, UnicodeDecodeError, pa.ArrowInvalid) as e:
                raise LivecartError(
                    f"results entry {entry_id.decode()} on {self.key} cannot be read ({e}): "
                    f"was it written by a livecart worker of another version? Upgrade the "
                    f"workers and this server to one version"
                ) from None
            self.owners[room] = owner
        last = entries[-1][0].decode()
        with self.ws.transaction():
            write_rows(
                self.ws,
                newest(sessions, ["session_id"]),
                newest(minutes, ["session_id", "minute"]),
            )
            self.ws.execute("INSERT OR REPLACE INTO _meta VALUES (?, ?)", [self.meta_key, last])
        self.applied += len(entries)

    def start(self, block_ms: int = 500) -> ResultsFeed:
        self._thread = threading.Thread(
            target=self._follow, args=(block_ms,), name="livecart-results", daemon=True
        )
        self._thread.start()
        return self

    def _follow(self, block_ms: int) -> None:
        try:
            while not self._stop.is_set():
                self.step(block_ms)
        except Exception as e:  # noqa: BLE001 - kept for the person watching, and logged
            self.error = f"{type(e).__name__}: {e}"
            log.error("the results feed from %s stopped: %s", self.key, self.error)

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def newest(tables: list[pa.Table], keys: list[str]) -> pa.Table:
    """The tables' rows in order, keeping only the last row of each key (later entries
    supersede earlier ones)."""
    t = pa.concat_tables(tables, promote_options="default")
    if len(t) == 0:
        return t
    t = t.append_column("_at", pa.array(range(len(t)), pa.int64()))
    last = t.group_by(keys, use_threads=False).aggregate([("_at", "max")])
    keep = pc.sort_indices(last.column("_at_max"))
    return t.take(pc.take(last.column("_at_max"), keep)).drop_columns(["_at"])


__all__ = [
    "ResultsFeed",
    "ResultsPublisher",
    "from_ipc",
    "newest",
    "readers_key",
    "results_key",
    "to_ipc",
]
