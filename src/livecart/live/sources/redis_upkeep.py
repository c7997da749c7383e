"""Keeping the rooms' Redis streams small (#16): a room's stream trimmed behind the shared
checkpoints of the consumer groups that read it (``RoomUpkeep.trim``), and an ended room's
keys dropped once nobody needs them (``RoomUpkeep.sweep``).

A room's stream is trimmed below what every group reading it has checkpointed: each group's
shared checkpoint (``{prefix}:checkpoint:{group}:{room}``, written by workers sharing
results) holds the room's state up to an entry, and whoever of that group takes the room over
resumes after it. So the trim goes no lower than the lowest of those entries, never past an
entry some group has not acknowledged yet (its oldest pending one), and keeps ``room_keep_s``
more of a room still live in some group. A room one of whose groups has no shared checkpoint
(workers not sharing results) keeps its whole stream: that group's takeover reads it from its
start; so does a room some group of the announcements stream has not taken yet (that group
would read it from its start). A group created after a room was trimmed (a new monitor on an
old bus) finds only the rest of it: create the groups before the lives start.

An ended room: once a worker has checkpointed a room's end and acknowledged its announcement,
it notes the room in ``{prefix}:ended:{group}`` (a sorted set, by when). ``room_keep_s``
later, a sweep by any worker of the group drops the room's stream, its place in
``{prefix}:rooms:set`` and its announcement, its shared checkpoint and its raised alerts,
provided that no other group reads the bus (another group may not have read the room yet),
the group has nothing of the room pending, and every serving workspace registered on the
results stream (within its lease, ``redis_readers``) has applied the room's last results
entry. A room id published again after that is a new room: don't reuse session ids.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

ROOM_KEEP_S = 600.0  # a live room's stream keeps this much before its shared checkpoint's entry
# KEYS: the room's stream, the announcements stream; ARGV: the checkpoints' key up to the
# group ("{prefix}:checkpoint:"), the room, how many ms of entries a live room keeps before the
# lowest checkpoint's. Returns how many entries it trimmed.
_TRIM_ROOM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 or #groups ~= #redis.call('XINFO', 'GROUPS', KEYS[2]) then return 0 end
local function id(s)
  local ms, seq = string.match(s, '^(%d+)-(%d+)$')
  return {tonumber(ms), tonumber(seq)}
end
local floor, low, live = nil, nil, false
local function cap(s)
  local x = id(s)
  if low == nil or x[1] < low[1] or (x[1] == low[1] and x[2] < low[2]) then floor, low = s, x end
end
for _, fields in ipairs(groups) do
  local g = {}
  for i = 1, #fields, 2 do g[fields[i]] = fields[i + 1] end
  local ckpt = redis.call('HMGET', ARGV[1] .. g['name'] .. ':' .. ARGV[2], 'entry', 'ended')
  if not ckpt[1] then return 0 end
  cap(ckpt[1])
  if ckpt[2] ~= '1' then live = true end
  if g['pending'] > 0 then cap(redis.call('XPENDING', KEYS[1], g['name'])[2]) end
end
local keep = tonumber(ARGV[3])
if keep > 0 and live then cap(string.format('%.0f-0', math.max(0, low[1] - keep))) end
return redis.call('XTRIM', KEYS[1], 'MINID', floor)
"""


# KEYS: the group's ended rooms (sorted set); ARGV: when (ms) and "{announcement id} {room}"
# of each room whose end was checkpointed now.
_ENDED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #ARGV do redis.call('ZADD', KEYS[1], now, ARGV[i]) end
return #ARGV
"""
# KEYS: the group's ended rooms, the rooms set, the announcements stream, the results readers
# and their heartbeats (redis_readers);
# ARGV: prefix, group, keep ms, how many rooms at most. Drops the rooms ended over keep ms ago
# that no one needs any more (see the module's docstring); returns them.
_SWEEP = """
local prefix, group = ARGV[1], ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0,
  tonumber(ARGV[4]))
if #due == 0 or #redis.call('XINFO', 'GROUPS', KEYS[3]) ~= 1 then return {} end
local function id(s)
  local ms, seq = string.match(s or '', '^(%d+)-(%d+)$')
  if not ms then return nil end
  return {tonumber(ms), tonumber(seq)}
