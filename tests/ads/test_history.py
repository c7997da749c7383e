"""Phase history: ad spend with no currency is refused with a message naming the rows, never
converted as if it were USD."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import livecart
from livecart.ads import phase_history
from livecart.errors import LivecartError


def test_ad_spend_with_no_currency_is_refused_not_taken_as_usd(demo_path: Path, tmp_path: Path):
    ws_path = tmp_path / "ws"
    shutil.copytree(demo_path, ws_path)
    with livecart.open(ws_path) as ws:
        sid = ws.query(
            "SELECT session_id FROM ad_spend WHERE currency <> 'USD' AND session_id IS NOT NULL "
            "LIMIT 1"
        ).iloc[0, 0]
        ws.con.execute(
            "UPDATE ad_spend SET currency = NULL WHERE session_id = ? AND phase = 'live'", [sid]
        )
        with pytest.raises(LivecartError, match=rf"no currency in session\(s\) {sid}.*fill"):
            phase_history(ws)
