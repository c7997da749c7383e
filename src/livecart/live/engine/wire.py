"""The JSON-lines event scanner: ``scan_lines`` reads events straight from the bytes (about
110 ns a line on one core): numbers, type codes, id hashes and the distinct strings, with every
line it cannot read exactly handed back for json.loads (see columns.parse_lines). ``layout``
says, once, what it does with each field.

The work is done by numba kernels, compiled once and cached on disk: the token readers
(tokens.py) and the line and object walk (scan_kernel.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from livecart.live.engine.scan_kernel import rehash, scan, scratch
from livecart.live.engine.tokens import ID, TS, TYPE, NameSet, name_set

# ---------------------------------------------------------------------------------------------
# JSON-lines event scanner
#
# scan_lines walks the raw bytes once. A line it fully understands becomes a row; any other
# non-blank line is handed back as a byte span for the careful path (json.loads), so the result
# never depends on the scanner guessing: it accepts a strict subset of JSON whose decoding is
# unambiguous (no null/true/false, no nesting, no repeated or unknown keys, numbers it converts
# exactly, strings it validates as UTF-8).


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
    work = scratch(n_keep)
    while True:
        state = scan(buf, lay, *out, table, uniques, ukeys, slow, work, *state)
        i, rows, nu, ns, used = state
        if i >= len(buf):
            break
        if 2 * (nu + n_keep) > len(table):
            table = rehash(table, ukeys, nu)
        if nu + n_keep > len(ukeys):
            uniques = np.concatenate((uniques, np.empty_like(uniques)))
            ukeys = np.concatenate((ukeys, np.empty_like(ukeys)))
        if ns == len(slow):
            slow = np.concatenate((slow, np.empty_like(slow)))
    id_hash, ts, etype, source, nums, codes, text = out
    return Scan(rows, id_hash, ts, etype, source, nums, codes, uniques[:nu], text[:used], slow[:ns])
