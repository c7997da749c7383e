"""The scanner's kernels read and write memory through raw pointers (tokens.data_ptr), where
numba checks no bounds and keeps nothing alive. These tests catch the two ways that went wrong
(#16: CI workers died of a segfault inside scan_lines during served replays):

- a kernel taking the pointer of an array it made itself: numba frees such an array after its
  last use by name, so the scanner went on writing its guesses into freed memory that other
  threads (DuckDB, the web server) were given back;
- a read one byte past the input, which faults when the input ends at the end of a mapping.

Both run in a child process: a fault there fails the test instead of killing the test worker.
"""

from __future__ import annotations

import ast
import inspect
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from livecart.live.engine import columns as C
from livecart.live.engine import scan_kernel, tokens, wire

# Lines whose first 24 bytes after "{" all have bit 0x20 set: a guess table filled with 0x20
# bytes (freed memory under MALLOC_PERTURB_=32) would match them and derail the scan.
LINES = b"".join(
    b'{"type":"like","ts":%d,"count":1,"id":"e%d","session_id":"s1"}\n' % (1000 + k, k)
    for k in range(3000)
)

_PERTURBED = """
import json, sys
from livecart.live.engine import columns as C, tokens, wire
data = sys.stdin.buffer.read()
s = wire.scan_lines(data, C._LAYOUT)
ids = [l.split(b'"id":"')[1].split(b'"')[0].decode() for l in data.splitlines()]
same = (s.id_hash[: s.rows] == tokens.hash_strings(ids)[: s.rows]).all()
print(json.dumps({"rows": s.rows, "careful": len(s.slow), "same_ids": bool(same)}))
"""


def _child(code: str, stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", code],
        input=stdin,
        env={**os.environ, **env},
        capture_output=True,
        timeout=300,
    )


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="MALLOC_PERTURB_ is glibc's")
def test_the_scanner_never_reads_memory_it_has_freed():
    """glibc fills freed memory with the MALLOC_PERTURB_ byte: a scan reading its own freed
    guess tables sends every line to the careful path (or faults); a correct one reads them
    all itself, the same as without the setting."""
    wire.scan_lines(LINES, C._LAYOUT)  # compiled (or loaded) here: the child loads the cache
    done = _child(_PERTURBED, LINES, MALLOC_PERTURB_="32")
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().strip() == '{"rows": 3000, "careful": 0, "same_ids": true}'


_GUARD_PAGE = """
import ctypes, mmap
import numpy as np
from livecart.live.engine import columns as C, kernels, wire
PAGE = mmap.PAGESIZE
m = mmap.mmap(-1, 64 * PAGE)
base = ctypes.addressof(ctypes.c_char.from_buffer(m))
if ctypes.CDLL(None).mprotect(ctypes.c_void_p(base + 63 * PAGE), PAGE, 0) != 0:
    raise SystemExit("mprotect failed")
END = 63 * PAGE  # the next byte is unreadable

def scan_at_end(data):
    m[END - len(data):END] = data
    return wire.scan_lines(np.frombuffer(m, np.uint8, len(data), END - len(data)), C._LAYOUT)

# a 24-byte key run (comma, key, colon, blanks) the object walk remembers, then a last line
# that ends right after it: the longest guess, at the very end of the input
start = b'{"id":"a","session_id":"S","ts":1,"type":"live_start","planned_minutes":     5}\\n'
assert scan_at_end(start * 2).rows == 2
tail = start * 2 + start[:-3]
every = kernels.sample_lines(rooms=1, per_room=30) + start * 3
n = 0
for data in [tail[:k] for k in range(len(start), len(tail) + 1)] + [
    every[:k] for k in range(1, len(every) + 1)
]:
    scan_at_end(data)
    n += 1
print(n)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="mprotect through ctypes: Linux")
def test_the_scanner_reads_nothing_past_the_end_of_its_input():
    """Every cut of a recording (all event types) and a line ending in the longest guessed key,
    each placed to end exactly where an unreadable page starts: a read past the end faults."""
    wire.scan_lines(LINES, C._LAYOUT)
    done = _child(textwrap.dedent(_GUARD_PAGE))
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert int(done.stdout) > 2000


def _pointer_sources(fn: ast.FunctionDef) -> list[tuple[str, bool]]:
    """Each array a function takes a raw pointer of (data_ptr, name_pointers): its root name,
    and whether the caller holds it (a parameter, or unpacked or read from one)."""
    held = {a.arg for a in fn.args.args}
    found = []
    for node in ast.walk(fn):  # breadth first: top-level assignments before nested calls
        if isinstance(node, ast.Assign) and _root(node.value) in held:
            for target in node.targets:
                held |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
            "data_ptr",
            "name_pointers",
        ):
            root = _root(node.args[0])
            found.append((root, root in held))
    return found


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def test_kernels_take_pointers_only_of_arrays_their_caller_holds():
    """numba frees an array a kernel made itself after its last use by name; a pointer taken of
    it (and used later) points into freed memory. So pointers come only from parameters."""
    checked = []
    for module in (tokens, scan_kernel):
        tree = ast.parse(inspect.getsource(module))
        for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
            for root, held in _pointer_sources(fn):
                checked.append(root)
                assert held, f"{module.__name__}.{fn.name} takes the pointer of its own {root!r}"
    assert {"buf", "lay", "span", "glen", "gword", "s"} <= set(checked)
