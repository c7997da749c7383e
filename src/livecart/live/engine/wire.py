"""Byte-level kernels for the event wire format (numba, compiled once and cached on disk).

Event ids are kept as 64-bit FNV-1a hashes of their UTF-8 bytes, never as Python strings: the
monitor only asks whether it has seen an id, and 1 million strings a second is what a Python
process cannot afford. Two different ids with the same hash would count as one event; with the
lateness window's ids (a million at most in practice) the chance of any such pair is about
3 in 100 million.

``scan_lines`` reads JSON-lines events straight from the bytes (about 110 ns a line on one
core): numbers, type codes, id hashes and the distinct strings, with every line it cannot read
exactly handed back for json.loads (see columns.parse_lines).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


@nb.njit(cache=True, nogil=True, inline="always")
def fnv1a64(buf: np.ndarray, lo: int, hi: int) -> np.uint64:
    """FNV-1a over buf[lo:hi] (uint8)."""
    h = FNV_OFFSET
    for i in range(lo, hi):
        h = (h ^ np.uint64(buf[i])) * FNV_PRIME
    return h


@nb.njit(cache=True, nogil=True)
def _hash_spans(buf: np.ndarray, ends: np.ndarray) -> np.ndarray:
    out = np.empty(len(ends), dtype=np.uint64)
    lo = 0
    for k in range(len(ends)):
        out[k] = fnv1a64(buf, lo, ends[k])
        lo = ends[k]
    return out


def hash_strings(values: Sequence[str]) -> np.ndarray:
    """FNV-1a 64 of each string's UTF-8 bytes, as a uint64 array."""
    parts = [v.encode() for v in values]
    if not parts:
        return np.zeros(0, dtype=np.uint64)
    buf = np.frombuffer(b"".join(parts) or b"\0", dtype=np.uint8)
    ends = np.cumsum([len(p) for p in parts], dtype=np.int64)
    return _hash_spans(buf, ends)


# ---------------------------------------------------------------------------------------------
# JSON-lines event scanner
#
# scan_lines walks the raw bytes once. A line it fully understands becomes a row; any other
# non-blank line is handed back as a byte span for the careful path (json.loads), so the result
# never depends on the scanner guessing: it accepts a strict subset of JSON whose decoding is
# unambiguous (no null/true/false, no nesting, no repeated or unknown keys, numbers it converts
# exactly, strings it validates as UTF-8).

# how a field's value is read (Layout.kind)
ID, KEEP, TYPE, SOURCE, SKIP, TS, COUNT, INT, NUMBER = range(9)

# byte classes inside a string: 0 plain ASCII, 1 quote, 2 backslash, 3 control, 4 non-ASCII
_CLS = np.zeros(256, dtype=np.uint8)
_CLS[:0x20] = 3
_CLS[ord('"')] = 1
_CLS[ord("\\")] = 2
_CLS[0x80:] = 4
_ESC = np.zeros(256, dtype=np.uint8)  # 1: one-letter escape, 2: \uXXXX
_ESC[list(b'"\\/bfnrt')] = 1
_ESC[ord("u")] = 2
_HEX = np.zeros(256, dtype=np.uint8)
_HEX[list(b"0123456789abcdefABCDEF")] = 1
# exact powers of ten: m * 10**k (or m / 10**k) with m <= 2**53 and k <= 22 is one correctly
# rounded operation on exact operands, so it equals Python's float() of the decimal text
_P10 = np.array([10.0**k for k in range(23)])
_MAX_EXACT = 1 << 53


class NameSet(NamedTuple):
    """Names found by their first byte and compared byte by byte (_name), or, up to 15 bytes,
    found as the two words that spell them (_word_name, see _plain)."""

    flat: np.ndarray  # uint8, the names back to back
    off: np.ndarray  # int64
    size: np.ndarray  # int64
    head: np.ndarray  # int32 [256]: the first name starting with that byte, or -1
    nxt: np.ndarray  # int32: the next name with the same first byte, or -1
    w1: np.ndarray  # uint64: the name's bytes 0-7 as _plain reads them (all ones past 15 bytes)
    w2: np.ndarray  # uint64: bytes 8-15
    whead: np.ndarray  # int32 [256]: the first name in that _word_slot, or -1
    wnxt: np.ndarray  # int32: the next name in the same _word_slot, or -1


