"""Buyers' purchase histories in the shape buy-till-you-die models read, grouped for speed.

A history is ``(x, t_x, T)``: ``x`` repeat purchases, the last at ``t_x`` and an observation age
``T``, both measured from the first purchase in weeks (Fader, Hardie and Lee 2005). Many buyers
share a history (every one-time buyer of the same week has ``x = 0`` and the same ``T``), so the
likelihood is evaluated once per distinct history (and covariate row) with a count as its weight:
1 million demo buyers collapse to some tens of thousands of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livecart.errors import FitError


@dataclass(frozen=True)
class Histories:
    """Distinct histories with their counts; ``inverse`` maps each buyer to its row."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    z: np.ndarray  # covariates, one column each (0 columns without covariates)
    weight: np.ndarray
    inverse: np.ndarray

    @property
    def n_buyers(self) -> int:
        return int(self.weight.sum())


def group_histories(x, t_x, T, z=None) -> Histories:
    """Collapse identical ``(x, t_x, T, z)`` rows; checks the values make a history."""
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    n = len(x)
    z = np.zeros((n, 0)) if z is None else np.asarray(z, dtype=float).reshape(n, -1)
    check_histories(x, t_x, T)
    fast = _whole_day_groups(x, t_x, T, z)
    if fast is not None:
        return fast
    cols = [x, t_x, T, *z.T]
    order = np.lexsort(cols[::-1])
    stacked = np.column_stack([c[order] for c in cols])
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = np.any(stacked[1:] != stacked[:-1], axis=1)
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    weight = np.diff(np.append(first, n)).astype(float)
    u = stacked[first]
    return Histories(u[:, 0], u[:, 1], u[:, 2], u[:, 3:], weight, inverse)


def histories_to_fit(model: str, covariates: tuple[str, ...], x, t_x, T, z=None) -> Histories:
    """`group_histories` for a repeat-purchase model's fit: ``z`` must have one column per
    covariate, and at least one buyer a repeat purchase (else `FitError` saying what to do)."""
    h = group_histories(x, t_x, T, z)
    k = len(covariates)
    if h.z.shape[1] != k:
        raise ValueError(f"z has {h.z.shape[1]} columns; expected {k} ({covariates})")
    if not np.any(h.x > 0):
        raise FitError(
            f"{model}: no buyer has a repeat purchase yet, so repeat behaviour cannot be "
            "estimated; wait for repeat orders (or import older orders)"
        )
    return h


def _whole_day_groups(x, t_x, T, z) -> Histories | None:
    """One int64 key per history when times are whole hours and z is 0/1 (one sort instead of a
    lexsort over columns); None when that does not apply."""
    td, Td = np.rint(t_x * 168), np.rint(T * 168)
    if z.shape[1] > 8 or not (
        np.allclose(td, t_x * 168, rtol=0, atol=1e-6)
        and np.allclose(Td, T * 168, rtol=0, atol=1e-6)
    ):
        return None
    if z.size and not np.isin(z, (0.0, 1.0)).all():
        return None
    tmax, xmax = int(Td.max()) + 1, int(x.max()) + 1
    if xmax * tmax * tmax * 2 ** z.shape[1] >= 2**62:
        return None
    key = (x.astype(np.int64) * tmax + td.astype(np.int64)) * tmax + Td.astype(np.int64)
    for j in range(z.shape[1]):
        key = key * 2 + z[:, j].astype(np.int64)
    _, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    return Histories(
        x[first], t_x[first], T[first], z[first], counts.astype(float), inverse.ravel()
    )


def check_histories(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    """A clear message instead of a NaN likelihood for impossible histories."""
    if not (len(x) == len(t_x) == len(T)):
        raise ValueError("x, t_x and T must have the same length")
    if len(x) == 0:
        raise ValueError("no buyers: nothing to fit")
    bad = ~np.isfinite(x) | ~np.isfinite(t_x) | ~np.isfinite(T)
    bad |= (x < 0) | (t_x < 0) | (T <= 0) | (t_x > T + 1e-9) | (np.round(x) != x)
    bad |= (x == 0) & (t_x != 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{int(bad.sum())} impossible histories, e.g. row {i}: x={x[i]}, t_x={t_x[i]}, "
            f"T={T[i]} (need whole x >= 0, 0 <= t_x <= T, T > 0, t_x = 0 when x = 0)"
        )
