"""Value parsers: turn one column of a file (an Arrow array, usually text) into livecart's typed
values, vectorised with Arrow compute (and pandas' ISO 8601 parser for timestamps).

Each parser returns ``Parsed(values, bad)``: the typed array (null where the input was empty or
unreadable) and a boolean mask of the inputs that were present but unreadable, so the caller can
name every bad row. Nothing here loops over rows in Python.

Accepted text:
- numbers: ``12.99``, ``-3``, ``1e3``, ``USD 12.99``, ``$1,299.00``, ``1.299,00 €``, ``Rp 100.000``
  (a dot before exactly three digits is a thousands separator for the zero-decimal currencies
  IDR and VND), ``(12.00)`` as a negative, and for float columns ``12.3%`` as 0.123;
- timestamps: ISO 8601 with or without ``T``, seconds, fractions, ``Z`` or an offset (converted to
  UTC), and the Seller Center form ``DD/MM/YYYY HH:MM[:SS]`` (also with AM/PM); values without an
  offset are local time in ``timezone`` when one is given, else UTC;
- dates: ``YYYY-MM-DD``, ``DD/MM/YYYY``, or a timestamp (its date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_COMMON_MONEY = r"^(?:[A-Z]{3} ?|\$)?-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"
_SYMBOLS = "$€£¥₫฿₱₹"
# sign, currency before (code and/or symbol), sign, digits with separators, currency after
_MONEY = (
    r"^(?P<s1>[-+]?)\s*(?P<pre>(?:[A-Za-z]{1,3}\s?)?[" + _SYMBOLS + r"]?)\s*(?P<s2>[-+]?)\s*"
    r"(?P<num>\d(?:[\d.,' ]*\d)?)\s*(?P<post>[A-Za-z]{1,3}|[₫đ€])?$"
)
# currency markers that name one currency ("$" alone does not)
CURRENCY_MARKERS = {
    "RP": "IDR",
    "RM": "MYR",
    "US$": "USD",
    "S$": "SGD",
    "฿": "THB",
    "₱": "PHP",
    "₫": "VND",
    "Đ": "VND",
    "£": "GBP",
    "€": "EUR",
    "₹": "INR",
    "¥": "JPY",
}
_ZERO_DECIMAL = ("IDR", "VND")


@dataclass(frozen=True)
class Parsed:
    values: pa.Array
    bad: pa.Array  # bool, True where a value was given but could not be read
    currency: pa.Array | None = None  # currency named in money text ("USD 12.99"), else null


def clean_text(arr: pa.Array) -> pa.Array:
    """Text with outer whitespace (including no-break spaces) removed; empty text becomes null."""
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = _to_text(arr)
    arr = pc.utf8_trim(pc.cast(arr, pa.string()), characters=" \t\r\n\u00a0\u202f\ufeff")
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _to_text(arr: pa.Array) -> pa.Array:
    """Non-text input as text; whole floats print without '.0' (ids that went through Excel)."""
    if pa.types.is_floating(arr.type):
        whole = pc.equal(arr, pc.floor(arr))
        if pc.all(pc.fill_null(whole, True)).as_py():
            return pc.cast(pc.cast(arr, pa.int64()), pa.string())
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        return pc.strftime(
            arr, format="%Y-%m-%dT%H:%M:%S" if pa.types.is_timestamp(arr.type) else "%Y-%m-%d"
        )
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    return pc.cast(arr, pa.string())


def _bad(given: pa.Array, values: pa.Array) -> pa.Array:
    return pc.and_(pc.is_valid(given), pc.is_null(values))


def parse_number(arr: pa.Array, *, percent: bool = False) -> Parsed:
    """Numbers as float64; money text and (when ``percent``) percentages allowed."""
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        vals = pc.cast(arr, pa.float64())
        return Parsed(vals, _no_bad(arr))
    if pa.types.is_boolean(arr.type) or pa.types.is_null(arr.type):
        vals = pc.cast(arr, pa.float64())
        return Parsed(vals, _no_bad(arr))
    text = clean_text(arr)
    # One pass over the column a common case needs; the first value rules out the others.
    first = _first_value(text)
    if _first_matches(first, _PLAIN_NUMBER) and _all_match(text, _PLAIN_NUMBER):
        return Parsed(pc.cast(text, pa.float64()), _no_bad(arr))
    if _first_matches(first, _COMMON_MONEY) and _all_match(text, _COMMON_MONEY):
        # fast path for "$1,299.00" and "USD 12.99"
        if not pc.any(pc.match_substring_regex(text, r"^[A-Z]")).as_py():
            # only "$" (at most one, first) and group commas to drop: literal replaces
            plain = pc.replace_substring(pc.replace_substring(text, ",", ""), "$", "")
            return Parsed(pc.cast(plain, pa.float64()), _no_bad(arr))
        vals = pc.cast(pc.replace_substring_regex(text, r"^[A-Z]{3} ?|^\$|,", ""), pa.float64())
        code = pc.struct_field(pc.extract_regex(text, r"^(?P<c>[A-Z]{3})?"), "c")
        code = pc.if_else(pc.equal(code, ""), pa.scalar(None, pa.string()), code)
        return Parsed(vals, _no_bad(arr), code)
    return _parse_number_text(text, percent)


def _first_value(text: pa.Array) -> str | None:
    present = pc.drop_null(text.slice(0, 64))
    if not len(present):
        present = pc.drop_null(text)
    return present[0].as_py() if len(present) else None


def _first_matches(value: str | None, pattern: str) -> bool:
    """False only when the column's first value does not match: then neither can all."""
    return value is None or re.search(pattern, value) is not None