end
local function below(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end
local low = nil  -- the lowest position a serving workspace within its lease has applied
local readers = redis.call('HGETALL', KEYS[4])
for i = 1, #readers, 2 do
  local at, lease = string.match(redis.call('HGET', KEYS[5], readers[i]) or '', '^(%d+):(%d+)$')
  local x = id(readers[i + 1])
  if x and not (at and now - tonumber(at) > tonumber(lease)) and (low == nil or below(x, low)) then
    low = x
  end
end
local dropped = {}
for _, member in ipairs(due) do
  local ann, room = string.match(member, '^(%S+) (.*)$')
  local stream = prefix .. ':room:' .. room
  local ckpt = prefix .. ':checkpoint:' .. group .. ':' .. room
  local result = id(redis.call('HGET', ckpt, 'result'))
  local ready = not (result and low and below(low, result))
  if ready and redis.call('EXISTS', stream) == 1 then
    local groups = redis.call('XINFO', 'GROUPS', stream)
    for _, fields in ipairs(groups) do
      local g = {}
      for i = 1, #fields, 2 do g[fields[i]] = fields[i + 1] end
      if g['name'] ~= group or g['pending'] > 0 then ready = false end
    end
  end
  if ready then
    redis.call('DEL', stream, ckpt, prefix .. ':alerts:' .. group .. ':' .. room)
    redis.call('SREM', KEYS[2], room)
    redis.call('XDEL', KEYS[3], ann)
    redis.call('ZREM', KEYS[1], member)
    dropped[#dropped + 1] = room
  end
end
return dropped
"""


class RoomUpkeep:
    """A worker's part in keeping the rooms' streams small (``keys``: the source's ``Keys``)."""

    def __init__(
        self, client: Any, keys: Any, group: str, room_keep_s: float = ROOM_KEEP_S
    ) -> None:
        self.r, self.keys, self.group, self.room_keep_s = client, keys, group, room_keep_s
        self.trimmed = 0  # entries of the rooms' streams trimmed (``trim``)
        self.dropped: list[str] = []  # ended rooms whose keys this worker dropped (``sweep``)
        self._trim_room = client.register_script(_TRIM_ROOM)
        self._ended = client.register_script(_ENDED)
        self._sweep = client.register_script(_SWEEP)
        self.ended_key = f"{keys.prefix}:ended:{group}"

    def ended(self, rooms: dict[str, bytes], pipe: Any) -> None:
        """Note rooms whose end is checkpointed (room: its announcement's id), in ``pipe``
        (the same round trip that acknowledges their announcements)."""
        if rooms:
            members = [f"{ann.decode()} {room}" for room, ann in rooms.items()]
            self._ended(keys=[self.ended_key], args=members, client=pipe)

    def sweep(self, results_readers: str, limit: int = 100) -> list[str]:
        """Drop the keys of rooms ended over ``room_keep_s`` ago that nobody needs any more
        (see the module's docstring); returns those rooms."""
        keys = [self.ended_key, self.keys.rooms_set, self.keys.rooms, results_readers]
        keys.append(results_readers.replace(":results:readers", ":results:seen"))
        args = [self.keys.prefix, self.group, int(self.room_keep_s * 1000), limit]
        rooms = [r.decode() for r in self._sweep(keys=keys, args=args)]
        if rooms:
            self.dropped += rooms
            log.info("dropped the streams of %d ended rooms: %s", len(rooms), ", ".join(rooms))
        return rooms

    def trim(self, rooms: list[str]) -> int:
        """Trim the rooms' streams below what every group reading them has checkpointed (see
        the module's docstring); returns how many entries went."""
        if not rooms:
            return 0
        pipe = self.r.pipeline(transaction=False)
        keep_ms = int(self.room_keep_s * 1000)
        ckpt = self.keys.checkpoint("", "")[:-1]  # "{prefix}:checkpoint:"
        for room in rooms:
            keys = [self.keys.room(room), self.keys.rooms]
            self._trim_room(keys=keys, args=[ckpt, room, keep_ms], client=pipe)
        n = sum(pipe.execute())
        self.trimmed += n
        return n
