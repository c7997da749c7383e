"""import_file and import_frame: one path from a file (or a frame) to a workspace.

    source (CSV / XLSX / Parquet / frame) -> column map -> typed batches, every bad value named
    -> staging table -> duplicate keys, references, currency defaults -> upsert, all or nothing

A file whose bytes and options (time zone, market) equal the kind's latest import is skipped
(``unchanged``); otherwise rows are upserted on the kind's natural key, so importing the same rows
again changes no counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import zoneinfo
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from livecart.errors import ImportRejected, LivecartError, Problem
from livecart.ingest.columns import ColumnMap, map_columns
from livecart.ingest.creators import INFLUENCER_FOLLOWERS, derive_kind
from livecart.ingest.crosscheck import RatioCheck
from livecart.ingest.files import FileProblem, Source, frame_source, open_source, sniff
from livecart.ingest.orders import DISCOUNTS, derive_subtotal, derives_subtotal
from livecart.ingest.problems import ProblemLog
from livecart.ingest.sessions import derive_session_ids
from livecart.ingest.stage import Stage
from livecart.ingest.validate import ROW, Batcher
from livecart.ingest.values import parse_timestamp
from livecart.model.schema import Kind
from livecart.model.schema import kind as get_kind
from livecart.store import Workspace, staging_folder

if TYPE_CHECKING:  # pandas loads only for a frame import, not for a file
    import pandas as pd

Progress = Callable[[int, int | None], None]
# batches converted at once (each ~2 MB of CSV); more cores than this rarely help the upsert
CONVERT_THREADS = max(1, min(4, os.cpu_count() or 1))
# fills columns a file leaves out: (typed batch, raw batch, problem log) -> typed batch
Derive = Callable[[pa.Table, pa.Table, ProblemLog], pa.Table]


@dataclass
class ImportResult:
    kind: str
    file: str
    rows_read: int = 0
    rows_written: int = 0
    unchanged: bool = False  # the kind's latest import was this file, read the same way
    ignored_columns: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # livecart column -> file header
    format: str = ""
    sha256: str = ""
    skipped_rows: list[int] = field(default_factory=list)  # e.g. an explanation row
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        if self.unchanged:
            return f"{self.file}: already imported as {self.kind}; nothing changed"
        return (
            f"{self.file}: {self.rows_written:,} {self.kind} rows written "
            f"({self.rows_read:,} read, {len(self.ignored_columns)} columns ignored) "
            f"in {self.seconds:.1f}s"
        )


def import_file(
    ws: Workspace,
    kind: str,
    path: str | Path,
    *,
    progress: Progress | None = None,
    timezone: str | None = None,
    market: str | None = None,
) -> ImportResult:
    """Import one CSV, XLSX or Parquet file of one record kind; see the module docstring.
    ``timezone`` (IANA) is the local time of timestamps written without an offset (Seller Center
    times are shop-local); ``market`` fills the market of files that have no market column."""
    k = get_kind(kind)
    p = Path(path)
    if not p.is_file():
        raise ImportRejected([Problem(p.name, 0, "", f"no file at {p}")])
    _check_timezone(p.name, timezone)
    started = time.perf_counter()
    try:
        # What the file is comes first: the bytes of an earlier good import, renamed to .xlsx,
        # are still a CSV calling itself XLSX, not "nothing changed".
        sniff(p)
        sha = file_sha256(p)
        # The same bytes read the same way as the kind's latest import change nothing.
        # Re-importing an older file (to undo a later one) or the same file with other options
        # runs in full.
        key = hashlib.sha256(f"{sha}|timezone={timezone}|market={market}".encode()).hexdigest()
        if ws.last_import_key(k.name) == key:
            return ImportResult(k.name, p.name, unchanged=True, sha256=sha)
        src = open_source(p)
    except FileProblem as e:
        raise ImportRejected([e.problem]) from None
    result = _run(ws, k, src, progress=progress, timezone=timezone, market=market, sha=key)
    result.sha256 = sha
    result.seconds = time.perf_counter() - started
    return result


def import_frame(
    ws: Workspace, kind: str, frame: pd.DataFrame | pa.Table, *, source: str = "<frame>"
) -> ImportResult:
    """Import an in-memory frame through the same mapping, validation and upsert as a file
    (the demo simulator writes its workspace this way). Rows are numbered as if the frame were a
    sheet with a header row: the first row is row 2."""
    k = get_kind(kind)
    started = time.perf_counter()
    table = frame if isinstance(frame, pa.Table) else _frame_to_arrow(frame)
    result = _run(
        ws, k, frame_source(table, source), progress=None, timezone=None, market=None, sha=""
    )
    result.seconds = time.perf_counter() - started
    return result


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _check_timezone(file: str, timezone: str | None) -> None:
    if timezone is None:
        return
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImportRejected(
            [
                Problem(
                    file,
                    0,
                    "",
                    f"unknown time zone {timezone!r}: use an "
                    "IANA name such as Asia/Jakarta or America/New_York",
                )
            ]
        ) from None


def _frame_to_arrow(frame: pd.DataFrame) -> pa.Table:
    """pandas -> Arrow; object columns of mixed types become text (the parsers read text).
    Zone-aware times become naive UTC first (pyarrow's own conversion warns under pandas 3)."""
    import pandas as pd

    aware = [c for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)]
    if aware:
        frame = frame.assign(
            **{str(c): frame[c].dt.tz_convert("UTC").dt.tz_localize(None) for c in aware}
        )
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        fixed = frame.copy()
        for c in fixed.columns:
            if fixed[c].dtype == object:
                fixed[c] = fixed[c].map(lambda v: None if v is None or v != v else str(v))
        return pa.Table.from_pandas(fixed, preserve_index=False)


