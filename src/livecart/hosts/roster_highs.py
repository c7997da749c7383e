"""A cross-check of the CP-SAT roster with a second solver: the same 0-1 program
(``roster.constraint_rows``) solved as a MILP by HiGHS (Huangfu & Hall 2018) through
``scipy.optimize.milp``, so no extra dependency. Its objective uses the values as they are
(CP-SAT's is rounded to integers at a 0.01% resolution), so two proven optima agree to within
that rounding."""

from __future__ import annotations

import time

import numpy as np
from scipy import optimize, sparse

from livecart.hosts.roster import Roster, RosterRequest, _frames, constraint_rows


def solve_roster_highs(req: RosterRequest, time_limit: float = 10.0) -> Roster:
    t0 = time.perf_counter()
    pairs, rows = constraint_rows(req)
    n = len(pairs)
    data, r_idx, c_idx, lo, hi = [], [], [], [], []
    for r, (idx, coefs, rhs, equal) in enumerate(rows):
        data += coefs
        r_idx += [r] * len(idx)
        c_idx += idx
        lo.append(rhs if equal else -np.inf)
        hi.append(rhs)
    a = sparse.csr_array((data, (r_idx, c_idx)), shape=(len(rows), n))
    value = np.array([req.value[i, j] for i, j in pairs], float)
    res = optimize.milp(
        -value,
        integrality=np.ones(n),
        bounds=optimize.Bounds(0, 1),
        constraints=optimize.LinearConstraint(a, lo, hi) if rows else (),
        options={"time_limit": time_limit},
    )
    status = {0: "OPTIMAL", 1: "FEASIBLE"}.get(res.status, "INFEASIBLE")
    if res.x is None:
        return Roster(status, 0.0, 0.0, time.perf_counter() - t0, *_frames(req, []))
    chosen = [pairs[k] for k in np.flatnonzero(res.x > 0.5)]
    objective = float(sum(req.value[i, j] for i, j in chosen))
    bound = -float(getattr(res, "mip_dual_bound", -objective) or -objective)
    gap = max(0.0, (bound - objective) / bound) if bound > 0 else 0.0
    return Roster(
        status, objective, bound, time.perf_counter() - t0, *_frames(req, chosen), gap=gap
    )
