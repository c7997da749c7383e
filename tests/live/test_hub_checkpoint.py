"""The server's live hub is checkpointed as a whole (issue #14): a hub made again on the same
checkpoint starts from the saved monitor, and a run started under the same key resumes from its
saved position, so a stopped and restarted server (`serve --tiktok`, the ingest) loses nothing
and counts nothing twice."""

from __future__ import annotations

import json

from livecart.live.hub import LiveHub
from livecart.live.sources.replay import ReplaySource

T0 = 1_764_615_600_000


def recording(path, n: int, start: int = 0, with_start: bool = True):
    lines = [{"id": "s", "session_id": "R1", "ts": T0, "type": "live_start", "currency": "USD"}]
    lines = lines if with_start else []
    lines += [
        {
            "id": f"o{i}",
            "session_id": "R1",
            "ts": T0 + 1000 * i,
            "type": "order",
            "order_id": f"O{i}",
            "sku_id": "A",
            "quantity": 1,
            "price": 10.0,
            "currency": "USD",
        }
        for i in range(start, start + n)
    ]
    with open(path, "a") as f:
        f.writelines(json.dumps(e) + "\n" for e in lines)
    return path


def run_to_end(hub: LiveHub, source, key: str) -> None:
    run = hub.start(source, key=key)
    hub._threads[-1].join(30)
    assert run.finished and run.error is None


def test_a_hub_resumes_its_checkpoint_and_each_keyed_run_its_position(ws, tmp_path):
    ckpt = tmp_path / "server.ckpt"
    rec = recording(tmp_path / "room.jsonl", 5)
    hub = LiveHub(ws, checkpoint=ckpt)
    run_to_end(hub, ReplaySource(rec), key="room:R1")
    hub.close()
    assert hub.view("R1")["totals"]["orders"] == 5

    recording(rec, 3, start=5, with_start=False)  # the room went on while the server was down
    again = LiveHub(ws, checkpoint=ckpt)
    assert again.monitor.sessions["R1"].accepted == 5  # the saved state, before any event
    run_to_end(again, ReplaySource(rec), key="room:R1")  # from the saved offset: 3 new orders
    again.close()
    assert again.view("R1")["totals"]["orders"] == 8
    saved = ws.query("SELECT orders, gmv FROM sessions WHERE session_id = 'R1'").iloc[0]
    assert (saved.orders, saved.gmv) == (8, 80.0)

    fresh = LiveHub(ws, checkpoint=ckpt)  # a run under a new key reads it all: duplicates
    run_to_end(fresh, ReplaySource(rec), key="other")
    fresh.close()
    assert fresh.view("R1")["totals"]["orders"] == 8
