"""A worker's fair share of its consumer group's rooms (#16): how many rooms it holds against
how many it should, so that new rooms (``RedisSource._my_turn``) and a dead worker's rooms
(``RedisSource._claim_turn``) spread evenly over the live workers instead of going to whoever
asks first."""

from __future__ import annotations

from typing import Any, NamedTuple


class Share(NamedTuple):
    held: int  # rooms this worker holds (its pending announcements)
    fair: int  # its fair share
    waiting: int  # rooms announced that no worker of the group has taken yet


def fair_share(
    client: Any,
    announcements: str,
    group: str,
    consumer: str,
    heartbeat_s: float,
    idle: int = 0,
    silent: set[bytes] | None = None,
) -> Share | None:
    """The share is ceil((rooms held + waiting + ``idle``) / workers), counting the workers
    that talked to Redis within ``3 * heartbeat_s`` except the ``silent`` ones (a dead worker
    holds none of the share; ``idle``: rooms a silent worker left, to be shared out), read from
    ``XINFO GROUPS`` (its lag, Redis 7) and ``XINFO CONSUMERS`` in one round trip. None where
    Redis cannot say (before 7.0, or an unknown lag)."""
    import redis

    pipe = client.pipeline(transaction=False)
    pipe.xinfo_groups(announcements)
    pipe.xinfo_consumers(announcements, group)
    try:
        groups, consumers = pipe.execute()
    except redis.ResponseError:
        return None
    names = (group, group.encode())
    lag = next((g.get("lag") for g in groups if g["name"] in names), None)
    if lag is None:
        return None
    me = consumer.encode()
    recent = 3000 * heartbeat_s
    held = {
        c["name"]: c["pending"]
        for c in consumers
        if c["name"] == me or (c["idle"] < recent and c["name"] not in (silent or ()))
    }
    held.setdefault(me, 0)
    fair = -(-(sum(held.values()) + lag + idle) // len(held))
    return Share(held[me], fair, lag)
