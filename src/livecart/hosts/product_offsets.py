"""How far each line-up product sold from its fit estimate, learned from the lives themselves.

The product-testing model's fit is an input of the host model, but a fit estimated from a few
KOC test videos is off by a factor of ~1.4 (sd 0.36 on the log scale) for a typical SKU, and a
host who keeps selling the same over- or under-estimated SKUs in their market would be
credited (or blamed) for it. Every SKU is sold by several hosts across many lives, so its
error shows in how it sells **next to the other products of the same category in the same
live** (the host, the day and the category are then the same for both).

The model: ``log((units + 0.5) / exposure) = cell + d_sku,market + e``, one fixed effect per
live x category (so the comparison stays within a cell and no host effect can leak into ``d``),
``d ~ N(0, tau^2)``, ``e ~ N(0, sigma^2 + 1 / (units + 0.5))``. The variances are fitted by
REML (Patterson & Thompson 1971) with the cells profiled out through a Schur complement, so
one evaluation costs a Cholesky of the SKU block only; ``d`` is its BLUP (Henderson 1975), a
shrunken correction that stays near 0 for a SKU seen in few lives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg, optimize, sparse
from threadpoolctl import threadpool_limits

PSEUDO = 0.5
LOG_VAR_BOUNDS = (-10.0, 3.0)


def product_offsets(lines: pd.DataFrame) -> pd.Series:
    """Log correction of each (sku_id, market)'s fit from within-live x category comparisons
    (0 for a SKU never sold beside another of its category). ``lines`` needs session_id,
    category, sku_id, market, units and exposure."""
    key = lines["sku_id"].astype(str) + "|" + lines["market"].astype(str)
    cell = lines["session_id"].astype(str) + "|" + lines["category"].astype(str)
    skus, sku_idx = np.unique(key.to_numpy(), return_inverse=True)
    _cells, cell_idx = np.unique(cell.to_numpy(), return_inverse=True)
    units = lines["units"].to_numpy(float)
    y = np.log((units + PSEUDO) / lines["exposure"].to_numpy(float))
    problem = _Problem(y, 1.0 / (units + PSEUDO), sku_idx, cell_idx)
    with threadpool_limits(1):
        res = optimize.minimize(
            problem.objective,
            np.log([0.05, 0.05]),
            method="L-BFGS-B",
            bounds=[LOG_VAR_BOUNDS] * 2,
        )
        d = problem.blup(res.x)
    index = pd.MultiIndex.from_arrays(
        [[s.split("|", 1)[0] for s in skus], [s.split("|", 1)[1] for s in skus]],
        names=["sku_id", "market"],
    )
    return pd.Series(d, index=index, name="offset")


class _Problem:
    def __init__(self, y, known, sku_idx, cell_idx) -> None:
        n = len(y)
        self.y, self.known = y, known
        rows = np.arange(n)
        self.zs = sparse.csr_matrix((np.ones(n), (rows, sku_idx)))
        self.xg = sparse.csr_matrix((np.ones(n), (rows, cell_idx)))
        self.n_sku = self.zs.shape[1]

    def _parts(self, theta):
        tau2, sig2 = np.exp(theta)
        w = 1.0 / (sig2 + self.known)
        wd = sparse.diags(w)
        d = np.asarray(self.xg.T @ w).ravel()  # per cell: sum of weights
        b = self.xg.T @ (w * self.y)
        rs = self.zs.T @ (w * self.y)
        bm = (self.zs.T @ wd @ self.xg).tocsr()  # sku x cell
        a = np.asarray(self.zs.T @ w).ravel()
        s = (bm @ sparse.diags(1.0 / d) @ bm.T).toarray()
        s = np.diag(a + 1.0 / tau2) - s
        rhs = rs - bm @ (b / d)
        cf = linalg.cho_factor(s, lower=True)
        return tau2, w, d, b, cf, rhs

    def objective(self, theta) -> float:
        tau2, w, d, b, cf, rhs = self._parts(np.clip(theta, *LOG_VAR_BOUNDS))
        sol = linalg.cho_solve(cf, rhs)
        ypy = float(self.y @ (w * self.y) - b @ (b / d) - rhs @ sol)
        logdet = np.log(d).sum() + 2 * np.log(np.diag(cf[0])).sum()
        return float(-np.log(w).sum() + self.n_sku * np.log(tau2) + logdet + ypy)

    def blup(self, theta) -> np.ndarray:
        _tau2, _w, _d, _b, cf, rhs = self._parts(theta)
        return linalg.cho_solve(cf, rhs)


def with_offsets(lines: pd.DataFrame, offsets: pd.Series) -> pd.DataFrame:
    """``lines`` with each line's exposure multiplied by ``exp`` of its product's offset."""
    key = pd.MultiIndex.from_arrays([lines["sku_id"], lines["market"]])
    d = offsets.reindex(key).fillna(0.0).to_numpy()
    return lines.assign(exposure=lines["exposure"] * np.exp(d))
