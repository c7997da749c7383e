"""Every room in one place: monitor workers on Redis Streams (``redis_stream``) publish what
they write of their rooms onto one results stream, and the serving process follows it into its
workspace, so the team's dashboard shows every room whichever worker runs it.

    {prefix}:results   one entry per room and save: {"room", "owner": the worker's consumer
                       name, "s": the session's totals row, "m": its minutes that changed}

Both tables are Arrow IPC streams in the workspace's own columns (``session_rows``); each row is
whole (not an increment), so a later entry of a room supersedes an earlier one key by key.

Fenced: a worker publishes through one Lua script that first checks that the room's
announcement is still pending with that worker, and adds the entry only then. Redis runs the
script atomically, so every entry of a room's old owner precedes the takeover on the stream,
and a stalled old owner that wakes up publishes nothing more of it (``fenced``). The new owner
reads the room from its start (``RedisSource._catch_up``) and writes it whole at its first
save: its rows continue the room's counts instead of adding a second, partial set.

Exactly once: the follower (``ResultsFeed``) applies a batch of entries and records the last
entry id in the workspace's ``_meta`` table in the same transaction; a restarted server
resumes after it. Entries applied again (say, from an older position) change nothing: rows
are upserted by key in stream order, so the newest entry's rows win.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from livecart.errors import LivecartError
from livecart.live.session_rows import write_rows
from livecart.live.sources.redis_stream import RedisSource
from livecart.store import Workspace

log = logging.getLogger(__name__)
# KEYS: the announcements stream, the results stream; ARGV: group, consumer, then per room its
# id, its announcement's id, its totals and its minutes. Returns the rooms fenced off.
_PUBLISH = """
local group, me, fenced = ARGV[1], ARGV[2], {}
for i = 3, #ARGV, 4 do
  local room, ann = ARGV[i], ARGV[i + 1]
  local p = redis.call('XPENDING', KEYS[1], group, ann, ann, 1)
  if p[1] and p[1][2] == me then
    redis.call('XADD', KEYS[2], '*', 'room', room, 'owner', me, 's', ARGV[i + 2], 'm', ARGV[i + 3])
  else
    fenced[#fenced + 1] = room
  end
end
return fenced
"""


def results_key(prefix: str = "livecart") -> str:
    return f"{prefix}:results"


def to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


class ResultsPublisher:
    """Hands a worker's writes on to the results stream (``LiveRun.publish``), one entry per
    room it still owns; rooms another worker took over are left out (``fenced``)."""

    def __init__(self, source: RedisSource) -> None:
        self.source = source
        self.key = results_key(source.keys.prefix)
        self._publish = source.r.register_script(_PUBLISH)
        self.fenced: list[str] = []  # rooms whose rows were refused: another worker owns them
        self.entries = 0

    def __call__(self, sessions: pa.Table, minutes: pa.Table) -> None:
        src = self.source
        args: list[Any] = [src.group, src.consumer]
        rooms = sessions.column("session_id").to_pylist()
        for i, room in enumerate(rooms):
            ann = src.announcement.get(room)
            if ann is None:  # given up, or finished and acknowledged: not this worker's
                self.fenced.append(room)
                continue
            mine = pc.equal(minutes.column("session_id"), room)
            args += [room, ann, to_ipc(sessions.slice(i, 1)), to_ipc(minutes.filter(mine))]
        if len(args) == 2:
            return
        keys = [src.keys.rooms, self.key]
        fenced = [r.decode() for r in self._publish(keys=keys, args=args)]
        self.entries += (len(args) - 2) // 4 - len(fenced)
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
    last published each room (as far as this feed has read)."""

    def __init__(
        self, ws: Workspace, client: Any, prefix: str = "livecart", count: int = 500
    ) -> None:
        self.ws, self.r, self.count = ws, client, count
        self.key = results_key(prefix)
        self.meta_key = f"redis_results:{prefix}"
        self.owners: dict[str, str] = {}
        self.applied = 0  # entries applied by this feed
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def position(self) -> str:
        """The id of the last entry the workspace holds ("0-0": none yet)."""
        rows = self.ws.execute("SELECT value FROM _meta WHERE key = ?", [self.meta_key])
        return rows[0][0] if rows else "0-0"

    def step(self, block_ms: int | None = None) -> int:
        """Apply the next entries (up to ``count``; waits up to ``block_ms`` for some);
        returns how many."""
        got = self.r.xread({self.key: self.position()}, count=self.count, block=block_ms)
        entries = got[0][1] if got else []
        if entries:
            self._apply(entries)
        return len(entries)

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


__all__ = ["ResultsFeed", "ResultsPublisher", "from_ipc", "newest", "results_key", "to_ipc"]
