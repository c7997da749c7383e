"""The layers contracts in pyproject.toml (core never imports the CLI or the web layer; inside
live/, the service above the sources above the engine), and what import-linter cannot say: the
engine imports nothing of ours but the model and the errors."""

from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("livecart")


def test_import_linter_contract_holds(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_live_engine_imports_only_the_model_and_the_errors(graph):
    engine = "livecart.live.engine"
    allowed = (engine, "livecart.model", "livecart.errors")
    outside = sorted(
        (module, imported)
        for module in graph.find_descendants(engine) | {engine}
        for imported in graph.find_modules_directly_imported_by(module)
        if not any(imported == a or imported.startswith(a + ".") for a in allowed)
    )
    assert outside == []