def _run(
    ws: Workspace,
    k: Kind,
    src: Source,
    *,
    progress: Progress | None,
    timezone: str | None,
    market: str | None,
    sha: str,
) -> ImportResult:
    cmap = map_columns(k, src.header)
    log = ProblemLog(src.file, ws.settings.import_problem_limit)
    defaults, notes = _defaults(ws, k, cmap, market)
    derive = _derivation(k, cmap, defaults, notes)
    _header_problems(k, src, cmap, defaults, log)
    batcher = Batcher(k, cmap, log, timezone=timezone, defaults=defaults)
    result = ImportResult(
        k.name,
        src.file,
        format=src.format,
        sha256=sha,
        notes=notes,
        ignored_columns=list(cmap.ignored),
        columns={n: h for n, (_, h) in cmap.sources.items()},
    )
    ratios = RatioCheck.for_header(src.header) if k.name == "sessions" else RatioCheck()
    wanted = sorted({pos for pos, _ in cmap.sources.values()} | set(ratios.positions))
    with staging_folder(ws.path) as tmp:  # locked: a killed import's is cleaned on next open
        stage = Stage(ws, k, Path(tmp))
        try:
            _stage_rows(src, stage, batcher, wanted, progress, log, derive, ratios)
            stage.finish()
            stage.check_duplicates(log, cmap)
            stage.check_references(log, cmap)
            if log:
                raise ImportRejected(log.sorted(), log.truncated)
            with ws.transaction():
                result.rows_written = ws.upsert(k.name, stage.name)
                if sha:
                    ws.record_import(sha, k.name, src.file, result.rows_written)
        finally:
            stage.drop()
    result.rows_read = stage.rows + len(src.problems)
    if batcher.description_row is not None:
        result.skipped_rows.append(batcher.description_row)
        result.notes.append(f"row {batcher.description_row} explains the columns: skipped")
    result.notes += ratios.notes()
    return result


def _header_problems(
    k: Kind, src: Source, cmap: ColumnMap, defaults: dict[str, str], log: ProblemLog
) -> None:
    """No header, a header of another kind, or required columns missing."""
    if not any(h.strip() for h in src.header):
        log.add(1, "", "no header row: the first row must name the columns (see docs/data.md)")
    elif not cmap.sources:
        shown = ", ".join(repr(h) for h in src.header[:8]) + (
            ", ..." if len(src.header) > 8 else ""
        )
        log.add(
            1,
            "",
            f"none of the file's columns ({shown}) are {k.name} columns: is this "
            f"the right kind? See docs/data.md for each kind's columns",
        )
    for name in cmap.missing_required:
        if name not in defaults and any(h.strip() for h in src.header):
            log.add(1, name, _missing_message(k, name))


def _stage_rows(
    src: Source,
    stage: Stage,
    batcher: Batcher,
    wanted: list[int],
    progress: Progress | None,
    log: ProblemLog,
    derive: Derive | None,
    ratios: RatioCheck,
) -> None:
    """Read, convert and stage every batch; problems the reader meets join the log.

    Batches are converted in worker threads (Arrow compute runs without the GIL) while this
    thread reads ahead and stages; each batch keeps its own problem log, taken in file order,
    so the problems, their order and the limit are those of a one-batch-at-a-time run."""

    def convert(table: pa.Table, rows: pa.Array) -> tuple[pa.Table, pa.Table, ProblemLog]:
        own = ProblemLog(log.file, log.limit)
        typed = batcher.convert(table, rows, own)
        raw = table.slice(table.num_rows - typed.num_rows)  # less any explanation row
        if derive:
            typed = derive(typed, raw, own)
        return typed, raw, own

    def take(typed: pa.Table, raw: pa.Table, own: ProblemLog) -> None:
        log.absorb(own)
        stage.append(typed)
        if ratios.positions:
            ratios.check(raw, typed)

    unreadable: FileProblem | None = None
    with (
        contextlib.closing(src.read(wanted, progress)) as batches,
        ThreadPoolExecutor(CONVERT_THREADS, thread_name_prefix="livecart-import") as pool,
    ):
        pending: deque[Future] = deque()
        try:
            for i, (table, rows) in enumerate(batches):
                if i == 0:  # the first batch alone: it may hold an explanation row
                    take(*convert(table, rows))
                    continue
                pending.append(pool.submit(convert, table, rows))
                while len(pending) > CONVERT_THREADS:  # bounded: memory stays flat
                    take(*pending.popleft().result())
        except FileProblem as e:  # the batches before it still report their problems
            unreadable = e
        while pending:
            take(*pending.popleft().result())
    if unreadable is not None:
        p = unreadable.problem
        log.add(p.row, p.column, p.message)
    log.extend(src.problems)


