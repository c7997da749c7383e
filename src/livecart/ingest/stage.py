"""The staging table: a file's typed rows wait here, inside the import's transaction, while the
checks that need the whole file run as SQL (duplicate keys, references, currency defaults).
Staging on disk keeps memory bounded for large files; the transaction is rolled back if any
problem is found, so the workspace never sees a partial import."""

from __future__ import annotations

import uuid

import pyarrow as pa

from livecart.ingest.columns import ColumnMap
from livecart.ingest.problems import ProblemLog
from livecart.ingest.validate import ROW
from livecart.model.schema import KINDS, Kind
from livecart.store import Workspace
from livecart.store.migrations import SQL_TYPES


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Stage:
    """A table named ``_stage_<random>`` with the kind's columns and ``_row``. Create it inside
    ``ws.transaction()``."""

    def __init__(self, ws: Workspace, kind: Kind) -> None:
        self.ws, self.kind = ws, kind
        self.name = f"_stage_{uuid.uuid4().hex[:12]}"
        cols = ", ".join(f"{q(c.name)} {SQL_TYPES[c.type]}" for c in kind.columns)
        ws.con.execute(f"CREATE TABLE {q(self.name)} ({cols}, {ROW} BIGINT)")
        self.rows = 0

    def append(self, table: pa.Table) -> None:
        view = f"_batch_{self.name}"
        self.ws.con.register(view, table)
        try:
            self.ws.con.execute(f"INSERT INTO {q(self.name)} SELECT * FROM {q(view)}")
        finally:
            self.ws.con.unregister(view)
        self.rows += table.num_rows

    def drop(self) -> None:
        self.ws.con.execute(f"DROP TABLE IF EXISTS {q(self.name)}")

    def fill_currency(self) -> None:
        """Rows without a currency take their market's (or their session's market's)."""
        cols = set(self.kind.column_names)
        if "currency" not in cols:
            return
        s = q(self.name)
        if "market" in cols:
            self.ws.con.execute(
                f"UPDATE {s} SET currency = m.currency FROM markets m "
                f"WHERE {s}.currency IS NULL AND {s}.market = m.market"
            )
        elif "session_id" in cols:
            self.ws.con.execute(
                f"UPDATE {s} SET currency = coalesce(x.currency, m.currency) "
                f"FROM sessions x LEFT JOIN markets m ON m.market = x.market "
                f"WHERE {s}.currency IS NULL AND {s}.session_id = x.session_id"
            )

    def check_duplicates(self, log: ProblemLog, cmap: ColumnMap) -> None:
        """The same natural key twice in one file: name both rows."""
        keys = ", ".join(q(k) for k in self.kind.key)
        not_null = " AND ".join(f"{q(k)} IS NOT NULL" for k in self.kind.key)
        found = self.ws.con.execute(
            f"SELECT {keys}, list({ROW} ORDER BY {ROW}) FROM {q(self.name)} WHERE {not_null} "
            f"GROUP BY ALL HAVING count(*) > 1 ORDER BY min({ROW}) LIMIT ?",
            [log.room + 1],
        ).fetchall()
        col = cmap.file_column(self.kind.key[0])
        for *key, rows in found:
            what = ", ".join(f"{k}={v}" for k, v in zip(self.kind.key, key, strict=True))
            for r in rows[1:]:
                log.add(r, col, f"duplicate key ({what}): also on row {rows[0]}")

    def check_references(self, log: ProblemLog, cmap: ColumnMap) -> None:
        """Each ``ref`` value must exist in the workspace (or, for a self-reference, this file)."""
        for col in self.kind.columns:
            if not col.ref or col.name not in cmap.sources and col.default is None:
                continue
            ref_kind, ref_col = col.ref.split(".")
            if ref_kind not in KINDS:
                continue
            c, s = q(col.name), q(self.name)
            also_here = (
                f" AND NOT EXISTS (SELECT 1 FROM {s} h WHERE h.{q(ref_col)} = s.{c})"
                if ref_kind == self.kind.name
                else ""
            )
            where = (
                f"s.{c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {q(ref_kind)} r "
                f"WHERE r.{q(ref_col)} = s.{c}){also_here}"
            )
            n = self.ws.con.execute(f"SELECT count(*) FROM {s} s WHERE {where}").fetchone()[0]
            if not n:
                continue
            bad = self.ws.con.execute(
                f"SELECT s.{ROW}, s.{c} FROM {s} s WHERE {where} ORDER BY 1 LIMIT ?",
                [max(log.room, 1)],
            ).fetchall()
            msg = (
                f"{{}} is not a known {ref_col} in {ref_kind}: import {ref_kind} first "
                f"(livecart import DIR {ref_kind} FILE)"
            )
            for r, v in bad:
                log.add(r, cmap.file_column(col.name), msg.format(repr(v)))
            log.total += int(n) - len(bad)
