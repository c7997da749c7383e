"""docs/data.md documents every kind and column the importers accept, generated from schema.py."""

from __future__ import annotations

from pathlib import Path

from livecart.ingest import reference
from livecart.model.schema import KINDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "data.md"


def test_data_doc_is_up_to_date_with_the_schema():
    text = DOC.read_text(encoding="utf-8")
    assert reference.generated_part(text) == reference.render(), (
        "docs/data.md is out of date: run `python -m livecart.ingest.reference docs/data.md`"
    )


def test_data_doc_names_every_kind_column_and_alias():
    text = reference.generated_part(DOC.read_text(encoding="utf-8"))
    for k in KINDS.values():
        assert f"### `{k.name}`" in text
        for c in k.columns:
            assert f"| `{c.name}` |" in text
            for a in c.aliases:
                assert f"`{a}`" in text


def test_update_rewrites_only_the_generated_part(tmp_path):
    p = tmp_path / "data.md"
    p.write_text(f"hand-written intro\n{reference.BEGIN}\nstale\n{reference.END}\noutro\n")
    assert reference.update(p)
    text = p.read_text()
    assert text.startswith("hand-written intro\n") and text.endswith("\noutro\n")
    assert "stale" not in text and not reference.update(p)
