"""The layers contracts in pyproject.toml (core never imports the CLI or the web layer; inside
live/, the service above the sources above the engine), and what import-linter cannot say: the
engine imports nothing of ours but the model and the errors."""

import logging
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
    # import-linter configures logging with disable_existing_loggers, which silenced every
    # logger already made (livecart's too) for the rest of this xdist worker's tests
    loggers = [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    enabled = [lg for lg in loggers if not lg.disabled]
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0
    finally:
        for lg in enabled:
            lg.disabled = False


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


def test_no_module_imports_itself_back(graph):
    """No import cycle between modules: each strongly connected part of the import graph
    (Tarjan's algorithm, iterative) is a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    part.append(m)
                    if m == node:
                        break
                if len(part) > 1:
                    cycles.append(sorted(part))
    assert cycles == []
