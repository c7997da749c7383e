"""Byte-level kernels for the event wire format (numba, compiled once and cached on disk).

Event ids are kept as 64-bit FNV-1a hashes of their UTF-8 bytes, never as Python strings: the
monitor only asks whether it has seen an id, and 1 million strings a second is what a Python
process cannot afford. Two different ids with the same hash would count as one event; with the
lateness window's ids (a million at most in practice) the chance of any such pair is about
3 in 100 million.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba as nb
import numpy as np

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