def _all_match(text: pa.Array, pattern: str) -> bool:
    return bool(pc.all(pc.fill_null(pc.match_substring_regex(text, pattern), True)).as_py())


def _parse_number_text(text: pa.Array, percent: bool) -> Parsed:
    pct = pc.fill_null(pc.ends_with(text, "%"), False) if percent else None
    paren = pc.fill_null(pc.match_substring_regex(text, r"^\(.*\)$"), False)
    body = pc.replace_substring_regex(text, r"^\(\s*|\s*\)$" + (r"|\s*%$" if percent else ""), "")
    parts = pc.extract_regex(body, _MONEY)
    num = pc.replace_substring_regex(pc.struct_field(parts, "num"), r"[' ]", "")
    code = _currency_code(pc.struct_field(parts, "pre"), pc.struct_field(parts, "post"))
    num = _normalise_separators(num, pc.fill_null(pc.is_in(code, pa.array(_ZERO_DECIMAL)), False))
    ok = pc.fill_null(pc.match_substring_regex(num, r"^\d+(\.\d+)?$"), False)
    vals = pc.cast(pc.if_else(ok, num, pa.scalar(None, pa.string())), pa.float64())
    neg = pc.or_(
        paren,
        pc.or_(
            pc.equal(pc.struct_field(parts, "s1"), "-"), pc.equal(pc.struct_field(parts, "s2"), "-")
        ),
    )
    vals = pc.if_else(pc.fill_null(neg, False), pc.negate(vals), vals)
    if pct is not None:
        vals = pc.if_else(pct, pc.divide(vals, 100.0), vals)
    return Parsed(vals, _bad(text, vals), code)


def _currency_code(pre: pa.Array, post: pa.Array) -> pa.Array:
    """ISO code named by the text around a number: 'USD', 'Rp' -> IDR, 'S$' -> SGD; '$' -> null."""
    marks = pc.utf8_upper(
        pc.utf8_trim_whitespace(
            pc.coalesce(pc.if_else(pc.equal(pre, ""), pa.scalar(None, pa.string()), pre), post)
        )
    )
    mapped = pc.take(
        pa.array(list(CURRENCY_MARKERS.values())),
        pc.index_in(marks, pa.array(list(CURRENCY_MARKERS))),
    )
    iso = pc.if_else(
        pc.fill_null(pc.match_substring_regex(marks, r"^[A-Z]{3}$"), False),
        marks,
        pa.scalar(None, pa.string()),
    )
    return pc.coalesce(mapped, iso)


