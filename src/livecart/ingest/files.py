"""Reading files: detect what a file really is (by its bytes, not just its name), check its text
encoding, read its header, then stream its rows as Arrow batches of text in bounded memory.

A batch holds only the file columns that feed the kind (named ``c<position>``) and the row
number of each row as a spreadsheet shows it (header = row 1). Readers report progress as
(bytes or rows done, total or None). Anything wrong with the file itself becomes a
``Problem`` with row 0, never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from livecart.errors import Problem

Progress = Callable[[int, int | None], None]
Batch = tuple[pa.Table, pa.Array]  # columns c<i> as text, and int64 spreadsheet row numbers

# bytes per CSV block: pyarrow decodes ~20 blocks ahead, so the block size bounds memory
CSV_BLOCK = 2 << 20
ROW_BATCH = 100_000  # rows per batch for XLSX, Parquet and frames
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class FileProblem(Exception):
    """The file as a whole cannot be read; carries the Problem to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Source:
    """An opened input: its header and a way to stream the columns wanted."""

    file: str
    format: str
    header: list[str]
    read: Callable[[list[int], Progress | None], Iterator[Batch]]
    problems: list[Problem] = field(default_factory=list)  # rows the reader had to skip


def sniff(path: Path) -> str:
    """'csv', 'xlsx' or 'parquet' from the file's bytes; raises FileProblem when the bytes and
    the name disagree, or the file is empty, truncated or of a kind livecart cannot read."""
    name = path.name
    with open(path, "rb") as f:
        head = f.read(8)
        f.seek(0, io.SEEK_END)
        size = f.tell()
        f.seek(max(size - 4, 0))
        tail = f.read(4)
    if size == 0:
        raise FileProblem(Problem(name, 0, "", "the file is empty"))
    if head.startswith(b"PAR1"):
        found = "parquet"
        if size < 12 or tail != b"PAR1":
            raise FileProblem(
                Problem(
                    name,
                    0,
                    "",
                    "truncated Parquet file (its footer is missing): copy or export it again",
                )
            )
    elif head.startswith(b"PK\x03\x04"):
        found = "xlsx"
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            Problem(
                name,
                0,
                "",
                "this is a legacy .xls (or password-protected) "
                "workbook: open it in a spreadsheet and save as .xlsx or CSV UTF-8",
            )
        )
    else:
        found = "csv"
    claimed = EXTENSIONS.get(path.suffix.lower())
    if claimed and claimed != found:
        raise FileProblem(
            Problem(
                name,
                0,
                "",
                f"named {path.suffix} but holds {_describe(found)}: "
                f"rename it to .{found} or export it again as {claimed.upper()}",
            )
        )
    return found


def _describe(fmt: str) -> str:
    return {"csv": "CSV text", "xlsx": "an XLSX workbook", "parquet": "Parquet data"}[fmt]


def open_source(path: Path) -> Source:
    fmt = sniff(path)
    return {"csv": open_csv, "xlsx": open_xlsx, "parquet": open_parquet}[fmt](path)


