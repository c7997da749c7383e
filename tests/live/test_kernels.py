"""The monitor's compiled kernels: a first run on a fresh machine says it is compiling and shows
progress; the machine code is cached on disk, so the next run loads it and says nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import livecart
from livecart.live.engine import kernels


def test_the_sample_reaches_every_cached_kernel():
    kernels.compile_kernels()
    assert kernels.uncached() == []
    assert len(kernels.dispatchers()) >= 20


def test_the_sample_holds_every_event_type_a_duplicate_and_a_malformed_line():
    from livecart.live.engine.columns import parse_lines

    cols = parse_lines(kernels.sample_lines(rooms=1, per_room=50))
    assert len(cols.malformed) == 1
    assert len(cols) == 1 + 50 + 1 + 1 + 1  # start, events, duplicate, late, end


@pytest.mark.slow
def test_a_fresh_cache_compiles_once_with_progress_then_loads(tmp_path):
    ws = tmp_path / "ws"
    livecart.init(ws).close()
    rec = tmp_path / "rec.jsonl"
    rec.write_bytes(kernels.sample_lines(rooms=2, per_room=100))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    cmd = [sys.executable, "-m", "livecart", "monitor", str(ws), "--replay", str(rec)]
    first = subprocess.run([*cmd, "--no-view"], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    assert "compiling the live monitor's kernels" in first.stderr
    assert str(tmp_path / "numba") in first.stderr.replace("\n", "")
    assert "kernels compiled in" in first.stderr
    second = subprocess.run([*cmd, "--no-view", "--fresh"], capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    assert "compiling" not in second.stderr
