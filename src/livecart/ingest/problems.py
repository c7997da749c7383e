"""Collecting problems with a limit, and naming bad rows from a mask without a Python loop over
every row (only the reported ones are turned into Problem objects)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from livecart.errors import Problem


class ProblemLog:
    """Every problem up to ``limit``; ``total`` counts the ones left out too."""

    def __init__(self, file: str, limit: int) -> None:
        self.file = file
        self.limit = max(int(limit), 1)
        self.problems: list[Problem] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def room(self) -> int:
        return max(self.limit - len(self.problems), 0)

    @property
    def truncated(self) -> bool:
        return self.total > len(self.problems)

    def add(self, row: int, column: str, message: str) -> None:
        self.total += 1
        if self.room:
            self.problems.append(Problem(self.file, int(row), column, message))

    def absorb(self, other: ProblemLog) -> None:
        """Take another log's problems after this one's, as if they had been added here: a
        batch converted on its own (in a worker thread) keeps the file's order and limit."""
        for p in other.problems:
            if self.room:
                self.problems.append(p)
        self.total += other.total

    def extend(self, problems: list[Problem]) -> None:
        for p in problems:
            self.add(p.row, p.column, p.message)

    def add_mask(
        self, mask: pa.Array, rows: pa.Array, column: str, values: pa.Array | None, message: str
    ) -> None:
        """One problem per True in ``mask``; ``message`` may use ``{value}``."""
        mask = pc.fill_null(mask, False)
        n = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
        if not n:
            return
        take = pc.indices_nonzero(mask)[: self.room]
        picked_rows = pc.take(rows, take).to_pylist()
        picked = pc.take(values, take).to_pylist() if values is not None else [None] * len(take)
        for r, v in zip(picked_rows, picked, strict=True):
            self.problems.append(Problem(self.file, int(r), column, message.format(value=v)))
        self.total += n

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.row, p.column))
