"""The monitor against the demo simulator: replaying a demo session reproduces the session's
stored per-minute rows, and the nowcast is evaluated on held-out simulated sessions."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

import livecart
from livecart.demo import session_events
from livecart.live import Monitor, live_minutes_rows
from tests.conftest import invoke


def stored(ws, sid):
    return ws.query("SELECT * FROM live_minutes WHERE session_id = ? ORDER BY minute", [sid])


def test_monitor_reproduces_the_stored_minutes_of_demo_sessions(demo_path):
    with livecart.open(demo_path, read_only=True) as ws:
        sids = ws.query("SELECT session_id FROM sessions ORDER BY 1")["session_id"][:5]
        for sid in sids:
            mon = Monitor()
            mon.feed(session_events(ws, sid))
            got = live_minutes_rows(mon.sessions[sid])
            want = stored(ws, sid)
            assert len(got) == len(want)
            for c in want.columns:
                if c in ("session_id", "currency", "ts"):
                    continue
                np.testing.assert_allclose(
                    got[c].to_numpy(float), want[c].to_numpy(float), atol=1e-6, err_msg=f"{sid} {c}"
                )
            assert sum(mon.sessions[sid].dropped.values()) == 0 and mon.malformed_count == 0


@pytest.mark.slow
def test_monitor_cli_replay_of_a_demo_session_writes_the_same_minutes(demo_path, tmp_path, cli):
    ws_dir = tmp_path / "ws"
    shutil.copytree(demo_path, ws_dir)
    with livecart.open(ws_dir, read_only=True) as ws:
        sid = ws.query("SELECT session_id FROM sessions ORDER BY gmv DESC LIMIT 1").iat[0, 0]
        before = stored(ws, sid)
        rec = tmp_path / f"{sid}.jsonl"
        rec.write_text("".join(e.to_json() + "\n" for e in session_events(ws, sid)))
        gmv = ws.query("SELECT gmv FROM sessions WHERE session_id = ?", [sid]).iat[0, 0]
    with livecart.open(ws_dir) as ws, ws.transaction():
        ws.con.execute("DELETE FROM live_minutes WHERE session_id = ?", [sid])
    res = invoke(cli, "monitor", ws_dir, "--replay", rec, "--no-view")
    assert res.exit_code == 0, res.output
    with livecart.open(ws_dir, read_only=True) as ws:
        after = stored(ws, sid)
        assert ws.query("SELECT gmv FROM sessions WHERE session_id = ?", [sid]).iat[0, 0] == (
            pytest.approx(gmv)
        )
    np.testing.assert_allclose(after["gmv"], before["gmv"], atol=1e-6)
    assert after["orders"].tolist() == before["orders"].tolist()


def test_the_demos_show_replay_is_seen_on_the_live_page_and_never_written(demo_path, tmp_path):
    """`livecart demo` replays its newest live into the served hub with persist off: the view
    shows the live's stored GMV at the end, and the workspace's rows are untouched (a half-done
    replay must never replace a finished live's numbers)."""
    from livecart.cli.demo import _replay_file
    from livecart.live import LiveHub, ReplaySource

    ws_dir = tmp_path / "ws"
    shutil.copytree(demo_path, ws_dir)
    sid, path = _replay_file(ws_dir)
    assert path.exists() and _replay_file(ws_dir) == (sid, path)  # written once, then reused
    with livecart.open(ws_dir) as ws:
        newest = ws.query("SELECT session_id, gmv FROM sessions ORDER BY actual_start DESC")
        assert sid == newest["session_id"].iat[0]
        with ws.transaction() as con:  # a marker the replay would overwrite if it wrote
            con.execute("UPDATE live_minutes SET gmv = -1 WHERE session_id = ?", [sid])
            con.execute("UPDATE sessions SET gmv = -1 WHERE session_id = ?", [sid])
        hub = LiveHub(ws)
        run = hub.start(ReplaySource(path), persist=False)
        deadline = time.monotonic() + 60
        while not run.finished and time.monotonic() < deadline:
            time.sleep(0.05)
        assert run.finished and run.error is None
        assert hub.view(sid)["totals"]["gmv"] == pytest.approx(newest["gmv"].iat[0])
        assert (stored(ws, sid)["gmv"] == -1).all()
        assert ws.query("SELECT gmv FROM sessions WHERE session_id = ?", [sid]).iat[0, 0] == -1
        hub.close()
