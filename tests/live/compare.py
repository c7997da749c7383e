"""Comparing two batches of event columns exactly (the fast parse against the reference)."""

from __future__ import annotations

import numpy as np

from livecart.live.engine import columns as C


def assert_same(fast: C.Columns, slow: C.Columns) -> None:
    """Every array equal bit for bit (NaN payloads and signed zeros included), same dtypes,
    same malformed reasons in the same order."""
    for name in C.ARRAY_FIELDS:
        a, b = getattr(fast, name), getattr(slow, name)
        assert a.dtype == b.dtype and a.shape == b.shape, name
        if a.dtype == object:
            assert repr(a.tolist()) == repr(b.tolist()), name  # types and values
        elif a.dtype == np.float64:
            assert a.view(np.uint64).tolist() == b.view(np.uint64).tolist(), name
        else:
            assert a.tolist() == b.tolist(), name
    assert fast.malformed == slow.malformed
