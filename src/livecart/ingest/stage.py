"""The stage: a file's typed rows wait in a Parquet file beside the workspace while the checks
that need the whole file run as SQL over it (duplicate keys, references), and the upsert reads
from it. Staging on disk keeps memory bounded for large files (DuckDB holds on to Arrow batches
inserted inside a transaction until it commits, so inserting batch by batch would not), and the
workspace is not touched until the whole file is known to be valid."""

from __future__ import annotations

import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from livecart.ingest.columns import ColumnMap
from livecart.ingest.problems import ProblemLog
from livecart.ingest.validate import ARROW_TYPES, ROW
from livecart.model.schema import KINDS, Kind
from livecart.store import Workspace


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Stage:
    """Typed batches appended to ``folder/<name>.parquet``; after ``finish()`` a temporary view
    ``name`` reads them (with missing currencies filled in) for the checks and the upsert."""

    def __init__(self, ws: Workspace, kind: Kind, folder: Path) -> None:
        self.ws, self.kind = ws, kind
        self.name = f"_stage_{uuid.uuid4().hex[:12]}"
        self.path = folder / f"{self.name}.parquet"
        self.schema = pa.schema(
            [(c.name, ARROW_TYPES[c.type]) for c in kind.columns] + [(ROW, pa.int64())]
        )
        # read once, whole, by the checks and the upsert: no compression, dictionaries or
        # statistics to compute (a quarter of the writing time)
        self._writer = pq.ParquetWriter(
            self.path,
            self.schema,
            compression="none",
            use_dictionary=False,
            write_statistics=False,
        )
        self._closed = False
        self.rows = 0

    def append(self, table: pa.Table) -> None:
        self._writer.write_table(table.cast(self.schema))
        self.rows += table.num_rows

    def finish(self) -> None:
        """Close the file and define the view the checks and the upsert read."""
        self._writer.close()
        self._closed = True
        path = str(self.path).replace("'", "''")
        cols = ", ".join(f"s.{q(c)}" for c in self.kind.column_names if c != "currency")
        src = f"read_parquet('{path}') s"
        if "currency" not in self.kind.column_names:
            select = f"SELECT s.* FROM {src}"
        elif "market" in self.kind.column_names:  # rows without a currency take their market's
            select = (
                f"SELECT {cols}, coalesce(s.currency, m.currency) AS currency, s.{ROW} "
                f"FROM {src} LEFT JOIN markets m ON m.market = s.market"
            )
        elif "session_id" in self.kind.column_names:  # ... or their session's (market's)
            select = (
                f"SELECT {cols}, coalesce(s.currency, x.currency, m.currency) AS currency,"
                f" s.{ROW} FROM {src} LEFT JOIN sessions x ON x.session_id = s.session_id"
                f" LEFT JOIN markets m ON m.market = x.market"
            )
        else:
            select = f"SELECT s.* FROM {src}"
        self.ws.execute(f"CREATE OR REPLACE TEMP VIEW {q(self.name)} AS {select}")

    def drop(self) -> None:
        if not self._closed:
            self._writer.close()
            self._closed = True
        self.ws.execute(f"DROP VIEW IF EXISTS {q(self.name)}")

    def check_duplicates(self, log: ProblemLog, cmap: ColumnMap) -> None:
        """The same natural key twice in one file: name both rows."""
        keys = ", ".join(q(k) for k in self.kind.key)
        not_null = " AND ".join(f"{q(k)} IS NOT NULL" for k in self.kind.key)
        # first group 64-bit hashes of the keys (small in memory even for millions of rows);
        # only keys whose hash repeats are then grouped exactly
        src = q(self.name)
        suspects = (
            f"SELECT hash({keys}) AS h FROM {src} WHERE {not_null} GROUP BY h HAVING count(*) > 1"
        )
        if not self.ws.execute(f"SELECT count(*) FROM ({suspects})")[0][0]:
            return  # the usual case: one cheap pass, no row lists built
        found = self.ws.execute(
            f"SELECT {keys}, list({ROW} ORDER BY {ROW}) FROM {src} WHERE {not_null} "
            f"AND hash({keys}) IN ({suspects}) GROUP BY ALL HAVING count(*) > 1 "
            f"ORDER BY min({ROW}) LIMIT ?",
            [log.room + 1],
        )
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
            # distinct values first: few (SKUs, markets) even in a large file, so this stays
            # small in memory; rows are looked up only for values that are missing
            here = (
                f" AND v NOT IN (SELECT {q(ref_col)} FROM {s} WHERE {q(ref_col)} IS NOT NULL)"
                if ref_kind == self.kind.name
                else ""
            )
            missing = [
                r[0]
                for r in self.ws.execute(
                    f"SELECT v FROM (SELECT DISTINCT {c} AS v FROM {s} WHERE {c} IS NOT NULL) "
                    f"WHERE v NOT IN (SELECT {q(ref_col)} FROM {q(ref_kind)} "
                    f"WHERE {q(ref_col)} IS NOT NULL){here}"
                )
            ]
            if not missing:
                continue
            where = f"{c} IN (SELECT unnest(?::VARCHAR[]))"
            n = self.ws.execute(f"SELECT count(*) FROM {s} WHERE {where}", [missing])[0][0]
            bad = self.ws.execute(
                f"SELECT {ROW}, {c} FROM {s} WHERE {where} ORDER BY 1 LIMIT ?",
                [missing, max(log.room, 1)],
            )
            msg = (
                f"{{}} is not a known {ref_col} in {ref_kind}: import {ref_kind} first "
                f"(livecart import DIR {ref_kind} FILE)"
            )
            for r, v in bad:
                log.add(r, cmap.file_column(col.name), msg.format(repr(v)))
            log.total += int(n) - len(bad)