def _normalise_separators(num: pa.Array, zero_decimal: pa.Array) -> pa.Array:
    """Digits with ',' and '.' -> plain '1234.5' text. The last separator is the decimal one when
    both appear; a lone ',' before 1-2 digits is decimal; groups of three are thousands."""
    has_c = pc.match_substring(num, ",")
    has_d = pc.match_substring(num, ".")
    no_c = pc.replace_substring(num, ",", "")
    no_d = pc.replace_substring(num, ".", "")
    comma_dec = pc.replace_substring(no_d, ",", ".")
    dot_last = pc.match_substring_regex(num, r"\.[^,]*$")
    both = pc.if_else(dot_last, no_c, comma_dec)
    comma_groups = pc.match_substring_regex(num, r"^\d{1,3}(,\d{2,3})*,\d{3}$")
    one_comma = pc.match_substring_regex(num, r"^\d+,\d+$")
    only_c = pc.if_else(comma_groups, no_c, pc.if_else(one_comma, comma_dec, num))
    dot_groups = pc.match_substring_regex(num, r"^\d{1,3}(\.\d{3})+$")
    many_dots = pc.match_substring_regex(num, r"\..*\.")
    only_d = pc.if_else(pc.and_(dot_groups, pc.or_(many_dots, zero_decimal)), no_d, num)
    return pc.if_else(
        pc.and_(has_c, has_d), both, pc.if_else(has_c, only_c, pc.if_else(has_d, only_d, num))
    )


_CLOCK = r"^(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$"
_UNITS = (
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in(?:utes?|s)?)?)?"
    r"\s*(?:(?P<s>\d+(?:\.\d+)?)\s*s(?:ec(?:onds?|s)?)?)?$"
)


