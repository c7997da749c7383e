"""Checkpoints: killed and restarted at any point, the monitor resumes with exact totals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import livecart
from livecart.errors import LivecartError
from livecart.live import (
    Alert,
    LiveRun,
    ReplaySource,
    checkpoint_path,
    live_minutes_rows,
    load_checkpoint,
    open_run,
)
from livecart.model.events import Event
from tests.live.synth import T0, synth_session


@pytest.fixture
def recording(tmp_path):
    ev = synth_session("S1", minutes=30, seed=4) + synth_session("S2", minutes=25, seed=5)
    ev.sort(key=lambda e: e.ts)
    path = tmp_path / "rec.jsonl"
    path.write_text("".join(e.to_json() + "\n" for e in ev))
    return path


def minutes_of(ws) -> pd.DataFrame:
    f = ws.table("live_minutes").sort_values(["session_id", "minute"])
    return f.drop(columns=["ts"]).reset_index(drop=True)


@pytest.mark.slow
def test_restart_from_every_batch_boundary_gives_exact_totals(recording, tmp_path):
    ref_ws = livecart.init(tmp_path / "ref")
    LiveRun(ref_ws, ReplaySource(recording, batch_bytes=20_000)).run()
    ref = minutes_of(ref_ws)
    n_batches = len(list(ReplaySource(recording, batch_bytes=20_000).batches()))
    assert n_batches > 5
    for stop in range(1, n_batches):
        ws = livecart.init(tmp_path / f"w{stop}")
        ckpt = tmp_path / f"c{stop}.ckpt"
        first = LiveRun(
            ws, ReplaySource(recording, batch_bytes=20_000), checkpoint=ckpt, save_every_s=0
        )
        for i, batch in enumerate(first.source.batches()):  # a run that dies after `stop`
            first.monitor.feed_columns(batch.events)
            first._dirty |= set(first.monitor.sessions)
            first.position = batch.position
            first.save()
            if i + 1 == stop:
                break
        second = LiveRun(ws, ReplaySource(recording, batch_bytes=20_000), checkpoint=ckpt)
        assert second.resumed and second.position == first.position
        second.run()
        pd.testing.assert_frame_equal(minutes_of(ws), ref)
        ws.close()


@pytest.mark.slow
def test_sigkill_mid_replay_then_restart_matches_uninterrupted_run(recording, tmp_path):
    ref = tmp_path / "ref"
    livecart.init(ref).close()
    cmd = [sys.executable, "-m", "livecart", "monitor"]
    subprocess.run(
        [*cmd, str(ref), "--replay", str(recording), "--no-view"], check=True, capture_output=True
    )
    ws_dir = tmp_path / "ws"
    livecart.init(ws_dir).close()
    # 55 minutes of events at 250x: about 13 s, so a loaded machine still kills it mid-way;
    # killed soon after the first checkpoint exists
    proc = subprocess.Popen(
        [*cmd, str(ws_dir), "--replay", str(recording), "--speed", "250", "--no-view"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ckpt = checkpoint_path(ws_dir, recording.stem)
    deadline = time.monotonic() + 30
    while not ckpt.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    saved = load_checkpoint(ckpt)
    assert 0 < saved["position"] < recording.stat().st_size  # really killed in the middle
    subprocess.run(
        [*cmd, str(ws_dir), "--replay", str(recording), "--no-view"],
        check=True,
        capture_output=True,
    )
    with livecart.open(ref, read_only=True) as a, livecart.open(ws_dir, read_only=True) as b:
        pd.testing.assert_frame_equal(minutes_of(b), minutes_of(a))
        sa = a.table("sessions").sort_values("session_id").reset_index(drop=True)
        sb = b.table("sessions").sort_values("session_id").reset_index(drop=True)
        np.testing.assert_allclose(sb["gmv"], sa["gmv"])
        assert sb["orders"].tolist() == sa["orders"].tolist()


def checkpointed_run(ws, path, ckpt, stop_after: int = 1) -> LiveRun:
    """A run on ``path`` that checkpoints after ``stop_after`` batches and dies."""
    run = LiveRun(ws, ReplaySource(path, batch_bytes=20_000), checkpoint=ckpt, save_every_s=0)
    for i, batch in enumerate(run.source.batches()):
        run.monitor.feed_columns(batch.events)
        run._dirty |= set(run.monitor.sessions)
        run.position = batch.position
        run.save()
        if i + 1 == stop_after:
            break
    return run


def test_a_different_recording_with_the_same_name_is_refused_not_resumed(recording, tmp_path):
    ws = livecart.init(tmp_path / "ws")
    ckpt = tmp_path / "c.ckpt"
    checkpointed_run(ws, recording, ckpt)
    # another session's recording written over the same file name (e.g. the next l1.jsonl)
    other = synth_session("S9", minutes=30, seed=9)
    recording.write_text("".join(e.to_json() + "\n" for e in other))
    with pytest.raises(LivecartError, match="another recording.*--fresh"):
        LiveRun(ws, ReplaySource(recording), checkpoint=ckpt)
    # the same content at another path is another source too
    copy = tmp_path / "elsewhere" / "rec.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(recording.read_bytes())
    with pytest.raises(LivecartError, match="elsewhere"):
        LiveRun(ws, ReplaySource(copy), checkpoint=ckpt)
    ws.close()


def test_a_recording_that_only_grew_keeps_resuming(recording, tmp_path):
    text = recording.read_text()
    lines = text.splitlines(keepends=True)
    half = len(lines) // 2
    recording.write_text("".join(lines[:half]))
    ref_ws = livecart.init(tmp_path / "ref")
    full = tmp_path / "full.jsonl"
    full.write_text(text)
    LiveRun(ref_ws, ReplaySource(full, batch_bytes=20_000)).run()
    ws = livecart.init(tmp_path / "ws")
    ckpt = tmp_path / "c.ckpt"
    first = checkpointed_run(ws, recording, ckpt, stop_after=10**9)  # to the end of the half
    with open(recording, "a") as f:  # the recorder appends the rest
        f.write("".join(lines[half:]))
    second = LiveRun(ws, ReplaySource(recording, batch_bytes=20_000), checkpoint=ckpt)
    assert second.resumed and second.position == first.position
    second.run()
    pd.testing.assert_frame_equal(minutes_of(ws), minutes_of(ref_ws))
    ws.close()
    ref_ws.close()


def test_a_rewritten_file_of_the_same_size_is_refused(recording, tmp_path):
    ws = livecart.init(tmp_path / "ws")
    ckpt = tmp_path / "c.ckpt"
    checkpointed_run(ws, recording, ckpt)
    data = bytearray(recording.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")  # a change past the head
    recording.write_bytes(bytes(data))
    os.utime(recording, ns=(time.time_ns(), time.time_ns() + 10**9))
    with pytest.raises(LivecartError, match="rewritten"):
        LiveRun(ws, ReplaySource(recording), checkpoint=ckpt)
    ws.close()


def test_open_run_checkpoints_under_its_name_resumes_and_fresh_starts_over(recording, tmp_path):
    ws = livecart.init(tmp_path / "ws")
    source = ReplaySource(recording, batch_bytes=20_000)
    first = open_run(ws, source, name="rec", save_every_s=0)
    assert first.checkpoint == checkpoint_path(ws.path, "rec") and not first.resumed
    first.run()
    assert first.checkpoint.exists()
    again = open_run(ws, source, name="rec")
    assert again.resumed and again.position == first.position
    over = open_run(ws, source, name="rec", fresh=True)
    assert not over.resumed and over.position is None and not over.checkpoint.exists()
    assert open_run(ws, source).checkpoint is None  # no name: no checkpoint
    ws.close()


def test_open_run_posts_alerts_to_its_webhook_and_reports_what_failed(recording, tmp_path):
    ws = livecart.init(tmp_path / "ws")
    run = open_run(ws, ReplaySource(recording), webhook="http://127.0.0.1:9/hook")
    assert [type(s).__name__ for s in run.sinks] == ["WebhookSink"]
    run.sinks[0](Alert("a1", "S1", "stockout", "SKU1", 3, "SKU1 sells out", "restock"))
    failed = run.close_sinks()
    assert len(failed) == 1 and "127.0.0.1:9/hook" in failed[0]
    ws.close()


def test_saves_write_only_changed_minutes_and_the_rows_equal_a_whole_rewrite(tmp_path):
    """Each save writes the minutes that changed since the last one (from the first changed
    minute to the newest: a viewer count carries on into later minutes without a snapshot). A
    late viewer snapshot for minute 12, arriving after minute 14's first save, must reach rows 12
    to 14, which have no snapshot of their own; the rows in the workspace must equal the session's
    whole rows rebuilt from the final state."""
    ev = [
        e
        for e in synth_session("S1", minutes=30, seed=4)
        if not (e.type == "viewers" and 10 <= (e.ts - T0) // 60000 <= 14)
    ]
    late = Event("S1-late", "S1", T0 + 12 * 60000 + 30000, "viewers", count=777)
    at = next(i for i, e in enumerate(ev) if e.ts >= T0 + 14 * 60000 + 10000)
    ev.insert(at, late)  # arrives in minute 14: within the 120 s lateness
    path = tmp_path / "late.jsonl"
    path.write_text("".join(e.to_json() + "\n" for e in ev))
    ws = livecart.init(tmp_path / "w")
    run = LiveRun(ws, ReplaySource(path, batch_bytes=3_000), save_every_s=0)
    written: list[int] = []
    upsert = ws.upsert

    def counting_upsert(kind_name, data):
        if kind_name == "live_minutes":
            written.append(len(data))
        return upsert(kind_name, data)

    ws.upsert = counting_upsert
    run.run()
    st = run.monitor.sessions["S1"]
    assert st.dropped.get("late", 0) == 0
    rows = minutes_of(ws)
    assert (rows.loc[rows["minute"].between(12, 14), "viewers_online"] == 777).all()
    whole = live_minutes_rows(st).drop(columns=["ts"])
    pd.testing.assert_frame_equal(rows, whole, check_dtype=False)
    assert len(written) > 10 and max(written[1:]) <= 4  # a few minutes per save, not all 30
    assert sum(written) < 3 * len(whole)
