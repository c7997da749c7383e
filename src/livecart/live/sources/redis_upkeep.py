"""Keeping the rooms' Redis streams small (#16): a room's stream trimmed behind the shared
checkpoints of the consumer groups that read it (``RoomUpkeep.trim``).

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
"""

from __future__ import annotations

from typing import Any

ROOM_KEEP_S = 600.0  # a live room's stream keeps this much before its shared checkpoint's entry
# KEYS: the room's stream, the announcements stream; ARGV: the checkpoints' key up to the
# group ("{prefix}:checkpoint:"), the room, how many ms of entries a live room keeps before the
# lowest checkpoint's. Returns how many entries it trimmed.
_TRIM_ROOM = """
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


class RoomUpkeep:
    """A worker's part in keeping the rooms' streams small (``keys``: the source's ``Keys``)."""

    def __init__(self, client: Any, keys: Any, room_keep_s: float = ROOM_KEEP_S) -> None:
        self.r, self.keys, self.room_keep_s = client, keys, room_keep_s
        self.trimmed = 0  # entries of the rooms' streams trimmed (``trim``)
        self._trim_room = client.register_script(_TRIM_ROOM)

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
