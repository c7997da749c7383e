"""The layers contract in pyproject.toml: core never imports the CLI or the web layer."""

import subprocess
import sys
from pathlib import Path


def test_import_linter_contract_holds():
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, "-m", "importlinter.cli", "--config",
                        str(root / "pyproject.toml")], capture_output=True, text=True, cwd=root)
    if r.returncode != 0 and "No module named importlinter.cli" in r.stderr:
        r = subprocess.run(["lint-imports", "--config", str(root / "pyproject.toml")],
                           capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr
