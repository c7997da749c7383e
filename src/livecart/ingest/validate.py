"""Turning one batch of file columns into a typed table of a kind, naming every bad value.

Everything is driven by the kind's declaration in ``livecart.model.schema``: each column's type
picks its parser; ``required``, ``min``/``max``, ``choices`` and ``pattern`` are checked here, as
are the kind's ``checks`` (e.g. a session that ends before it starts). References and duplicate keys
need the whole file and are checked later, in ``stage``.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from livecart.ingest.columns import ColumnMap, market_codes
from livecart.ingest.problems import ProblemLog
from livecart.ingest.values import (
    Parsed,
    parse_date,
    parse_int,
    parse_number,
    parse_seconds,
    parse_text,
    parse_timestamp,
)
from livecart.model.schema import Column, Kind

ARROW_TYPES = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "ts": pa.timestamp("us"),
    "date": pa.date32(),
}
TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "ts": "a date and time (e.g. 2024-03-01 19:00, 2024-03-01T19:00:00+07:00, or "
    "01/03/2024 19:00:00 read as DD/MM/YYYY)",
    "date": "a date (e.g. 2024-03-01, or 01/03/2024 read as DD/MM/YYYY)",
    "str": "text",
}
OPS = {">": pc.greater, ">=": pc.greater_equal, "<": pc.less, "<=": pc.less_equal}
ROW = "_row"  # staged column holding each row's spreadsheet row number


@cache
def iana_zones() -> pa.Array:
    return pa.array(sorted(zoneinfo.available_timezones()))


@dataclass
class Batcher:
    """Converts batches of one file. ``defaults`` fills columns the file lacks (e.g. the
    workspace's only market); ``currency_seen`` collects currency codes read from money text."""

    kind: Kind
    cmap: ColumnMap
    log: ProblemLog
    timezone: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    description_row: int | None = None  # the row skipped as an explanation row, if any
    _first: bool = True

    def convert(self, table: pa.Table, rows: pa.Array, log: ProblemLog | None = None) -> pa.Table:
        """The batch as typed columns; its problems go to ``log`` (default: the file's log)."""
        log = self.log if log is None else log
        if self._first:
            self._first = False
            if table.num_rows and looks_like_description(self, table):
                self.description_row = int(rows[0].as_py())
                table, rows = table.slice(1), rows.slice(1)
        cols: dict[str, pa.Array] = {}
        money_codes: pa.Array | None = None
        for col in self.kind.columns:
            values, codes = self._column(col, table, rows, log)
            cols[col.name] = values
            if codes is not None and money_codes is None:
                money_codes = codes
        if money_codes is not None and "currency" in cols:
            cols["currency"] = pc.coalesce(cols["currency"], money_codes)
        self._check_rows(cols, rows, log)
        cols[ROW] = rows
        return pa.table(cols)

    def _column(
        self, col: Column, table: pa.Table, rows: pa.Array, log: ProblemLog
    ) -> tuple[pa.Array, pa.Array | None]:
        n = table.num_rows
        if col.name not in self.cmap.sources:
            fill = self.defaults.get(col.name, col.default)
            if fill is None:
                return pa.nulls(n, ARROW_TYPES[col.type]), None
            given = pa.array([str(fill)] * n, pa.string())
            return parse(col, given, self.timezone).values, None
        pos, header = self.cmap.sources[col.name]
        given = table.column(f"c{pos}").combine_chunks()
        p = parse(col, given, self.timezone)
        log.add_mask(p.bad, rows, header, given, f"{{value!r}} is not {TYPE_WORDS[col.type]}")
        values = normalise(col, p.values)
        check_value(log, col, header, values, given, p.bad, rows)
        return values, p.currency

    def _check_rows(self, cols: dict[str, pa.Array], rows: pa.Array, log: ProblemLog) -> None:
        for a, op, b in self.kind.checks:
            if a not in self.cmap.sources or b not in self.cmap.sources:
                continue
            wrong = pc.invert(OPS[op](cols[a], cols[b]))
            words = {">": "after", ">=": "at or after", "<": "before", "<=": "at or before"}[op]
            msg = f"{a} ({{value}}) must be {words} {b}"
            log.add_mask(wrong, rows, self.cmap.file_column(a), cols[a], msg)


def parse(col: Column, given: pa.Array, timezone: str | None) -> Parsed:
    if col.type == "str":
        return parse_text(given)
    if col.type == "int":
        return parse_int(given)
    if col.type == "float" and col.name.endswith("_seconds"):
        return parse_seconds(given)
    if col.type == "float":
        return parse_number(given, percent=True)
    if col.type == "ts":
        return parse_timestamp(given, timezone)
    return parse_date(given)


def normalise(col: Column, values: pa.Array) -> pa.Array:
    """Canonical spellings: market names -> codes, currency codes upper case, choices as
    snake_case ('Beauty & Personal Care' -> 'beauty_personal_care')."""
    if col.type != "str":
        return values
    if col.name == "market" or col.ref == "markets.market":
        return market_codes(values)
    if col.name == "currency":
        return pc.utf8_upper(values)
    if col.choices:
        snake = pc.replace_substring_regex(pc.utf8_lower(values), r"[^a-z0-9]+", "_")
        return pc.utf8_trim(snake, characters="_")
    return values


def _within(finite: pa.Array | None, mask: pa.Array) -> pa.Array:
    """``mask`` where the value is finite (a non-finite one is reported once, as such)."""
    return mask if finite is None else pc.and_(finite, mask)


def check_value(
    log: ProblemLog,
    col: Column,
    header: str,
    values: pa.Array,
    given: pa.Array,
    bad: pa.Array,
    rows: pa.Array,
) -> None:
    """Required, range, choices, and the formats of currency codes and time zones."""
    if col.required:  # empty, as opposed to unreadable (already reported)
        log.add_mask(
            pc.and_(pc.is_null(values), pc.invert(bad)),
            rows,
            header,
            None,
            f"{col.name} is required but empty",
        )
    finite = None
    if col.type == "float":  # NaN passes every comparison, infinity any minimum
        finite = pc.fill_null(pc.is_finite(values), True)
        log.add_mask(
            pc.invert(finite),
            rows,
            header,
            given,
            "{value!r} is not a finite number",
        )
    if col.min is not None:
        log.add_mask(
            _within(finite, pc.less(values, col.min)),
            rows,
            header,
            given,
            f"{{value!r}} is below the minimum {_num(col.min)}",
        )
    if col.max is not None:
        log.add_mask(
            _within(finite, pc.greater(values, col.max)),
            rows,
            header,
            given,
            f"{{value!r}} is above the maximum {_num(col.max)}",
        )
    if col.choices:
        log.add_mask(
            _outside(values, pa.array(col.choices)),
            rows,
            header,
            given,
            f"{{value!r}} is not one of: {', '.join(col.choices)}",
        )
    if col.pattern:
        regex, words = col.pattern
        log.add_mask(
            pc.invert(pc.fill_null(pc.match_substring_regex(values, regex), True)),
            rows,
            header,
            given,
            f"{{value!r}} is not {words}",
        )
    if col.name == "currency":
        log.add_mask(
            pc.invert(pc.match_substring_regex(values, r"^[A-Z]{3}$")),
            rows,
            header,
            given,
            "{value!r} is not an ISO 4217 currency code such as USD",
        )
    if col.name == "timezone":
        log.add_mask(
            _outside(values, iana_zones()),
            rows,
            header,
            given,
            "{value!r} is not an IANA time zone such as America/New_York",
        )


def _outside(values: pa.Array, allowed: pa.Array) -> pa.Array:
    return pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, allowed)))


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def looks_like_description(b: Batcher, table: pa.Table) -> bool:
    """TikTok puts a row of explanations under some exports' header. The first data row is one
    when every typed value in it is unreadable, most of its text is prose (several words), and
    the next row, if any, reads."""
    head = table.slice(0, 2)
    typed = [c for c in b.kind.columns if c.name in b.cmap.sources and c.type != "str"]
    if not typed:
        return False
    first_ok, second_ok, present = [], [], 0
    for col in typed:
        given = head.column(f"c{b.cmap.sources[col.name][0]}").combine_chunks()
        p = parse(col, given, b.timezone)
        if given[0].is_valid and str(given[0].as_py()).strip():
            present += 1
            first_ok.append(p.values[0].is_valid)
        if len(given) > 1:
            second_ok.append(p.values[1].is_valid)
    if not present or any(first_ok) or (second_ok and not any(second_ok)):
        return False
    texts = [str(v) for v in table.slice(0, 1).to_pylist()[0].values() if v]
    prose = sum(1 for t in texts if re.search(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}", t))
    return prose * 2 >= len(texts)
