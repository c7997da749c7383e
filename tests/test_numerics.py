"""Numbers do not depend on the machine: livecart runs BLAS on one thread (OpenBLAS sums in a
different order with more threads, which moved a plan's host advice by 0.03% between the CLI
and the server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = (
    "import livecart, numpy, scipy.linalg, json\n"
    "from threadpoolctl import threadpool_info\n"
    "print(json.dumps(sorted({i['num_threads'] for i in threadpool_info()})))\n"
)


def _threads(**env: str) -> list[int]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_importing_livecart_first_leaves_blas_on_one_thread():
    assert _threads() == [1]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS caps threads at the cores")
def test_a_users_own_thread_setting_wins():
    assert _threads(OPENBLAS_NUM_THREADS="2") == [2]
