"""The JSON-lines scanner's kernel (numba): each line's object read field by field into the
output columns (``_object``), its kept strings interned (``_intern``), and lines it cannot read
exactly handed back as byte spans for the careful path (``_lines``). ``wire.scan_lines`` drives it
and grows its tables between calls.

numba's disk cache checks only this file's timestamp, and the token readers of tokens.py are
compiled into these kernels: after editing tokens.py, touch this file too.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from livecart.live.engine.tokens import (
    ALL_ONES,
    COUNT,
    ID,
    KEEP,
    MIX1,
    MIX2,
    NUMBER,
    SKIP,
    SOURCE,
    TS,
    TYPE,
    data_ptr,
    fnv_words,
    hash_string,
    name_pointers,
    read_integer,
    read_name,
    read_number,
    read_plain,
    remember,
    same_bytes,
    skip_blanks,
    skip_string,
    word_name,
)


@nb.njit(cache=True, nogil=True)
def _object(p, i, n, row, cap, spec, outs):
    """The object at p[i] == '{' into row ``row``: (index past its '}', mask of the fields
    seen), or (-1, 0) when the line must take the careful path.

    Between two values (or after the '{') comes a key with its punctuation, such as
    ``,"session_id":``. Producers write these the same way line after line, so the bytes seen
    there last time, after the same key in an event of the same type, are kept in ``guess``: when
    the text matches them byte for byte (and no more white space follows) it means what it
    meant then, and it is skipped in three word compares."""
    keys, kind, slot, types, sources = spec[0], spec[1], spec[2], spec[3], spec[4]
    out_id, out_ts, out_etype, out_source, out_nums, _codes, span, keys2, guess = outs
    glen, gkey, gword = guess
    i += 1
    seen = 0
    at = 31 * 32 + 31  # guess slot: the previous key (31 before the first) and the type code
    et = 31  # the type code, 31 until seen
    first = True
    while True:
        g = glen[at]
        if (
            g
            and i + 24 < n  # same_bytes reads p[i:i + 24]; p[i + g] (g <= 24) is read too
            and p[i + g] != 32
            and p[i + g] != 9
            and same_bytes(p, i, gword, 6 * at)
        ):
            f = np.int64(gkey[at])
            i += g
        else:
            j = i
            if not first:
                i = skip_blanks(p, i, n)
                if i < n and p[i] == 125:  # '}'
                    return i + 1, seen
                if i >= n or p[i] != 44:  # ','
                    return -1, 0
                i = skip_blanks(p, i + 1, n)
            if i >= n or p[i] != 34:
                return -1, 0
            size, w1, w2 = read_plain(p, i + 1, n)
            if size >= 0:
                f = word_name(w1, w2, keys)
                i += size + 2
            else:
                f, i = read_name(p, i + 1, n, keys)
            if f < 0:
                return -1, 0
            i = skip_blanks(p, i, n)
            if i >= n or p[i] != 58:  # ':'
                return -1, 0
            i = skip_blanks(p, i + 1, n)
            if i >= n:
                return -1, 0
            if i - j <= 24 and j + 24 <= n:
                remember(p, j, i - j, gword, 6 * at)
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
            size, w1, w2 = read_plain(p, i + 1, n)
            if size >= 0:  # the common case: short, plain ASCII
                if k == ID:
                    out_id[row] = fnv_words(w1, w2, size)
                elif k == KEEP:
                    s = slot[f]
                    span[2 * s] = i + 1
                    span[2 * s + 1] = i + 1 + size
                    keys2[2 * s] = w1
                    keys2[2 * s + 1] = w2
                elif k == TYPE or k == SOURCE:
                    t = word_name(w1, w2, types if k == TYPE else sources)
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
                    t, i = read_name(p, i + 1, n, types)
                    out_etype[row] = t
                    et = t
                    at = f * 32 + et
                else:
                    t, i = read_name(p, i + 1, n, sources)
                    out_source[row] = t
                if t < 0:
                    return -1, 0
            elif k == SKIP:
                i = skip_string(p, i + 1, n)
                if i < 0:
                    return -1, 0
                i += 1
            else:
                e, h = hash_string(p, i + 1, n)
                if e < 0:
                    return -1, 0
                if k == ID:
                    out_id[row] = h
                else:
                    s = slot[f]
                    span[2 * s] = i + 1
                    span[2 * s + 1] = e
                    keys2[2 * s] = h
                    keys2[2 * s + 1] = ALL_ONES  # no read_plain word: compare the bytes
                i = e + 1
        elif k == NUMBER:
            i, x = read_number(p, i, n)
            if i < 0:
                return -1, 0
            out_nums[slot[f] * cap + row] = x
        else:
            i, v = read_integer(p, i, n, k != COUNT)
            if i < 0:
                return -1, 0
            if k == TS:
                out_ts[row] = v
            elif k == COUNT:
                out_nums[slot[f] * cap + row] = float(v)


@nb.njit(cache=True, nogil=True)
def _key_slot(k1: np.uint64, k2: np.uint64, mask: int) -> int:
    h = (k1 * np.uint64(MIX1)) ^ (k2 * np.uint64(MIX2))
    return np.int64((h >> np.uint64(32)) & np.uint64(mask))


@nb.njit(cache=True, nogil=True)
def _intern(p, lo, hi, k1, k2, table, mask, uniques, ukeys, nu, text, used):
    """Index of p[lo:hi] among the distinct strings, added when new: (index, count, bytes of
    ``text`` used). A string is known by its two read_plain words, or (k2 all ones) by its hash and
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
            if k2 != ALL_ONES:
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
def rehash(table, ukeys, nu):
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
    strings, careful lines). Only pointers and numbers here (see data_ptr)."""
    keys, kind, slot, types, sources, required, base, no_source, keep_bit, n_keep, n_nums = spec
    out_id, out_ts, out_etype, out_source, out_nums, out_codes, span, keys2, guess = outs
    table, tsize, uniques, ukeys, ucap, text, slow, scap = store
    filled = rows  # rows from here on are NaN in every number column up to ``filled``
    while i < n:
        if nu + n_keep > ucap or 2 * (nu + n_keep) > tsize or ns == scap:
            break
        start = i
        i = skip_blanks(p, i, n)
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
            e, seen = _object(p, i, n, rows, cap, spec, outs)
            if e >= 0 and (seen & base) == base:
                e = skip_blanks(p, e, n)
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
def scan(
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
    scratch,
    i,
    rows,
    nu,
    ns,
    used,
):
    """scan_lines' kernel, from position i until the end or until table, uniques or slow is
    full: (position, rows, distinct strings, careful lines, text bytes used).

    Every array whose pointer the walk keeps is an argument, so the caller holds it for the
    whole call: numba frees a local array right after its last use by name, and a pointer
    taken from a local array (``scratch`` once was local) points into freed heap while
    ``_lines`` writes through it, corrupting whatever another thread allocated there."""
    spec = (
        name_pointers(lay.keys),
        data_ptr(lay.kind),
        data_ptr(lay.slot),
        name_pointers(lay.types),
        name_pointers(lay.sources),
        data_ptr(lay.required),
        lay.base,
        len(lay.sources.size),
        data_ptr(lay.keep_bit),
        len(lay.keep_bit),
        lay.n_nums,
    )
    span, keys2, glen, gkey, gword = scratch
    glen[:] = 0  # _object's guesses, none yet
    outs = (
        data_ptr(id_hash),
        data_ptr(ts),
        data_ptr(etype),
        data_ptr(source),
        data_ptr(nums),
        data_ptr(codes),
        data_ptr(span),
        data_ptr(keys2),
        (data_ptr(glen), data_ptr(gkey), data_ptr(gword)),
    )
    store = (
        data_ptr(table),
        len(table),
        data_ptr(uniques),
        data_ptr(ukeys),
        len(ukeys),
        data_ptr(text),
        data_ptr(slow),
        len(slow),
    )
    return _lines(data_ptr(buf), i, len(buf), len(ts), rows, nu, ns, used, spec, outs, store)


def scratch(n_keep: int) -> tuple[np.ndarray, ...]:
    """The kernel's working arrays (kept strings' spans and words, _object's guesses), made
    by the caller and passed to ``scan``, which must not own them (see ``scan``)."""
    return (
        np.empty(2 * n_keep, dtype=np.int64),
        np.empty(2 * n_keep, dtype=np.uint64),
        np.zeros(32 * 32, dtype=np.int8),
        np.empty(32 * 32, dtype=np.int8),
        np.empty(6 * 32 * 32, dtype=np.uint64),
    )
