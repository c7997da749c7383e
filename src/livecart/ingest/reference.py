"""The column reference in docs/data.md, generated from ``livecart.model.schema`` so the
documentation cannot drift from what the importers accept.

    python -m livecart.ingest.reference docs/data.md   # rewrite the generated part in place

Only the text between the two markers is generated; the prose around it is written by hand.
A test checks that docs/data.md is up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from livecart.model.schema import KINDS, LOAD_ORDER, Column, Kind

BEGIN = "<!-- BEGIN generated from src/livecart/model/schema.py: do not edit by hand -->"
END = "<!-- END generated -->"
TYPES = {
    "str": "text",
    "int": "whole number",
    "float": "number",
    "ts": "timestamp (UTC)",
    "date": "date",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rules(col: Column) -> str:
    out = []
    if col.min is not None or col.max is not None:
        lo = "" if col.min is None else f"≥ {col.min:g}"
        hi = "" if col.max is None else f"≤ {col.max:g}"
        out.append(", ".join(x for x in (lo, hi) if x))
    if col.choices:
        out.append("one of " + ", ".join(f"`{c}`" for c in col.choices))
    if col.pattern:
        out.append(col.pattern[1])
    if col.ref:
        out.append(f"must exist in `{col.ref}`")
    if col.default is not None:
        out.append(f"default `{col.default}`")
    return "; ".join(out)


def render_kind(kind: Kind) -> str:
    lines = [
        f"### `{kind.name}`",
        "",
        kind.help,
        "",
        f"Key: {', '.join(f'`{k}`' for k in kind.key)} (a row with the same key replaces "
        "the stored one).",
    ]
    if kind.aliases_note:
        lines += ["", kind.aliases_note]
    lines += [
        "",
        "| column | meaning | type | required | rules | also accepted as |",
        "|---|---|---|---|---|---|",
    ]
    for c in kind.columns:
        aliases = ", ".join(f"`{a}`" for a in c.aliases)
        lines.append(
            f"| `{c.name}` | {_cell(c.help)} | {TYPES[c.type]} | "
            f"{'yes' if c.required else ''} | {_cell(_rules(c))} | {_cell(aliases)} |"
        )
    return "\n".join(lines)


def render() -> str:
    """The generated part of docs/data.md: load order, then one table per kind."""
    parts = [
        BEGIN,
        "",
        "## Record kinds",
        "",
        "Import in this order so that references exist: "
        + " → ".join(f"`{k}`" for k in LOAD_ORDER)
        + ".",
        "",
    ]
    parts += [render_kind(k) + "\n" for k in KINDS.values()]
    parts.append(END)
    return "\n".join(parts)


def update(path: Path) -> bool:
    """Rewrite the generated part of ``path``; returns whether it changed."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    new = head + render() + tail
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def generated_part(text: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    return text[start : end + len(END)] if start >= 0 and end >= 0 else ""


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/data.md")
    print(f"{target}: {'updated' if update(target) else 'already up to date'}")