# --- CSV -------------------------------------------------------------------------------------
def _check_utf8(name: str, head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(
            Problem(
                name,
                0,
                "",
                "the file is UTF-16 text; livecart reads UTF-8: re-save it as 'CSV UTF-8'",
            )
        )
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as e:
        raise FileProblem(not_utf8(name, e.start)) from None


def not_utf8(name: str, where: int | None = None) -> Problem:
    at = f" (byte {where})" if where is not None else ""
    return Problem(
        name,
        0,
        "",
        f"not UTF-8 text{at}, probably a legacy encoding such as "
        "Windows-1252 or Latin-1: re-save the file as 'CSV UTF-8' and import it again",
    )


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


class _Counting(io.RawIOBase):
    """A file that reports how many bytes have been read (for the progress bar)."""

    def __init__(self, f: io.BufferedReader, total: int, progress: Progress | None) -> None:
        self._f, self._total, self._progress, self.done = f, total, progress, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        n = self._f.readinto(b)
        self.done += n or 0
        if self._progress:
            self._progress(self.done, self._total)
        return n or 0


def open_csv(path: Path) -> Source:
    name = path.name
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    text = _check_utf8(name, head)
    first = text.splitlines()[0] if text else ""
    delim = _delimiter(first)
    header = next(csv.reader(io.StringIO(text), delimiter=delim), [])
    src = Source(name, "csv", header, lambda cols, prog: iter(()))

    def read(cols: list[int], progress: Progress | None) -> Iterator[Batch]:
        yield from _read_csv(path, src, len(header), delim, cols, progress)

    src.read = read
    return src


def _read_csv(
    path: Path, src: Source, width: int, delim: str, cols: list[int], progress: Progress | None
) -> Iterator[Batch]:
    skipped: list[int] = []  # physical rows the parser had to drop (wrong number of fields)

    def bad_row(row: pacsv.InvalidRow) -> str:
        n = row.number if row.number is not None else 0
        skipped.append(n)
        src.problems.append(
            Problem(
                src.file,
                n,
                "",
                f"expected {row.expected_columns} fields, "
                f"found {row.actual_columns}: check quoting on this row",
            )
        )
        return "skip"

    names = [f"c{i}" for i in range(width)]
    read_opts = pacsv.ReadOptions(
        column_names=names, skip_rows=1, block_size=CSV_BLOCK, use_threads=False
    )
    conv = pacsv.ConvertOptions(
        include_columns=[f"c{i}" for i in cols],
        column_types={f"c{i}": pa.string() for i in cols},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(delimiter=delim, invalid_row_handler=bad_row)
    total = path.stat().st_size
    with open(path, "rb") as raw:
        counting = _Counting(raw, total, progress)
        try:
            reader = pacsv.open_csv(
                counting, read_options=read_opts, parse_options=parse, convert_options=conv
            )
            seen = 0
            try:
                for rb in reader:
                    rows = _row_numbers(seen, rb.num_rows, skipped)
                    seen += rb.num_rows
                    yield pa.Table.from_batches([rb]), rows
            finally:  # stop the read-ahead before the file closes, also when abandoned early
                reader.close()
        except pa.ArrowInvalid as e:
            if "UTF8" in str(e) or "UTF-8" in str(e):
                raise FileProblem(not_utf8(src.file)) from None
            raise FileProblem(Problem(src.file, 0, "", f"cannot read this CSV: {e}")) from None


def _row_numbers(seen: int, n: int, skipped: list[int]) -> pa.Array:
    """Spreadsheet row numbers of the next ``n`` data rows: header is row 1, and rows the
    parser skipped still count."""
    import numpy as np

    rows = np.arange(seen + 2, seen + 2 + n, dtype=np.int64)
    for s in sorted(skipped):
        rows[rows >= s] += 1
    return pa.array(rows)


# --- XLSX ------------------------------------------------------------------------------------
def open_xlsx(path: Path) -> Source:
    import openpyxl

    name = path.name
    try:
        with warnings.catch_warnings():  # e.g. "no default style": harmless in exports
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged zip or a non-workbook
        raise FileProblem(
            Problem(
                name,
                0,
                "",
                f"not a readable XLSX workbook ({type(e).__name__}"
                f": {e}): open it in a spreadsheet and save it again",
            )
        ) from None
    sheet = wb.worksheets[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    header = [cell_text(v) or "" for v in first]
    while header and header[-1] == "":
        header.pop()
    src = Source(name, "xlsx", header, lambda cols, prog: iter(()))

    def read(cols: list[int], progress: Progress | None) -> Iterator[Batch]:
        try:
            yield from _read_xlsx(sheet, cols, progress)
        finally:
            wb.close()

    src.read = read
    return src


def cell_text(v: object) -> str | None:
    """A spreadsheet cell as text, so every format goes through the same parsers."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return str(v)


def _read_xlsx(sheet: object, cols: list[int], progress: Progress | None) -> Iterator[Batch]:
    total = max((getattr(sheet, "max_row", None) or 1) - 1, 0) or None
    buf: list[list[str | None]] = [[] for _ in cols]
    rows: list[int] = []
    done = 0
    for r, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):  # type: ignore[attr-defined]
        done += 1
        if all(v is None or v == "" for v in values):
            continue
        for j, c in enumerate(cols):
            buf[j].append(cell_text(values[c]) if c < len(values) else None)
        rows.append(r)
        if len(rows) >= ROW_BATCH:
            yield _text_table(cols, buf), pa.array(rows, pa.int64())
            buf, rows = [[] for _ in cols], []
            if progress:
                progress(done, total)
    if rows:
        yield _text_table(cols, buf), pa.array(rows, pa.int64())
    if progress:
        progress(done, total or done)


def _text_table(cols: list[int], buf: list[list[str | None]]) -> pa.Table:
    return pa.table({f"c{c}": pa.array(v, pa.string()) for c, v in zip(cols, buf, strict=True)})


# --- Parquet and in-memory frames ------------------------------------------------------------
def open_parquet(path: Path) -> Source:
    name = path.name
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as e:
        raise FileProblem(
            Problem(name, 0, "", f"not a readable Parquet file ({e}): copy or export it again")
        ) from None
    header = list(pf.schema_arrow.names)

    def read(cols: list[int], progress: Progress | None) -> Iterator[Batch]:
        total, seen = pf.metadata.num_rows, 0
        try:
            for rb in pf.iter_batches(batch_size=ROW_BATCH, columns=[header[c] for c in cols]):
                t = pa.Table.from_batches([rb]).rename_columns([f"c{c}" for c in cols])
                yield t, pa.array(range(seen + 2, seen + 2 + rb.num_rows), pa.int64())
                seen += rb.num_rows
                if progress:
                    progress(seen, total)
        except (pa.ArrowInvalid, OSError) as e:
            raise FileProblem(
                Problem(name, 0, "", f"damaged Parquet data ({e}): copy or export it again")
            ) from None

    return Source(name, "parquet", header, read)


def frame_source(table: pa.Table, name: str) -> Source:
    header = [str(n) for n in table.column_names]

    def read(cols: list[int], progress: Progress | None) -> Iterator[Batch]:
        picked = table.select(cols).rename_columns([f"c{c}" for c in cols])
        for start in range(0, max(table.num_rows, 1), ROW_BATCH):
            chunk = picked.slice(start, ROW_BATCH)
            if chunk.num_rows == 0:
                break
            yield chunk, pa.array(range(start + 2, start + 2 + chunk.num_rows), pa.int64())
            if progress:
                progress(start + chunk.num_rows, table.num_rows)

    return Source(name, "frame", header, read)
