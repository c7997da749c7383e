"""The serving workspaces that follow the results stream (``redis_results.ResultsFeed``), each
with a lease (#16).

    {prefix}:results:readers   reader id -> the last results entry it applied
    {prefix}:results:seen      reader id -> "{when it last stepped, ms}:{its lease, ms}"

After each applied batch (and once a minute while idle) a reader records its position and its
heartbeat, then trims the stream below the lowest position of the readers still within their
lease (``_TRIM``, one Lua script, Redis's clock). A reader silent for longer than its own lease
(a retired or long-stopped server) is dropped from both hashes there, so it stops holding the
trim back (and the drop of ended rooms, ``redis_upkeep``); the reader that dropped it logs it.
Restarted later, a dropped reader registers again and is told what it missed
(``ResultsFeed.missed``). ``livecart readers`` lists them and drops one by hand.
"""

from __future__ import annotations

import time
from typing import Any

LEASE_S = 86_400.0  # a reader silent for a day no longer holds the results stream's trim back
# KEYS: the results stream, its readers, their heartbeats; ARGV: this reader, the last entry it
# applied, its lease (ms). Returns {entries trimmed, then per reader dropped: id, ms silent}.
_TRIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], now .. ':' .. ARGV[3])
local out, low, lms, lseq = {0}, nil, nil, nil
local readers = redis.call('HGETALL', KEYS[2])
for i = 1, #readers, 2 do
  local reader, v = readers[i], readers[i + 1]
  local seen = redis.call('HGET', KEYS[3], reader)
  local at, lease = string.match(seen or '', '^(%d+):(%d+)$')
  if not at then  -- registered without a heartbeat: its lease starts now
    redis.call('HSET', KEYS[3], reader, now .. ':' .. ARGV[3])
    at, lease = now, ARGV[3]
  end
  if now - tonumber(at) > tonumber(lease) then
    redis.call('HDEL', KEYS[2], reader)
    redis.call('HDEL', KEYS[3], reader)
    out[#out + 1] = reader
    out[#out + 1] = now - tonumber(at)
  else
    local ms, seq = string.match(v, '^(%d+)-(%d+)$')
    ms, seq = tonumber(ms), tonumber(seq)
    if ms and (low == nil or ms < lms or (ms == lms and seq < lseq)) then
      low, lms, lseq = v, ms, seq
    end
  end
end
if low ~= nil then out[1] = redis.call('XTRIM', KEYS[1], 'MINID', low) end
return out
"""


def seen_key(prefix: str = "livecart") -> str:
    return f"{prefix}:results:seen"


def list_readers(client: Any, prefix: str = "livecart") -> list[dict[str, Any]]:
    """Each registered reader: its id, the last entry it applied, how long ago it was last
    seen and its lease (seconds; None for a reader without a heartbeat yet), and whether its
    lease has run out (it is dropped at the next trim)."""
    readers = client.hgetall(f"{prefix}:results:readers")
    seen = client.hgetall(seen_key(prefix))
    sec, usec = client.time()
    now = sec * 1000 + usec // 1000
    out = []
    for reader, position in sorted(readers.items()):
        at, _, lease = (seen.get(reader) or b"").decode().partition(":")
        ago = (now - int(at)) / 1000 if at else None
        lease_s = int(lease) / 1000 if lease else None
        out.append(
            {
                "reader": reader.decode(),
                "position": position.decode(),
                "seen_s_ago": ago,
                "lease_s": lease_s,
                "lapsed": ago is not None and lease_s is not None and ago > lease_s,
            }
        )
    return out


def drop_reader(client: Any, reader: str, prefix: str = "livecart") -> bool:
    """Forget a retired serving workspace: it no longer holds the trim back. True if it was
    registered."""
    pipe = client.pipeline(transaction=True)
    pipe.hdel(f"{prefix}:results:readers", reader)
    pipe.hdel(seen_key(prefix), reader)
    return bool(pipe.execute()[0])


class Lease:
    """A reader's side of the lease: ``beat(position)`` records its position and heartbeat and
    trims (see the module's docstring); ``due()`` says when an idle reader should beat."""

    BEAT_S = 60.0  # an idle reader's heartbeat, at most this far apart

    def __init__(self, client: Any, stream: str, readers: str, lease_s: float) -> None:
        self.keys = [stream, readers, seen_key(readers.rsplit(":results:readers", 1)[0])]
        self.lease_s = lease_s
        self._trim = client.register_script(_TRIM)
        self.last = 0.0  # monotonic time of the last beat

    def due(self) -> bool:
        return time.monotonic() - self.last >= min(self.BEAT_S, self.lease_s / 10)

    def lapsed(self) -> bool:
        """Whether this reader was silent past its lease (other readers may have dropped it
        and trimmed past it)."""
        return self.last > 0 and time.monotonic() - self.last > self.lease_s

    def beat(self, reader: str, position: str) -> tuple[int, list[tuple[str, float]]]:
        """(entries trimmed, [(reader dropped, seconds it was silent)])."""
        args = [reader, position, int(self.lease_s * 1000)]
        out = self._trim(keys=self.keys, args=args)
        self.last = time.monotonic()
        dropped = [(out[i].decode(), int(out[i + 1]) / 1000) for i in range(1, len(out), 2)]
        return int(out[0]), dropped
