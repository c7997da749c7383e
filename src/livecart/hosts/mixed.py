"""A small Gaussian linear mixed model: fixed effects plus independent random-effect blocks, each
block's levels drawn from N(0, sigma_g^2), and residuals N(0, sigma_e^2 + known_i) whose
variance may differ by group. Variance components are fitted by REML (Patterson & Thompson
1971) through Henderson's mixed-model equations, so every evaluation costs one dense Cholesky of
size (fixed + random effects), not of the number of observations:

    -2 l_REML = log|R| + log|G| + log|C| + y'Py,  C = W'R^-1 W + diag(0, G^-1),  W = [X Z]

(Searle, Casella & McCulloch 1992, ch. 6). ``C^-1`` is the joint covariance of the fixed
effects and of the random effects' prediction errors (Henderson 1975), which gives every linear
combination of them (a host's effect, a contrast between hosts) its interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize
from threadpoolctl import threadpool_limits


@dataclass
class Block:
    """A random effect: ``level[i]`` is observation i's level (-1: not in this block);
    ``group[k]`` names level k's variance component (``groups`` are shared across blocks)."""

    name: str
    level: np.ndarray
    n_levels: int
    group: np.ndarray  # (n_levels,) variance-component index


@dataclass
class MixedFit:
    beta: np.ndarray
    u: np.ndarray  # all blocks' levels, concatenated in block order
    offsets: list[int]  # start of each block in u
    cov: np.ndarray  # C^-1: covariance of (beta, u - u_true)
    sigma2: np.ndarray  # per variance component
    sigma2_resid: np.ndarray  # per residual group
    n_fixed: int

    def block(self, k: int) -> slice:
        end = self.offsets[k + 1] if k + 1 < len(self.offsets) else len(self.u)
        return slice(self.offsets[k], end)


def full_rank_columns(x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Indices of a maximal set of linearly independent columns, in their original order."""
    if x.shape[1] == 0:
        return np.arange(0)
    _q, r, piv = linalg.qr(x, mode="economic", pivoting=True)
    d = np.abs(np.diag(r))
    rank = int((d > tol * max(d[0], 1.0)).sum()) if len(d) else 0
    return np.sort(piv[:rank])


def fit_mixed(
    y: np.ndarray,
    x: np.ndarray,
    blocks: list[Block],
    n_groups: int,
    resid_group: np.ndarray,
    known_var: np.ndarray | None = None,
    floor: float = 1e-4,
) -> MixedFit:
    """REML fit. ``resid_group[i]`` is observation i's residual-variance group; ``known_var``
    adds a known variance per observation (sampling noise of a log count)."""
    # Matrices here are a few hundred wide: one BLAS thread is ten times faster than several
    # competing for two cores.
    with threadpool_limits(1):
        return _fit(y, x, blocks, n_groups, resid_group, known_var, floor)


def _fit(y, x, blocks, n_groups, resid_group, known_var, floor) -> MixedFit:
    n, p = x.shape
    z, gidx = _design(blocks, n)
    known = np.zeros(n) if known_var is None else np.asarray(known_var, float)
    n_res = int(resid_group.max()) + 1 if n else 1
    w = np.hstack([x, z])
    var0 = max(float(np.var(y)) if n > 1 else 0.1, 0.01)
    start = np.log(np.r_[np.full(n_groups, var0 / 4), np.full(n_res, var0 / 2)])

    def solve(theta: np.ndarray):
        s2g, s2e = np.exp(theta[:n_groups]) + floor, np.exp(theta[n_groups:]) + floor
        r = s2e[resid_group] + known
        wr = w / r[:, None]
        c = w.T @ wr
        ginv = 1.0 / s2g[gidx]
        c[p:, p:] += np.diag(ginv)
        try:
            cf = linalg.cho_factor(c, lower=True)
        except linalg.LinAlgError:
            return None
        rhs = wr.T @ y
        b = linalg.cho_solve(cf, rhs)
        ypy = float(y @ (y / r) - b @ rhs)
        logdet = 2 * np.log(np.diag(cf[0])).sum()
        obj = np.log(r).sum() - np.log(ginv).sum() + logdet + ypy
        return obj, b, cf, s2g, s2e

    def objective(theta: np.ndarray) -> float:
        got = solve(np.clip(theta, -12, 6))
        return 1e12 if got is None else got[0]

    res = optimize.minimize(objective, start, method="L-BFGS-B", bounds=[(-12, 6)] * len(start))
    got = solve(np.clip(res.x, -12, 6))
    if got is None:  # pragma: no cover - only with a degenerate design
        raise ValueError("the mixed model could not be fitted (singular design)")
    _obj, b, cf, s2g, s2e = got
    cov = linalg.cho_solve(cf, np.eye(len(b)))
    offsets = list(np.cumsum([0] + [blk.n_levels for blk in blocks[:-1]]))
    return MixedFit(b[:p], b[p:], [int(o) for o in offsets], cov, s2g, s2e, p)


def _design(blocks: list[Block], n: int) -> tuple[np.ndarray, np.ndarray]:
    cols, groups = [], []
    for blk in blocks:
        zb = np.zeros((n, blk.n_levels))
        has = blk.level >= 0
        zb[np.flatnonzero(has), blk.level[has]] = 1.0
        cols.append(zb)
        groups.append(blk.group)
    if not cols:
        return np.zeros((n, 0)), np.zeros(0, int)
    return np.hstack(cols), np.concatenate(groups).astype(int)
