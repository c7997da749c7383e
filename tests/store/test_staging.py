"""Staging folders of imports (issue #14, defect 6): a ``kill -9`` during an import leaves its
``.import-*`` folder behind; the next open of the workspace for writing removes it, and never
removes the folder of an import still running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import livecart
from livecart.store import staging_folder
from livecart.store.staging import clean_stale_staging

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SKU = "1729000000000000001"

IMPORT = """
import sys
import livecart
from livecart.ingest import import_file
ws = livecart.open(sys.argv[1])
import_file(ws, "orders", sys.argv[2])
"""


def test_a_killed_imports_staging_folder_is_removed_on_the_next_open(tmp_path):
    ws = livecart.init(tmp_path / "ws")
    from livecart.ingest import import_file

    import_file(ws, "markets", FIXTURES / "markets.csv")
    import_file(ws, "products", FIXTURES / "products.csv")
    ws.close()
    big = tmp_path / "orders.csv"
    with open(big, "w") as f:
        f.write("order_id,sku_id,quantity,created_at,unit_price\n")
        f.writelines(f"O{i},{SKU},1,2024-03-01 10:00,12.99\n" for i in range(300_000))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", IMPORT, str(tmp_path / "ws"), str(big)], env=env)
    deadline = time.monotonic() + 60
    try:
        while not list((tmp_path / "ws").glob(".import-*")):
            assert proc.poll() is None, "the import ended before its staging folder was seen"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        time.sleep(0.05)  # let it write into the folder
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert list((tmp_path / "ws").glob(".import-*"))  # the case the issue found
    livecart.open(tmp_path / "ws").close()
    assert not list((tmp_path / "ws").glob(".import-*"))


def test_a_running_imports_staging_folder_is_left_alone(tmp_path):
    ws = livecart.init(tmp_path / "ws")
    try:
        with staging_folder(ws.path) as running:
            (running / "part-0.parquet").write_bytes(b"x")
            (ws.path / ".import-leftover").mkdir()  # an older livecart's, no lock file
            assert clean_stale_staging(ws.path) == [ws.path / ".import-leftover"]
            livecart.open(ws.path).close()
            assert (running / "part-0.parquet").exists()
        assert not running.exists()
    finally:
        ws.close()
