"""Fixtures for the importer tests: the sample files in tests/fixtures and a workspace that
already holds the markets and products those files reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from livecart.ingest import import_file
from livecart.store import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    """A workspace with markets US and ID and the three SKUs of the sample order export."""
    import_file(ws, "markets", FIXTURES / "markets.csv")
    import_file(ws, "products", FIXTURES / "products.csv")
    return ws


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def counts(ws: Workspace) -> dict[str, int]:
    return {k: v["rows"] for k, v in ws.status()["kinds"].items()}