_M64 = (1 << 64) - 1
_K1, _K2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F  # odd multipliers that mix the words


def _words(raw: bytes) -> tuple[int, int]:
    if len(raw) > 15:
        return _M64, _M64  # no text _plain reads is all ones
    padded = raw.ljust(16, b"\0")
    return int.from_bytes(padded[:8], "little"), int.from_bytes(padded[8:], "little")


def _slot_of(w1: int, w2: int) -> int:  # _word_slot, in Python
    return (((w1 * _K1) & _M64) ^ ((w2 * _K2) & _M64)) >> 56


def name_set(names: Sequence[str]) -> NameSet:
    raw = [n.encode() for n in names]
    if any(not r or 34 in r or 92 in r or max(r) >= 0x80 for r in raw):
        raise ValueError("names must be non-empty ASCII without quotes or backslashes")
    head = np.full(256, -1, dtype=np.int32)
    nxt = np.full(len(raw), -1, dtype=np.int32)
    for k in reversed(range(len(raw))):
        nxt[k], head[raw[k][0]] = head[raw[k][0]], k
    size = np.array([len(r) for r in raw], dtype=np.int64)
    words = [_words(r) for r in raw]
    whead = np.full(256, -1, dtype=np.int32)
    wnxt = np.full(len(raw), -1, dtype=np.int32)
    for k in reversed(range(len(raw))):
        if len(raw[k]) <= 15:
            slot = _slot_of(*words[k])
            wnxt[k], whead[slot] = whead[slot], k
    return NameSet(
        flat=np.frombuffer(b"".join(raw), dtype=np.uint8).copy(),
        off=np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64),
        size=size,
        head=head,
        nxt=nxt,
        w1=np.array([w[0] for w in words], dtype=np.uint64),
        w2=np.array([w[1] for w in words], dtype=np.uint64),
        whead=whead,
        wnxt=wnxt,
    )


class Layout(NamedTuple):
    """What scan_lines does with each key: built once by the caller from its event model."""

    keys: NameSet  # the field names
    kind: np.ndarray  # int8 per field: ID, KEEP, ...
    slot: np.ndarray  # int8 per field: its row in Scan.codes (KEEP) or Scan.nums (COUNT, NUMBER)
    types: NameSet  # values of the TYPE field; a row's etype is the index here
    required: np.ndarray  # int64 per type: bit mask of the fields a row of that type must have
    sources: NameSet  # values of the SOURCE field; absent is len(sources)
    keep_bit: np.ndarray  # int64 per KEEP output: its field's bit
    n_nums: int
    base: int  # bit mask of the ID, TS and TYPE fields, which every row must have


class Scan(NamedTuple):
    """scan_lines' result: ``rows`` rows (arrays sized for more; slice ``[:rows]``)."""

    rows: int
    id_hash: np.ndarray  # uint64
    ts: np.ndarray  # int64
    etype: np.ndarray  # int8
    source: np.ndarray  # int8
    nums: np.ndarray  # float64 [n_nums, cap], NaN when absent
    codes: np.ndarray  # int32 [n_keep, cap]: index into uniques, -1 when absent
    uniques: np.ndarray  # int64 [u, 2]: each distinct KEEP string's span in ``text``
    text: np.ndarray  # uint8: the distinct KEEP strings' UTF-8 bytes
    slow: np.ndarray  # int64 [s, 3]: (start, end, rows before it) of each line left to the caller


def layout(
    fields: Sequence[str],
    kinds: dict[str, int],
    keep: Sequence[str],
    nums: Sequence[str],
    types: Sequence[str],
    required: dict[str, Sequence[str]],
    sources: Sequence[str],
) -> Layout:
    """``kinds`` names each field's kind; ``keep`` and ``nums`` order the KEEP and numeric
    fields' outputs; ``required[t]`` lists the fields a ``t`` row must have."""
    pos = {f: i for i, f in enumerate(fields)}
    if len(fields) > 31 or len(types) > 31:
        raise ValueError("at most 31 fields and 31 types")
    slot = np.zeros(len(fields), dtype=np.int8)
    for order in (keep, nums):
        for j, f in enumerate(order):
            slot[pos[f]] = j
    req = np.array([sum(1 << pos[f] for f in required[t]) for t in types], dtype=np.int64)
    return Layout(
        keys=name_set(fields),
        kind=np.array([kinds[f] for f in fields], dtype=np.int8),
        slot=slot,
        types=name_set(types),
        required=req,
        sources=name_set(sources),
        keep_bit=np.array([1 << pos[f] for f in keep], dtype=np.int64),
        n_nums=len(nums),
        base=sum(1 << pos[f] for f in fields if kinds[f] in (ID, TS, TYPE)),
    )


