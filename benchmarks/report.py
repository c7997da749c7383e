"""One line per benchmark figure for the README's table: ``RESULT {json}``, printed by each
script beside its own report and read by ``readme_table.py``."""

from __future__ import annotations

import json


def result(path: str, livecart: str, baseline: str = "", ratio: str = "", note: str = "") -> None:
    row = {"path": path, "livecart": livecart, "baseline": baseline, "ratio": ratio, "note": note}
    print("RESULT " + json.dumps(row), flush=True)
