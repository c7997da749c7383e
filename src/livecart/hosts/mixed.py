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
    draws: int = 0,
    seed: int = 0,
    floor: float = 1e-4,
) -> MixedFit:
    """REML fit. ``resid_group[i]`` is observation i's residual-variance group; ``known_var``
    adds a known variance per observation (sampling noise of a log count).

    With ``draws`` > 0 the variance components are not plugged in but integrated over: their
    posterior is the REML likelihood (the fixed effects integrated out under a flat prior) times
    a half-normal(0, 1) prior on each standard deviation (weakly informative on a log scale,
    where a spread of 1 is a factor of e; Gelman 2006), sampled by importance
    sampling from a Student-t around its mode; the fit's ``beta``, ``u`` and ``cov`` are then the
    posterior mean and covariance of the effects mixed over those draws, so an interval also
    carries the uncertainty of the variance components (which a plug-in estimate from a
    handful of hosts leaves out: with 8 to 10 hosts of a kind, REML often puts a variance at
    zero)."""
    # Matrices here are a few hundred wide: one BLAS thread is ten times faster than several
    # competing for two cores.
    with threadpool_limits(1):
        post = _Posterior(y, x, blocks, n_groups, resid_group, known_var, floor, draws > 0)
        theta = post.mode()
        if draws > 0:
            b, cov, s2g, s2e = post.mixture(theta, draws, np.random.default_rng([seed, 31]))
        else:
            got = post.solve(theta)
            if got is None:  # pragma: no cover - only with a degenerate design
                raise ValueError("the mixed model could not be fitted (singular design)")
            _obj, b, cf, s2g, s2e = got
            cov = linalg.cho_solve(cf, np.eye(len(b)))
    p = x.shape[1]
    offsets = list(np.cumsum([0] + [blk.n_levels for blk in blocks[:-1]]))
    return MixedFit(b[:p], b[p:], [int(o) for o in offsets], cov, s2g, s2e, p)


LOG_VAR_BOUNDS = (-12.0, 6.0)


class _Posterior:
    """-2 log REML likelihood of the log variance components, optionally with the prior."""

    def __init__(self, y, x, blocks, n_groups, resid_group, known_var, floor, prior) -> None:
        n, self.p = x.shape
        z, self.gidx = _design(blocks, n)
        self.known = np.zeros(n) if known_var is None else np.asarray(known_var, float)
        self.resid_group = np.asarray(resid_group, int)
        n_res = int(self.resid_group.max()) + 1 if n else 1
        self.y, self.w = y, np.hstack([x, z])
        self.n_groups, self.floor, self.prior = n_groups, floor, prior
        var0 = max(float(np.var(y)) if n > 1 else 0.1, 0.01)
        self.start = np.log(np.r_[np.full(n_groups, var0 / 4), np.full(n_res, var0 / 2)])

    def solve(self, theta: np.ndarray):
        g = self.n_groups
        s2g, s2e = np.exp(theta[:g]) + self.floor, np.exp(theta[g:]) + self.floor
        r = s2e[self.resid_group] + self.known
        wr = self.w / r[:, None]
        c = self.w.T @ wr
        ginv = 1.0 / s2g[self.gidx]
        c[self.p :, self.p :] += np.diag(ginv)
        try:
            cf = linalg.cho_factor(c, lower=True)
        except linalg.LinAlgError:
            return None
        rhs = wr.T @ self.y
        b = linalg.cho_solve(cf, rhs)
        ypy = float(self.y @ (self.y / r) - b @ rhs)
        logdet = 2 * np.log(np.diag(cf[0])).sum()
        obj = np.log(r).sum() - np.log(ginv).sum() + logdet + ypy
        if self.prior:  # half-normal(0, 1) on each sd, as a density of log variance
            obj += float(np.sum(np.exp(theta) - theta))
        return obj, b, cf, s2g, s2e

    def objective(self, theta: np.ndarray) -> float:
        got = self.solve(np.clip(theta, *LOG_VAR_BOUNDS))
        return 1e12 if got is None else got[0]

    def mode(self) -> np.ndarray:
        res = optimize.minimize(
            self.objective, self.start, method="L-BFGS-B", bounds=[LOG_VAR_BOUNDS] * len(self.start)
        )
        return np.clip(res.x, *LOG_VAR_BOUNDS)

    def hessian(self, theta: np.ndarray, h: float = 0.15) -> np.ndarray:
        """Central differences of the objective (-2 log posterior) in log variance."""
        k = len(theta)
        f0 = self.objective(theta)
        hess = np.zeros((k, k))
        e = np.eye(k) * h
        fp = np.array([self.objective(theta + e[i]) for i in range(k)])
        fm = np.array([self.objective(theta - e[i]) for i in range(k)])
        for i in range(k):
            hess[i, i] = (fp[i] - 2 * f0 + fm[i]) / h**2
            for j in range(i):
                fpp = self.objective(theta + e[i] + e[j])
                hess[i, j] = hess[j, i] = (fpp - fp[i] - fp[j] + f0) / h**2
        return hess

    def mixture(self, theta: np.ndarray, draws: int, rng: np.random.Generator):
        """Importance draws of the log variances from a t(4) around the mode (scale from the
        Hessian of -log posterior, i.e. half the objective's); the effects' mixture moments."""
        vals, vecs = np.linalg.eigh(self.hessian(theta) / 2)
        scale = vecs @ np.diag(1.0 / np.sqrt(np.clip(vals, 0.25, None))) @ vecs.T
        nu, k = 4.0, len(theta)
        zs = rng.standard_normal((draws, k))
        chi = rng.chisquare(nu, draws) / nu
        t = zs / np.sqrt(chi)[:, None]
        thetas = theta + t @ scale.T
        logq = -(nu + k) / 2 * np.log1p((t**2).sum(1) / nu)
        sols, logw = [], []
        for th, lq in zip(thetas, logq, strict=True):
            inside = np.all((th >= LOG_VAR_BOUNDS[0]) & (th <= LOG_VAR_BOUNDS[1]))
            got = self.solve(th) if inside else None
            if got is not None:
                sols.append(got)
                logw.append(-got[0] / 2 - lq)
        if not sols:  # pragma: no cover - every draw singular
            raise ValueError("the mixed model could not be fitted (singular design)")
        wts = np.exp(np.array(logw) - max(logw))
        wts /= wts.sum()
        n_b = len(sols[0][1])
        mean = sum(wt * s[1] for wt, s in zip(wts, sols, strict=True))
        cov = np.zeros((n_b, n_b))
        for wt, s in zip(wts, sols, strict=True):
            if wt < 1e-6:
                continue
            d = s[1] - mean
            cov += wt * (linalg.cho_solve(s[2], np.eye(n_b)) + np.outer(d, d))
        s2g = sum(wt * s[3] for wt, s in zip(wts, sols, strict=True))
        s2e = sum(wt * s[4] for wt, s in zip(wts, sols, strict=True))
        return mean, cov, s2g, s2e


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