def _outputs(cap: int, n_nums: int, n_keep: int, size: int) -> tuple[np.ndarray, ...]:
    """The scan's output arrays, as views of one NumPy block: NumPy asks the kernel for huge
    pages for a block this large, which saves most of the page faults of fresh memory (a
    tenth of the parse's CPU time when each array is allocated on its own). Pages never
    written are never backed."""
    words = [cap, cap, n_nums * cap, -(-n_keep * cap // 2), -(-cap // 8), -(-cap // 8)]
    words.append(-(-size // 8))
    block = np.empty(sum(words), dtype=np.uint64)
    at = np.cumsum([0, *words])
    part = [block[at[k] : at[k + 1]] for k in range(len(words))]
    return (
        part[0],  # id_hash
        part[1].view(np.int64),  # ts
        part[4].view(np.int8)[:cap],  # etype
        part[5].view(np.int8)[:cap],  # source
        part[2].view(np.float64).reshape(n_nums, cap),
        part[3].view(np.int32)[: n_keep * cap].reshape(n_keep, cap),
        part[6].view(np.uint8)[:size],  # distinct strings' bytes: never more than the input
    )


def scan_lines(data: bytes, lay: Layout) -> Scan:
    """Scan JSON lines (split as bytes.splitlines does; blank lines skipped)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    # no row fits in fewer than 46 bytes ({"id":"","session_id":"","ts":0,"type":"like"}); a
    # row past this capacity would only take the careful path
    cap = len(buf) // 40 + 2
    out = _outputs(cap, lay.n_nums, len(lay.keep_bit), len(buf))
    # the distinct strings' table and the careful lines: grown here when the kernel stops
    table = np.full(1024, -1, dtype=np.int32)
    uniques = np.empty((256, 2), dtype=np.int64)
    ukeys = np.empty((256, 2), dtype=np.uint64)
    slow = np.empty((16, 3), dtype=np.int64)
    state = (0, 0, 0, 0, 0)  # position, rows, distinct strings, careful lines, text bytes used
    n_keep = len(lay.keep_bit)
    while True:
        state = _scan(buf, lay, *out, table, uniques, ukeys, slow, *state)
        i, rows, nu, ns, used = state
        if i >= len(buf):
            break
        if 2 * (nu + n_keep) > len(table):
            table = _rehash(table, ukeys, nu)
        if nu + n_keep > len(ukeys):
            uniques = np.concatenate((uniques, np.empty_like(uniques)))
            ukeys = np.concatenate((ukeys, np.empty_like(ukeys)))
        if ns == len(slow):
            slow = np.concatenate((slow, np.empty_like(slow)))
    id_hash, ts, etype, source, nums, codes, text = out
    return Scan(rows, id_hash, ts, etype, source, nums, codes, uniques[:nu], text[:used], slow[:ns])


# The kernels below pass raw data pointers (_data) to one another, never arrays: numba counts
# references to an array on every call that takes one (an atomic add and subtract each), and
# that bookkeeping cost several times what the parsing does.


@intrinsic
def _data(typingctx, arr):  # noqa: ARG001
    """The array's data pointer (the array must outlive its use)."""
    sig = types.CPointer(arr.dtype)(arr)

    def codegen(context, builder, signature, args):
        return context.make_array(signature.args[0])(context, builder, args[0]).data

    return sig, codegen


@nb.njit(cache=True, nogil=True)
def _names(s: NameSet) -> tuple:
    return (
        _data(s.flat),
        _data(s.off),
        _data(s.size),
        _data(s.head),
        _data(s.nxt),
        _data(s.w1),
        _data(s.w2),
        _data(s.whead),
        _data(s.wnxt),
    )


@intrinsic
def _word(typingctx, ptr, i):  # noqa: ARG001
    """The 8 bytes at ptr[i:i + 8] as one little-endian uint64 (an unaligned load)."""
    sig = types.uint64(ptr, types.intp)

    def codegen(context, builder, signature, args):
        addr = builder.bitcast(builder.gep(args[0], [args[1]]), ir.IntType(64).as_pointer())
        return builder.load(addr, align=1)

    return sig, codegen


@intrinsic
def _low_zeros(typingctx, x):  # noqa: ARG001
    """Trailing zero bits of a uint64 (x != 0)."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return sig, codegen


_ONES = np.uint64(0x0101010101010101)
_HIGHS = np.uint64(0x8080808080808080)
_QUOTES = np.uint64(0x2222222222222222)
_SLASHES = np.uint64(0x5C5C5C5C5C5C5C5C)
_SPACES = np.uint64(0x2020202020202020)
_ALL = np.uint64(_M64)


@nb.njit(cache=True, nogil=True)
def _stops(w: np.uint64) -> np.uint64:
    """The high bit of each byte of w that ends a plain run (quote, backslash, control byte,
    non-ASCII); bytes above the first such byte may be marked wrongly, the first never is."""
    q = w ^ _QUOTES
    b = w ^ _SLASHES
    return (((q - _ONES) & ~q) | ((b - _ONES) & ~b) | ((w - _SPACES) & ~w) | w) & _HIGHS


@nb.njit(cache=True, nogil=True)
def _plain(p, i: int, n: int) -> tuple[int, np.uint64, np.uint64]:
    """A string of at most 15 plain ASCII bytes from i (past the opening quote), read 8 bytes
    at a time: (its length, bytes 0-7, bytes 8-15, zero-padded), or (-1, 0, 0) for any other
    string (longer, escaped, non-ASCII) or near the end of the buffer. No plain byte is 0, so
    the two words are the string itself: equal words, equal strings."""
    if i + 16 > n:
        return -1, np.uint64(0), np.uint64(0)
    w1 = _word(p, i)
    m = _stops(w1)
    if m:
        k = np.int64(_low_zeros(m) >> np.uint64(3))
        if p[i + k] != 34:
            return -1, np.uint64(0), np.uint64(0)
        return k, w1 & ((np.uint64(1) << np.uint64(8 * k)) - np.uint64(1)), np.uint64(0)
    w2 = _word(p, i + 8)
    m = _stops(w2)
    if m:
        k = np.int64(_low_zeros(m) >> np.uint64(3))
        if p[i + 8 + k] != 34:
            return -1, np.uint64(0), np.uint64(0)
        return 8 + k, w1, w2 & ((np.uint64(1) << np.uint64(8 * k)) - np.uint64(1))
    return -1, np.uint64(0), np.uint64(0)


@nb.njit(cache=True, nogil=True)
def _word_slot(w1: np.uint64, w2: np.uint64) -> int:
    return np.int64(((w1 * np.uint64(_K1)) ^ (w2 * np.uint64(_K2))) >> np.uint64(56))


@nb.njit(cache=True, nogil=True)
def _word_name(w1: np.uint64, w2: np.uint64, names) -> int:
    """Index of the name whose words (see _plain) are w1, w2, or -1."""
    wn1, wn2, whead, wnxt = names[5], names[6], names[7], names[8]
    k = whead[_word_slot(w1, w2)]
    while k >= 0:
        if wn1[k] == w1 and wn2[k] == w2:
            return k
        k = wnxt[k]
    return -1


@nb.njit(cache=True, nogil=True)
def _fnv_words(w1: np.uint64, w2: np.uint64, size: int) -> np.uint64:
    """FNV-1a of the ``size`` bytes held in w1, w2 (as _plain returns them)."""
    h = FNV_OFFSET
    for j in range(min(size, 8)):
        h = (h ^ ((w1 >> np.uint64(8 * j)) & np.uint64(0xFF))) * FNV_PRIME
    for j in range(size - 8):
        h = (h ^ ((w2 >> np.uint64(8 * j)) & np.uint64(0xFF))) * FNV_PRIME
    return h


@nb.njit(cache=True, nogil=True)
def _name(p, i: int, n: int, names) -> tuple[int, int]:
    """The name spelled from p[i] up to a closing quote: (its index, index past the quote), or
    (-1, i). A string with an escape or any other text is no name."""
    flat, off, size, head, nxt = names[0], names[1], names[2], names[3], names[4]
    if i >= n:
        return -1, i
    k = head[p[i]]
    while k >= 0:
        e = i + size[k]
        if e < n and p[e] == 34:
            o = off[k] - i
            j = i + 1
            while j < e and flat[o + j] == p[j]:
                j += 1
            if j == e:
                return k, e + 1
        k = nxt[k]
    return -1, i


@nb.njit(cache=True, nogil=True)
def _utf8_len(p, i: int, n: int) -> int:
    """Length of the well-formed UTF-8 sequence at p[i] (>= 0x80), 0 if there is none
    (overlong forms, surrogates and code points past U+10FFFF are refused, as Python does)."""
    c = p[i]
    lo, hi = 0x80, 0xBF
    if 0xC2 <= c <= 0xDF:
        need = 1
    elif 0xE0 <= c <= 0xEF:
        need = 2
        if c == 0xE0:
            lo = 0xA0
        elif c == 0xED:
            hi = 0x9F
    elif 0xF0 <= c <= 0xF4:
        need = 3
        if c == 0xF0:
            lo = 0x90
        elif c == 0xF4:
            hi = 0x8F
    else:
        return 0
    if i + need >= n or p[i + 1] < lo or p[i + 1] > hi:
        return 0
    for k in range(2, need + 1):
        if p[i + k] & 0xC0 != 0x80:
            return 0
    return need + 1


@nb.njit(cache=True, nogil=True)
def _string_hashed(p, i: int, n: int) -> tuple[int, np.uint64]:
    """A string without escapes from i (past the opening quote): (index of the closing quote,
    FNV-1a of its bytes), or (-1, _) when it has an escape, a control byte or bad UTF-8."""
    h = FNV_OFFSET
    while True:
        while i < n and _CLS[p[i]] == 0:
            h = (h ^ np.uint64(p[i])) * FNV_PRIME
            i += 1
        if i >= n:
            return -1, h
        cl = _CLS[p[i]]
        if cl == 1:
            return i, h
        if cl != 4:
            return -1, h
        k = _utf8_len(p, i, n)
        if k == 0:
            return -1, h
        for j in range(i, i + k):
            h = (h ^ np.uint64(p[j])) * FNV_PRIME
        i += k


@nb.njit(cache=True, nogil=True)
def _string_checked(p, i: int, n: int) -> int:
    """A string from i (past the opening quote), escapes allowed: index of the closing quote,
    or -1 when it is not valid JSON (bad escape, control byte, bad UTF-8, unterminated)."""
    while True:
        while i < n and _CLS[p[i]] == 0:
            i += 1
        if i >= n:
            return -1
        cl = _CLS[p[i]]
        if cl == 1:
            return i
        if cl == 4:
            k = _utf8_len(p, i, n)
            if k == 0:
                return -1
            i += k
        elif cl == 2 and i + 1 < n and _ESC[p[i + 1]] == 1:
            i += 2
        elif cl == 2 and i + 5 < n and _ESC[p[i + 1]] == 2:
            for j in range(i + 2, i + 6):
                if not _HEX[p[j]]:
                    return -1
            i += 6
        else:
            return -1


@nb.njit(cache=True, nogil=True)
def _integer(p, i: int, n: int, signed: bool) -> tuple[int, int]:
    """A JSON integer of at most 18 digits from i: (index past it, value), or (-1, 0). Whatever
    follows is the caller's to check (a '.' or 'e' there makes the line fail as it should)."""
    neg = False
    if signed and i < n and p[i] == 45:  # '-'
        neg = True
        i += 1
    if i >= n or not 48 <= p[i] <= 57:
        return -1, 0
    v = 0
    if p[i] == 48:
        i += 1
    else:
        start = i
        while i < n and 48 <= p[i] <= 57:
            v = v * 10 + (p[i] - 48)
            i += 1
        if i - start > 18:
            return -1, 0
    return i, -v if neg else v


@nb.njit(cache=True, nogil=True)
def _number(p, i: int, n: int) -> tuple[int, float]:
    """A non-negative JSON number from i: (index past it, value equal to Python's float() of the
    text), or (-1, 0.0) when it is negative or cannot be converted exactly here."""
    if i >= n or not 48 <= p[i] <= 57:
        return -1, 0.0
    m = 0
    digits = 0
    if p[i] == 48:
        i += 1
    else:
        while i < n and 48 <= p[i] <= 57:
            m = m * 10 + (p[i] - 48)
            digits += 1
            i += 1
    e10 = 0
    if i + 1 < n and p[i] == 46 and 48 <= p[i + 1] <= 57:  # '.'
        i += 1
        while i < n and 48 <= p[i] <= 57:
            m = m * 10 + (p[i] - 48)
            digits += 1
            e10 -= 1
            i += 1
    if digits > 18:
        return -1, 0.0
    if i < n and (p[i] == 101 or p[i] == 69):  # 'e', 'E'
        j = i + 1
        neg = False
        if j < n and (p[j] == 43 or p[j] == 45):
            neg = p[j] == 45
            j += 1
        start = j
        x = 0
        while j < n and 48 <= p[j] <= 57 and j - start < 5:
            x = x * 10 + (p[j] - 48)
            j += 1
        if j == start or (j < n and 48 <= p[j] <= 57):
            return -1, 0.0  # no digits (the line fails anyway) or a huge exponent
        e10 += -x if neg else x
        i = j
    if m == 0:
        return i, 0.0
    if e10 == 0:
        return i, float(m)
    if m > _MAX_EXACT or e10 > 22 or e10 < -22:
        return -1, 0.0
    if e10 > 0:
        return i, float(m) * _P10[e10]
    return i, float(m) / _P10[-e10]


@nb.njit(cache=True, nogil=True)
def _ws(p, i: int, n: int) -> int:
    while i < n and (p[i] == 32 or p[i] == 9):
        i += 1
    return i


@nb.njit(cache=True, nogil=True)
def _same(p, i: int, gword, at: int) -> bool:
    """Whether p[i:] starts with the bytes kept at gword[at:at + 6] (3 words, 3 masks)."""
    d = (_word(p, i) ^ gword[at]) & gword[at + 3]
    d |= (_word(p, i + 8) ^ gword[at + 1]) & gword[at + 4]
    d |= (_word(p, i + 16) ^ gword[at + 2]) & gword[at + 5]
    return d == np.uint64(0)


@nb.njit(cache=True, nogil=True)
def _remember(p, i: int, size: int, gword, at: int) -> None:
    """Keep p[i:i + size] (size <= 24) at gword[at:at + 6] for _same."""
    for w in range(3):
        m = min(max(size - 8 * w, 0), 8)
        mask = _ALL if m == 8 else (np.uint64(1) << np.uint64(8 * m)) - np.uint64(1)
        gword[at + w] = _word(p, i + 8 * w) & mask
        gword[at + 3 + w] = mask


@nb.njit(cache=True, nogil=True)
def _object(
    p,
    i,
    n,
    row,
    cap,
    keys,
    kind,
    slot,
    types,
    sources,
    out_id,
    out_ts,
    out_etype,
    out_source,
    out_nums,
    span,
    keys2,
    guess,
):
    """The object at p[i] == '{' into row ``row``: (index past its '}', mask of the fields
    seen), or (-1, 0) when the line must take the careful path.

    Between two values (or after the '{') comes a key with its punctuation, such as
    ``,"session_id":``. Producers write these the same way line after line, so the bytes seen
    there last time, after the same key in an event of the same type, are kept in ``guess``: when
    the text matches them byte for byte (and no more white space follows) it means what it
    meant then, and it is skipped in three word compares."""
    glen, gkey, gword = guess
    i += 1
    seen = 0
    at = 31 * 32 + 31  # guess slot: the previous key (31 before the first) and the type code
    et = 31  # the type code, 31 until seen
    first = True
    while True:
        g = glen[at]
        if g and i + 24 <= n and p[i + g] != 32 and p[i + g] != 9 and _same(p, i, gword, 6 * at):
            f = np.int64(gkey[at])
            i += g
        else:
            j = i
            if not first:
                i = _ws(p, i, n)
                if i < n and p[i] == 125:  # '}'
                    return i + 1, seen
                if i >= n or p[i] != 44:  # ','
                    return -1, 0
                i = _ws(p, i + 1, n)
            if i >= n or p[i] != 34:
                return -1, 0
            size, w1, w2 = _plain(p, i + 1, n)
            if size >= 0:
                f = _word_name(w1, w2, keys)
                i += size + 2
            else:
                f, i = _name(p, i + 1, n, keys)
            if f < 0:
                return -1, 0
            i = _ws(p, i, n)
            if i >= n or p[i] != 58:  # ':'
                return -1, 0
            i = _ws(p, i + 1, n)
            if i >= n:
                return -1, 0
            if i - j <= 24 and j + 24 <= n:
                _remember(p, j, i - j, gword, 6 * at)
                glen[at] = i - j
                gkey[at] = f
        first = False
        if seen & (1 << f):
            return -1, 0
        seen |= 1 << f
        at = f * 32 + et
        k = kind[f]
        if k <= SKIP:
            if p[i] != 34:
                return -1, 0
            size, w1, w2 = _plain(p, i + 1, n)
            if size >= 0:  # the common case: short, plain ASCII
                if k == ID:
                    out_id[row] = _fnv_words(w1, w2, size)
                elif k == KEEP:
                    s = slot[f]
                    span[2 * s] = i + 1
                    span[2 * s + 1] = i + 1 + size
                    keys2[2 * s] = w1
                    keys2[2 * s + 1] = w2
                elif k == TYPE or k == SOURCE:
                    t = _word_name(w1, w2, types if k == TYPE else sources)
                    if t < 0:
                        return -1, 0
                    if k == TYPE:
                        out_etype[row] = t
                        et = t
                        at = f * 32 + et
                    else:
                        out_source[row] = t
                i += size + 2
            elif k == TYPE or k == SOURCE:
                if k == TYPE:
                    t, i = _name(p, i + 1, n, types)
                    out_etype[row] = t
                    et = t
                    at = f * 32 + et
                else:
                    t, i = _name(p, i + 1, n, sources)
                    out_source[row] = t
                if t < 0:
                    return -1, 0
            elif k == SKIP:
                i = _string_checked(p, i + 1, n)
                if i < 0:
                    return -1, 0
                i += 1
            else:
                e, h = _string_hashed(p, i + 1, n)
                if e < 0:
                    return -1, 0
                if k == ID:
                    out_id[row] = h
                else:
                    s = slot[f]
                    span[2 * s] = i + 1
                    span[2 * s + 1] = e
                    keys2[2 * s] = h
                    keys2[2 * s + 1] = _ALL  # no _plain word: compare the bytes
                i = e + 1
        elif k == NUMBER:
            i, x = _number(p, i, n)
            if i < 0:
                return -1, 0
            out_nums[slot[f] * cap + row] = x
        else:
            i, v = _integer(p, i, n, k != COUNT)
            if i < 0:
                return -1, 0
            if k == TS:
                out_ts[row] = v
            elif k == COUNT:
                out_nums[slot[f] * cap + row] = float(v)


@nb.njit(cache=True, nogil=True)
def _key_slot(k1: np.uint64, k2: np.uint64, mask: int) -> int:
    h = (k1 * np.uint64(_K1)) ^ (k2 * np.uint64(_K2))
    return np.int64((h >> np.uint64(32)) & np.uint64(mask))


@nb.njit(cache=True, nogil=True)
def _intern(p, lo, hi, k1, k2, table, mask, uniques, ukeys, nu, text, used):
    """Index of p[lo:hi] among the distinct strings, added when new: (index, count, bytes of
    ``text`` used). A string is known by its two _plain words, or (k2 all ones) by its hash and
    its bytes, copied to ``text`` where comparing them stays in cache."""
    m = hi - lo
    q = _key_slot(k1, k2, mask)
    while True:
        k = table[q]
        if k < 0:
            table[q] = nu
            uniques[2 * nu] = used
            uniques[2 * nu + 1] = used + m
            ukeys[2 * nu] = k1
            ukeys[2 * nu + 1] = k2
            for j in range(m):
                text[used + j] = p[lo + j]
            return nu, nu + 1, used + m
        if ukeys[2 * k] == k1 and ukeys[2 * k + 1] == k2:
            if k2 != _ALL:
                return k, nu, used
            if uniques[2 * k + 1] - uniques[2 * k] == m:
                a = uniques[2 * k] - lo
                j = lo
                while j < hi and text[a + j] == p[j]:
                    j += 1
                if j == hi:
                    return k, nu, used
        q = (q + 1) & mask


@nb.njit(cache=True, nogil=True)
def _rehash(table, ukeys, nu):
    """The distinct strings' table at twice the size."""
    out = np.full(2 * len(table), -1, dtype=np.int32)
    mask = len(out) - 1
    for k in range(nu):
        q = _key_slot(ukeys[k, 0], ukeys[k, 1], mask)
        while out[q] >= 0:
            q = (q + 1) & mask
        out[q] = k
    return out


@nb.njit(cache=True, nogil=True)
def _lines(p, i, n, cap, rows, nu, ns, used, spec, outs, store):
    """Lines from p[i] until the end or until a store is full: (position reached, rows, distinct
    strings, careful lines). Only pointers and numbers here (see _data)."""
    keys, kind, slot, types, sources, required, base, no_source, keep_bit, n_keep, n_nums = spec
    out_id, out_ts, out_etype, out_source, out_nums, out_codes, span, keys2, guess = outs
    table, tsize, uniques, ukeys, ucap, text, slow, scap = store
    filled = rows  # rows from here on are NaN in every number column up to ``filled``
    while i < n:
        if nu + n_keep > ucap or 2 * (nu + n_keep) > tsize or ns == scap:
            break
        start = i
        i = _ws(p, i, n)
        if i >= n:
            break
        if p[i] == 10 or p[i] == 13:  # blank line
            i += 1
            continue
        ok = False
        if p[i] == 123 and rows < cap:  # '{'
            if rows == filled:
                filled = min(rows + 4096, cap)
                for s in range(n_nums):
                    for r in range(rows, filled):
                        out_nums[s * cap + r] = np.nan
            out_source[rows] = no_source
            e, seen = _object(
                p,
                i,
                n,
                rows,
                cap,
                keys,
                kind,
                slot,
                types,
                sources,
                out_id,
                out_ts,
                out_etype,
                out_source,
                out_nums,
                span,
                keys2,
                guess,
            )
            if e >= 0 and (seen & base) == base:
                e = _ws(p, e, n)
                if e >= n or p[e] == 10 or p[e] == 13:
                    r = required[out_etype[rows]]
                    ok = (seen & r) == r
                    i = e
        if ok:
            for s in range(n_keep):
                code = -1
                if seen & keep_bit[s]:
                    code, nu, used = _intern(
                        p,
                        span[2 * s],
                        span[2 * s + 1],
                        keys2[2 * s],
                        keys2[2 * s + 1],
                        table,
                        tsize - 1,
                        uniques,
                        ukeys,
                        nu,
                        text,
                        used,
                    )
                out_codes[s * cap + rows] = code
            rows += 1
        else:
            if rows < filled:
                for s in range(n_nums):  # what the line's numbers left behind
                    out_nums[s * cap + rows] = np.nan
            i = start
            while i < n and p[i] != 10 and p[i] != 13:
                i += 1
            slow[3 * ns] = start
            slow[3 * ns + 1] = i
            slow[3 * ns + 2] = rows
            ns += 1
        i += 1
    return i, rows, nu, ns, used


@nb.njit(cache=True, nogil=True)
def _scan(
    buf,
    lay,
    id_hash,
    ts,
    etype,
    source,
    nums,
    codes,
    text,
    table,
    uniques,
    ukeys,
    slow,
    i,
    rows,
    nu,
    ns,
    used,
):
    """scan_lines' kernel, from position i until the end or until table, uniques or slow is
    full: (position, rows, distinct strings, careful lines, text bytes used)."""
    spec = (
        _names(lay.keys),
        _data(lay.kind),
        _data(lay.slot),
        _names(lay.types),
        _names(lay.sources),
        _data(lay.required),
        lay.base,
        len(lay.sources.size),
        _data(lay.keep_bit),
        len(lay.keep_bit),
        lay.n_nums,
    )
    span = np.empty(2 * len(lay.keep_bit), dtype=np.int64)
    keys2 = np.empty(2 * len(lay.keep_bit), dtype=np.uint64)
    glen = np.zeros(32 * 32, dtype=np.int8)  # _object's guesses, none yet
    gkey = np.empty(32 * 32, dtype=np.int8)
    gword = np.empty(6 * 32 * 32, dtype=np.uint64)
    outs = (
        _data(id_hash),
        _data(ts),
        _data(etype),
        _data(source),
        _data(nums),
        _data(codes),
        _data(span),
        _data(keys2),
        (_data(glen), _data(gkey), _data(gword)),
    )
    store = (
        _data(table),
        len(table),
        _data(uniques),
        _data(ukeys),
        len(ukeys),
        _data(text),
        _data(slow),
        len(slow),
    )
    return _lines(_data(buf), i, len(buf), len(ts), rows, nu, ns, used, spec, outs, store)