def _derivation(
    k: Kind, cmap: ColumnMap, defaults: dict[str, str], notes: list[str]
) -> Derive | None:
    """Columns a file leaves out that are filled in from others, batch by batch: the session ids
    of a LIVE list export, the subtotal of order lines without one (ingest/orders.py)."""
    if k.name == "sessions" and "session_id" not in cmap.sources:
        defaults["session_id"] = "?"  # placeholder: replaced per row
        notes.append("no session id column: ids derived from room, start time and title")
        return lambda typed, raw, log: derive_session_ids(typed, _written_start(raw, cmap))
    if k.name == "creators" and "kind" not in cmap.sources:
        defaults["kind"] = "koc"  # placeholder: replaced per row
        notes.append(
            f"no kind column: creators with {INFLUENCER_FOLLOWERS:,}+ followers are influencers, "
            "the others KOCs"
        )
        return lambda typed, raw, log: derive_kind(typed)
    if k.name == "orders" and derives_subtotal(cmap):
        notes.append("no subtotal column: subtotal = quantity x unit_price - discounts")
        return lambda typed, raw, log: _with_subtotal(typed, cmap, log)
    return None


def _with_subtotal(typed: pa.Table, cmap: ColumnMap, log: ProblemLog) -> pa.Table:
    table, negative = derive_subtotal(typed)
    named = [c for c in (*DISCOUNTS, "unit_price") if c in cmap.sources][0]
    log.add_mask(
        negative,
        table.column(ROW).combine_chunks(),
        cmap.file_column(named),
        table.column("subtotal").combine_chunks(),
        "the discounts exceed quantity x unit_price (the subtotal would be {value}): "
        "check the discounts, or add a subtotal column",
    )
    return table


def _written_start(raw: pa.Table, cmap: ColumnMap) -> pa.Array | None:
    """The LIVE's start as the file writes it (read with no time zone), so a derived session id
    does not change when the file is imported again with a corrected ``--timezone``."""
    if "actual_start" not in cmap.sources:
        return None
    pos, _ = cmap.sources["actual_start"]
    return parse_timestamp(raw.column(f"c{pos}").combine_chunks()).values


def _defaults(
    ws: Workspace, k: Kind, cmap: ColumnMap, market: str | None
) -> tuple[dict[str, str], list[str]]:
    """A file without a market column takes ``market=`` or the workspace's only market; a
    creator list without markets or currency takes ``market=`` and its currency."""
    if k.name == "creators" and market:
        return _creator_defaults(ws, cmap, market)
    if "market" not in k.column_names or "market" in cmap.sources:
        return {}, []
    if market:
        return {"market": market}, [f"no market column: every row is market {market}"]
    known = ws.query("SELECT market FROM markets ORDER BY 1")["market"].tolist()
    if len(known) == 1:
        return {"market": known[0]}, [
            f"no market column: every row is the workspace's only market, {known[0]}"
        ]
    return {}, []


def _creator_defaults(
    ws: Workspace, cmap: ColumnMap, market: str
) -> tuple[dict[str, str], list[str]]:
    cur = ws.query("SELECT currency FROM markets WHERE market = ?", [market])["currency"]
    if cur.empty:
        raise LivecartError(f"unknown market {market!r}: import it in the markets file first")
    defaults, notes = {}, []
    if "markets" not in cmap.sources:
        defaults["markets"] = market
        notes.append(f"no markets column: every creator serves {market}")
    if "currency" not in cmap.sources:
        defaults["currency"] = str(cur.iloc[0])
        notes.append(f"no currency column: fees and GMV are in {cur.iloc[0]} ({market})")
    return defaults, notes


def _missing_message(k: Kind, name: str) -> str:  # names every header that would do
    col = k.column(name)
    names = ", ".join(repr(n) for n in (col.name, *col.aliases))
    extra = " (or pass --market; the workspace has several markets)" if name == "market" else ""
    if k.name == "creators" and name in ("currency", "markets"):
        extra = " (or pass --market: the list's market and its currency)"
    return f"required column {name!r} is missing: add a column named {names}{extra}"
