"""Each raise of an alert delivered once by a Redis group, whichever of its workers runs the
room (#16).

A room that moves to another worker resumes from its shared checkpoint; the alerts its old
owner raised after that checkpoint are raised again by the new owner as it reads the same
events on. So before a worker hands a new alert to its sinks (the webhook), it records the
raise in the room's hash of raised alerts,

    {prefix}:alerts:{group}:{room}   "{alert id}#{seq}" -> the worker that raised it

with HSETNX, one round trip for all of a round's new alerts: a raise already there was
delivered by another owner (or by this worker before a restart) and is skipped. ``seq`` counts
the raises of one alert in the live (``AlertBook``, carried in the checkpoints), so an alert
that clears and holds again later is a new raise, delivered again. Recorded before the webhook
is queued: a worker killed between the two loses that delivery rather than sending it twice
(at most once). The hash expires ``ALERTS_KEEP_S`` after its last raise.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
ALERTS_KEEP_S = 7 * 86_400  # a room's raised alerts are remembered a week after its last raise
# KEYS: one hash a raise (its room's); ARGV: this worker, then one "id#seq" a raise.
# Returns 1 for each raise recorded now (to deliver), 0 for one recorded before (skip).
_RAISE = """
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('HSETNX', KEYS[i], ARGV[i + 1], ARGV[1])
  if out[i] == 1 then redis.call('EXPIRE', KEYS[i], ALERTS_KEEP_S) end
end
return out
""".replace("ALERTS_KEEP_S", str(ALERTS_KEEP_S))


def alerts_key(prefix: str, group: str, room: str) -> str:
    return f"{prefix}:alerts:{group}:{room}"


class RaisedAlerts:
    """The raises a group of workers has delivered (``first_raises``). Alerts are
    ``live.alerts.Alert`` (their ``id``, ``seq`` and ``session_id``; that module sits above the
    sources, so it is not imported here)."""

    def __init__(self, client: Any, prefix: str, group: str, consumer: str) -> None:
        self.prefix, self.group, self.consumer = prefix, group, consumer
        self._raise = client.register_script(_RAISE)
        self.skipped: list[Any] = []  # raises another owner (or an earlier run) delivered

    def first_raises(self, alerts: list[Any]) -> list[Any]:
        """The alerts whose raise no worker of the group has recorded yet, recording them."""
        if not alerts:
            return []
        keys = [alerts_key(self.prefix, self.group, a.session_id) for a in alerts]
        args = [self.consumer, *(f"{a.id}#{a.seq}" for a in alerts)]
        fresh = self._raise(keys=keys, args=args)
        out = []
        for a, ok in zip(alerts, fresh, strict=True):
            if ok:
                out.append(a)
                continue
            self.skipped.append(a)
            log.info(
                "%s skips alert %s (raise %d): another worker of group %s delivered it",
                self.consumer,
                a.id,
                a.seq,
                self.group,
            )
        return out
