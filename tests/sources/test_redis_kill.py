"""A real `livecart worker` process killed with SIGKILL in the middle of the streams, then
restarted under its name: its totals equal the events' (nothing lost, nothing counted twice)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import livecart
from livecart.live import checkpoint_path, load_checkpoint
from livecart.live.sources.redis_stream import Publisher
from tests.sources.redis_rooms import KEYS, make_events, pending, truth


@pytest.mark.slow
def test_worker_killed_mid_stream_resumes_exactly(tmp_path, redis_url, redis_client):
    events = make_events(seed=21, rooms=4, per_room=25_000)
    Publisher(redis_client, per_entry=1).publish(events)
    ws_dir = tmp_path / "w"
    livecart.init(ws_dir).close()
    # a checkpoint every 50 ms: the first lands long before the worker could finish the streams
    (ws_dir / "livecart.toml").write_text("lateness_seconds = 3600\ncheckpoint_seconds = 0.05\n")
    cmd = [
        sys.executable,
        "-m",
        "livecart",
        "worker",
        str(ws_dir),
        "--redis",
        redis_url,
        "--group",
        "g",
        "--name",
        "w1",
        "--idle-stop",
        "1",
        "--json",
    ]
    ckpt = checkpoint_path(ws_dir, "redis-g-w1")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    saved = load_checkpoint(ckpt)["monitor"].events_in
    assert 0 < saved < len(events), (saved, len(events))  # killed mid-stream, checkpoint behind
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True).stdout
    got = {r["session_id"]: {k: float(r[k]) for k in KEYS} for r in json.loads(out)}
    assert got == truth(events)
    assert all(pending(redis_client, f"livecart:room:R{r}", "g") == 0 for r in range(4))