def parse_seconds(arr: pa.Array) -> Parsed:
    """Durations in seconds: a number (seconds), ``1:05`` or ``00:01:05``, or ``1h 2m 5s``,
    ``1min 5s``, ``65s`` (how exports write average viewing durations)."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return parse_number(arr)
    text = clean_text(arr)
    if _all_match(text, _PLAIN_NUMBER):
        return Parsed(pc.cast(text, pa.float64()), _no_bad(arr))
    plain = pc.fill_null(pc.match_substring_regex(text, _PLAIN_NUMBER), False)
    total = pc.cast(pc.if_else(plain, text, pa.scalar(None, pa.string())), pa.float64())
    for pattern in (_CLOCK, _UNITS):
        parts = pc.extract_regex(text, pattern)
        secs = pa.scalar(0.0)
        for name, scale in (("h", 3600.0), ("m", 60.0), ("s", 1.0)):
            field = pc.struct_field(parts, name)
            field = pc.if_else(pc.equal(field, ""), pa.scalar(None, pa.string()), field)
            secs = pc.add(secs, pc.multiply(pc.fill_null(pc.cast(field, pa.float64()), 0.0), scale))
        matched = pc.and_(pc.is_valid(parts), pc.match_substring_regex(text, r"\d"))
        total = pc.coalesce(total, pc.if_else(matched, secs, pa.scalar(None, pa.float64())))
    return Parsed(total, _bad(text, total))


def parse_int(arr: pa.Array) -> Parsed:
    """Whole numbers as int64 ('1,234' and '1234.0' are fine; '1.5' and '12%' are not)."""
    p = parse_number(arr)
    whole = pc.and_(
        pc.equal(p.values, pc.floor(p.values)), pc.less_equal(pc.abs(p.values), 2.0**62)
    )
    vals = pc.if_else(pc.fill_null(whole, True), p.values, pa.scalar(None, pa.float64()))
    vals = pc.cast(vals, pa.int64())
    return Parsed(vals, pc.or_(p.bad, pc.and_(pc.is_valid(p.values), pc.is_null(vals))))


_SLASH = r"^\d{1,2}/\d{1,2}/\d{4}"
_SLASH_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y %I:%M %p",
)
_OFFSET = r"\d[T ]?\d{1,2}:\d{2}.*(Z|z|[+-]\d{2}:?\d{2})$"


def parse_timestamp(arr: pa.Array, timezone: str | None = None) -> Parsed:
    """Timestamps as naive UTC (timestamp[us]). Offsets are honoured; naive values are in
    ``timezone`` (IANA) when given, else UTC."""
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is None and timezone:
            vals = _localise(arr, timezone)
        else:  # aware values hold UTC instants underneath; naive ones are UTC already
            vals = pc.cast(arr, pa.timestamp("us"))
        return Parsed(vals, _no_bad(arr))
    if pa.types.is_date(arr.type):
        return parse_timestamp(pc.cast(arr, pa.timestamp("us")), timezone)
    text = clean_text(arr)
    slash = pc.fill_null(pc.match_substring_regex(text, _SLASH), False)
    offset = pc.fill_null(pc.match_substring_regex(text, _OFFSET), False)
    iso = pc.and_(pc.is_valid(text), pc.invert(pc.or_(slash, offset)))
    naive = pc.if_else(slash, _parse_slash(text, slash), _parse_iso(text, iso, False))
    if timezone:
        naive = _localise(naive, timezone)
    vals = pc.if_else(offset, _parse_iso(text, offset, True), naive)
    return Parsed(vals, _bad(text, vals))


def _no_bad(arr: pa.Array) -> pa.Array:
    return pa.array(np.zeros(len(arr), dtype=bool))


def _parse_slash(text: pa.Array, slash: pa.Array) -> pa.Array:
    out = pa.nulls(len(text), pa.timestamp("us"))
    if not pc.any(slash).as_py():
        return out
    for fmt in _SLASH_FORMATS:
        out = pc.coalesce(out, pc.strptime(text, format=fmt, unit="us", error_is_null=True))
        if not pc.any(pc.and_(slash, pc.is_null(out))).as_py():
            break
    # strptime rolls 31/02 over into March: keep only values whose day and month read back
    day, month = _day_month(text, slash)
    same = pc.and_(pc.equal(day, pc.day(out)), pc.equal(month, pc.month(out)))
    return pc.if_else(pc.fill_null(same, False), out, pa.scalar(None, pa.timestamp("us")))


def _day_month(text: pa.Array, slash: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The DD and MM a DD/MM/YYYY text writes: by position when every such value has two-digit
    day and month (the exports' form), else by pattern."""
    sub = pc.if_else(slash, text, pa.scalar(None, pa.string()))
    try:  # "1/" or "3/" in a slice (a one-digit day or month) does not cast
        day = pc.cast(pc.utf8_slice_codeunits(sub, 0, 2), pa.int64())
        return day, pc.cast(pc.utf8_slice_codeunits(sub, 3, 5), pa.int64())
    except pa.ArrowInvalid:
        dm = pc.extract_regex(text, r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/")
        d, m = pc.struct_field(dm, "d"), pc.struct_field(dm, "m")
        return pc.cast(d, pa.int64()), pc.cast(m, pa.int64())


def _parse_iso(text: pa.Array, mask: pa.Array, utc: bool) -> pa.Array:
    """ISO 8601 through pandas for the rows in ``mask``; naive UTC out."""
    if not pc.any(mask).as_py():
        return pa.nulls(len(text), pa.timestamp("us"))
    import pandas as pd  # loaded only when a file has ISO 8601 text

    sub = pc.if_else(mask, text, pa.scalar(None, pa.string()))
    s = pd.to_datetime(
        pd.Series(sub.to_pandas(), dtype=object), format="ISO8601", utc=utc, errors="coerce"
    )
    if utc:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return pa.array(s.astype("datetime64[us]"), pa.timestamp("us"), from_pandas=True)


def _localise(naive: pa.Array, timezone: str) -> pa.Array:
    """Local wall-clock times in ``timezone`` -> naive UTC. In the repeated hour when clocks go
    back the first (summer-time) reading is taken; times skipped when clocks go forward move on.
    (pandas, not Arrow's assume_timezone: Arrow's zone rules differ after 2037.)"""
    import pandas as pd

    s = pd.to_datetime(pd.Series(naive.to_pandas()))
    local = s.dt.tz_localize(
        timezone, ambiguous=pd.Series(True, index=s.index).to_numpy(), nonexistent="shift_forward"
    )
    out = local.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    return pa.array(out, pa.timestamp("us"), from_pandas=True)


def parse_date(arr: pa.Array) -> Parsed:
    """Dates (date32): ISO dates, DD/MM/YYYY, or a timestamp's date."""
    if pa.types.is_date(arr.type):
        return Parsed(pc.cast(arr, pa.date32()), _no_bad(arr))
    p = parse_timestamp(arr)
    return Parsed(pc.cast(p.values, pa.date32()), p.bad)


def parse_text(arr: pa.Array) -> Parsed:
    return Parsed(clean_text(arr), _no_bad(arr))
