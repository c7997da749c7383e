"""Tables that fit a piped terminal (80 columns): every id whole, money short (``543k``) in the
currency the title names, and one column (a name, a kind) that gives way with an ellipsis.

Rich shrinks every column evenly when a table is wider than the terminal, which cuts ids; here
each column keeps the width it is given (no wrap), a space between columns and none at the
edges, so the table's width is the sum of its columns' widths plus one a column."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import Console
from rich.table import Table

GIVES_WAY = 0  # width of the one column that is cut with "…" when the table is too wide
WIDTH = 80  # a piped terminal's


def narrow_table(
    title: str,
    columns: Iterable[tuple[str, int, str]],
    caption: str | None = None,
    give_way_to: int = 11,
) -> Table:
    """A table of ``(name, width, justify)`` columns that fits ``WIDTH``: a column of width
    ``GIVES_WAY`` takes what room is left (at most ``give_way_to`` characters, cut with "…");
    every other column keeps at least its width and never wraps, so ids stay whole. When the
    ids alone need more than ``WIDTH``, the table is wider: print it with ``show`` (uncropped)."""
    cols = list(columns)
    fixed = sum(w for _, w, _ in cols if w != GIVES_WAY) + len(cols) + 1  # spaces and edges
    room = max(WIDTH - fixed, 3)
    t = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=0,  # the head box already puts a space between columns
        caption=caption,
    )
    for name, width, justify in cols:
        if width == GIVES_WAY:
            cut = min(give_way_to, room)
            t.add_column(name, no_wrap=True, justify=justify, overflow="ellipsis", max_width=cut)
            fixed += cut
        else:
            t.add_column(name, no_wrap=True, justify=justify, min_width=width)  # type: ignore[arg-type]
    if fixed > WIDTH:
        t.width = fixed
    return t


def show(console: Console, table: Table) -> None:
    """Print a narrow table uncropped (a table wider than the terminal keeps its ids whole)."""
    console.print(table, crop=False)


def id_width(ids: Iterable[object], header: str) -> int:
    """The width that keeps every id (and the column's header) whole."""
    return max([len(str(x)) for x in ids] + [len(header)])
