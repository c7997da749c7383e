"""Reading JSON tokens straight from bytes (numba kernels): names, strings, integers and
numbers, 8 bytes at a time where a field is short and plain, and the 64-bit FNV-1a hash by which
event ids are kept. The scanner (scan_kernel) builds on these; ``wire.scan_lines`` drives it.

Event ids are kept as 64-bit FNV-1a hashes of their UTF-8 bytes, never as Python strings: the
monitor only asks whether it has seen an id, and 1 million strings a second is what a Python
process cannot afford. Two different ids with the same hash would count as one event; with the
lateness window's ids (a million at most in practice) the chance of any such pair is about
3 in 100 million.

numba's disk cache checks only the timestamp of the file a kernel is defined in, and the
scanner's kernels (scan_kernel.py) have these compiled into them: after editing this file, touch
scan_kernel.py too, or its cached kernels keep the old code.
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
    """Names found by their first byte and compared byte by byte (read_name), or, up to 15 bytes,
    found as the two words that spell them (word_name, see read_plain)."""

    flat: np.ndarray  # uint8, the names back to back
    off: np.ndarray  # int64
    size: np.ndarray  # int64
    head: np.ndarray  # int32 [256]: the first name starting with that byte, or -1
    nxt: np.ndarray  # int32: the next name with the same first byte, or -1
    w1: np.ndarray  # uint64: the name's bytes 0-7 as read_plain reads them (all ones past 15 bytes)
    w2: np.ndarray  # uint64: bytes 8-15
    whead: np.ndarray  # int32 [256]: the first name in that _word_slot, or -1
    wnxt: np.ndarray  # int32: the next name in the same _word_slot, or -1


_M64 = (1 << 64) - 1
MIX1, MIX2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F  # odd multipliers that mix the words


def _words(raw: bytes) -> tuple[int, int]:
    if len(raw) > 15:
        return _M64, _M64  # no text read_plain reads is all ones
    padded = raw.ljust(16, b"\0")
    return int.from_bytes(padded[:8], "little"), int.from_bytes(padded[8:], "little")


def _slot_of(w1: int, w2: int) -> int:  # _word_slot, in Python
    return (((w1 * MIX1) & _M64) ^ ((w2 * MIX2) & _M64)) >> 56


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


# The kernels below pass raw data pointers (data_ptr) to one another, never arrays: numba counts
# references to an array on every call that takes one (an atomic add and subtract each), and
# that bookkeeping cost several times what the parsing does.


@intrinsic
def data_ptr(typingctx, arr):  # noqa: ARG001
    """The array's data pointer (the array must outlive its use). Take it only of an array the
    kernel was passed (its caller holds it): numba frees an array the kernel made itself right
    after its last use by name, which is before any use of the pointer (see scan_kernel.scan)."""
    sig = types.CPointer(arr.dtype)(arr)

    def codegen(context, builder, signature, args):
        return context.make_array(signature.args[0])(context, builder, args[0]).data

    return sig, codegen


@nb.njit(cache=True, nogil=True)
def name_pointers(s: NameSet) -> tuple:
    return (
        data_ptr(s.flat),
        data_ptr(s.off),
        data_ptr(s.size),
        data_ptr(s.head),
        data_ptr(s.nxt),
        data_ptr(s.w1),
        data_ptr(s.w2),
        data_ptr(s.whead),
        data_ptr(s.wnxt),
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
ALL_ONES = np.uint64(_M64)


@nb.njit(cache=True, nogil=True)
def _stops(w: np.uint64) -> np.uint64:
    """The high bit of each byte of w that ends a plain run (quote, backslash, control byte,
    non-ASCII); bytes above the first such byte may be marked wrongly, the first never is."""
    q = w ^ _QUOTES
    b = w ^ _SLASHES
    return (((q - _ONES) & ~q) | ((b - _ONES) & ~b) | ((w - _SPACES) & ~w) | w) & _HIGHS


@nb.njit(cache=True, nogil=True)
def read_plain(p, i: int, n: int) -> tuple[int, np.uint64, np.uint64]:
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
    return np.int64(((w1 * np.uint64(MIX1)) ^ (w2 * np.uint64(MIX2))) >> np.uint64(56))


@nb.njit(cache=True, nogil=True)
def word_name(w1: np.uint64, w2: np.uint64, names) -> int:
    """Index of the name whose words (see read_plain) are w1, w2, or -1."""
    wn1, wn2, whead, wnxt = names[5], names[6], names[7], names[8]
    k = whead[_word_slot(w1, w2)]
    while k >= 0:
        if wn1[k] == w1 and wn2[k] == w2:
            return k
        k = wnxt[k]
    return -1


@nb.njit(cache=True, nogil=True)
def fnv_words(w1: np.uint64, w2: np.uint64, size: int) -> np.uint64:
    """FNV-1a of the ``size`` bytes held in w1, w2 (as read_plain returns them)."""
    h = FNV_OFFSET
    for j in range(min(size, 8)):
        h = (h ^ ((w1 >> np.uint64(8 * j)) & np.uint64(0xFF))) * FNV_PRIME
    for j in range(size - 8):
        h = (h ^ ((w2 >> np.uint64(8 * j)) & np.uint64(0xFF))) * FNV_PRIME
    return h


@nb.njit(cache=True, nogil=True)
def read_name(p, i: int, n: int, names) -> tuple[int, int]:
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


# per UTF-8 lead byte: how many continuation bytes follow (0: not a lead byte) and the range
# the first of them must be in (narrower after E0, ED, F0 and F4: no overlong forms, surrogates
# or code points past U+10FFFF, as Python refuses them)
_UTF8_NEED = np.zeros(256, dtype=np.int64)
_UTF8_NEED[0xC2:0xE0], _UTF8_NEED[0xE0:0xF0], _UTF8_NEED[0xF0:0xF5] = 1, 2, 3
_UTF8_LO = np.full(256, 0x80, dtype=np.int64)
_UTF8_LO[0xE0], _UTF8_LO[0xF0] = 0xA0, 0x90
_UTF8_HI = np.full(256, 0xBF, dtype=np.int64)
_UTF8_HI[0xED], _UTF8_HI[0xF4] = 0x9F, 0x8F


@nb.njit(cache=True, nogil=True)
def _utf8_len(p, i: int, n: int) -> int:
    """Length of the well-formed UTF-8 sequence at p[i] (>= 0x80), 0 if there is none."""
    c = p[i]
    need = _UTF8_NEED[c]
    if need == 0 or i + need >= n or p[i + 1] < _UTF8_LO[c] or p[i + 1] > _UTF8_HI[c]:
        return 0
    for k in range(2, need + 1):
        if p[i + k] & 0xC0 != 0x80:
            return 0
    return need + 1


@nb.njit(cache=True, nogil=True)
def hash_string(p, i: int, n: int) -> tuple[int, np.uint64]:
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
def skip_string(p, i: int, n: int) -> int:
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
def read_integer(p, i: int, n: int, signed: bool) -> tuple[int, int]:
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
def read_number(p, i: int, n: int) -> tuple[int, float]:
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
def skip_blanks(p, i: int, n: int) -> int:
    while i < n and (p[i] == 32 or p[i] == 9):
        i += 1
    return i


@nb.njit(cache=True, nogil=True)
def same_bytes(p, i: int, gword, at: int) -> bool:
    """Whether p[i:] starts with the bytes kept at gword[at:at + 6] (3 words, 3 masks)."""
    d = (_word(p, i) ^ gword[at]) & gword[at + 3]
    d |= (_word(p, i + 8) ^ gword[at + 1]) & gword[at + 4]
    d |= (_word(p, i + 16) ^ gword[at + 2]) & gword[at + 5]
    return d == np.uint64(0)


@nb.njit(cache=True, nogil=True)
def remember(p, i: int, size: int, gword, at: int) -> None:
    """Keep p[i:i + size] (size <= 24) at gword[at:at + 6] for same_bytes."""
    for w in range(3):
        m = min(max(size - 8 * w, 0), 8)
        mask = ALL_ONES if m == 8 else (np.uint64(1) << np.uint64(8 * m)) - np.uint64(1)
        gword[at + w] = _word(p, i + 8 * w) & mask
        gword[at + 3 + w] = mask
