"""Maximum likelihood on log parameters with a Hessian for intervals, shared by the models.

Each model hands a negative log-likelihood over unconstrained parameters (logs of the positive
ones, raw covariate coefficients). The optimum is found with BFGS from a few starts, then
checked: a gradient that is not near zero, or a Hessian that is not positive definite, raises a
`FitError` that says why instead of returning estimates that quietly mean nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from livecart.errors import FitError


@dataclass(frozen=True)
class Optimum:
    theta: np.ndarray  # unconstrained parameters at the optimum
    cov: np.ndarray  # inverse Hessian of the negative log-likelihood (theta scale)
    log_likelihood: float


def maximize(
    neg_ll: Callable,
    starts: list[np.ndarray],
    *,
    model: str,
    bound: float = 12.0,
    jac: bool = False,
) -> Optimum:
    """Minimise ``neg_ll`` (returning ``(value, gradient)`` when ``jac``) from the first start
    that converges, trying the next ones only when it does not; check the optimum."""
    best = None
    for x0 in starts:
        x0 = np.asarray(x0, dtype=float)
        with np.errstate(all="ignore"):
            res = optimize.minimize(
                _bounded(neg_ll, bound, jac),
                x0,
                method="BFGS",
                jac=jac,
                options={"maxiter": 2000, "gtol": 1e-7},
            )
        if best is None or res.fun < best.fun:
            best = res
        if res.success and np.isfinite(res.fun):
            break
    assert best is not None

    theta = best.x
    if not np.isfinite(best.fun):
        raise FitError(f"{model}: the likelihood is not finite anywhere tried; check the data")
    if np.any(np.abs(theta) > bound - 0.5):
        raise FitError(
            f"{model}: a parameter ran to the edge of its range ({_fmt(theta)}); the data "
            "do not pin the model down (too few repeat buyers, or no variation)"
        )
    if jac:  # forward differences from the gradient at the optimum: k evaluations, not 2k
        hess = hessian_from_gradient(neg_ll, theta, gradient_at_x=best.jac)
    else:
        hess = hessian(neg_ll, theta)
    try:
        cov = np.linalg.inv(hess)
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError as e:
        raise FitError(
            f"{model}: the fit did not converge to a proper maximum (Hessian not positive "
            f"definite at {_fmt(theta)}); too little data for this model"
        ) from e
    return Optimum(theta, cov, -float(best.fun))


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian (the objective is cheap on grouped histories)."""
    k = len(x)
    out = np.empty((k, k))
    f0 = f(x)
    steps = np.eye(k) * h
    for i in range(k):
        for j in range(i, k):
            if i == j:
                v = (f(x + steps[i]) - 2 * f0 + f(x - steps[i])) / h**2
            else:
                v = (
                    f(x + steps[i] + steps[j])
                    - f(x + steps[i] - steps[j])
                    - f(x - steps[i] + steps[j])
                    + f(x - steps[i] - steps[j])
                ) / (4 * h**2)
            out[i, j] = out[j, i] = v
    return out


def hessian_from_gradient(
    f: Callable, x: np.ndarray, h: float = 1e-5, gradient_at_x: np.ndarray | None = None
) -> np.ndarray:
    """Differences of an analytic gradient (``f`` returns ``(value, gradient)``): central, or
    forward from ``gradient_at_x`` (half the evaluations, error of order ``h``)."""
    k = len(x)
    out = np.empty((k, k))
    for i in range(k):
        step = np.zeros(k)
        step[i] = h
        if gradient_at_x is None:
            out[i] = (f(x + step)[1] - f(x - step)[1]) / (2 * h)
        else:
            out[i] = (f(x + step)[1] - gradient_at_x) / h
    return (out + out.T) / 2


def draws(opt: Optimum, n: int, rng: np.random.Generator) -> np.ndarray:
    """Parameter draws from the asymptotic normal of the unconstrained parameters."""
    return rng.multivariate_normal(opt.theta, opt.cov, size=n, method="cholesky")


def _bounded(f: Callable, bound: float, jac: bool) -> Callable:
    """Non-finite values and parameters past ``bound`` become a huge value, so the line
    search backs off instead of the optimiser reporting NaN."""

    def g(theta: np.ndarray):
        bad = np.any(np.abs(theta) > bound)
        out = (1e300, np.zeros_like(theta)) if bad else f(theta)
        v = out[0] if jac else out
        if not np.isfinite(v) or (jac and not np.all(np.isfinite(out[1]))):
            return (1e300, np.zeros_like(theta)) if jac else 1e300
        return out

    return g


def _fmt(theta: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:.3g}" for v in theta) + "]"
