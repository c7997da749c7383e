"""The BG/NBD log-likelihood (Fader, Hardie and Lee 2005, equation 6) and its gradient, fast on
many histories.

Every term of equation (6) depends on one of ``x``, ``T`` or ``t_x`` (and the buyer's covariate
group), never on a pair of them: ``lgamma(r + x)`` and the beta functions on ``x``,
``log(alpha + T)`` on ``T``, ``log(alpha + t_x)`` on ``t_x``. So they are computed once per
distinct value (a few hundred: times are whole days) and gathered per history; the per-history
work is a handful of additions and one ``logaddexp``. 1 million buyers, ~460,000 distinct
histories, cost ~20 ms a likelihood-and-gradient.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln

from livecart.fans.histories import Histories


class GridLikelihood:
    """Negative mean log-likelihood and gradient over ``theta = [log r, log alpha, log a, log b,
    beta (k), gamma_b (k)]``; times divided by ``scale`` weeks for conditioning."""

    def __init__(self, h: Histories, scale: float) -> None:
        self.k = h.z.shape[1]
        self.ux, self.xi = np.unique(h.x, return_inverse=True)
        self.uT, self.Ti = np.unique(h.T / scale, return_inverse=True)
        self.ut, self.ti = np.unique(h.t_x / scale, return_inverse=True)
        if self.k:
            self.uz, self.zi = np.unique(h.z, axis=0, return_inverse=True)
            self.zi = self.zi.ravel()
        else:
            self.uz, self.zi = np.zeros((1, 0)), np.zeros(len(h.x), dtype=np.int64)
        self.w = h.weight
        self.n = float(h.weight.sum())
        self.x = h.x
        self.repeat = h.x > 0
        # weighted covariate rows for the coefficient gradients
        self.wz = h.weight[:, None] * h.z
        # buyers per distinct x: terms that depend on x alone are summed as grid @ weight
        self.wx = np.bincount(self.xi, weights=h.weight, minlength=len(self.ux))

    def __call__(self, theta: np.ndarray, gradient: bool = True):
        return self._one_group(theta, gradient) if not self.k else self._general(theta, gradient)

    def _one_group(self, theta: np.ndarray, gradient: bool):
        """No covariates: the x-only terms of the value and of the r, a and b gradients are
        summed over the distinct-x grid (weights per x) instead of gathered per history."""
        r, alpha, a, b = np.exp(theta[:4])
        ux, xi, w, n = self.ux, self.xi, self.w, self.n
        LT = np.log(alpha + self.uT)[self.Ti]
        LX = np.log(alpha + self.ut)[self.ti]
        stay_g = betaln(a, b + ux) - betaln(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            drop_g = np.where(ux > 0, betaln(a + 1, b + ux - 1) - betaln(a, b), -np.inf)
        rx = r + self.x
        gap = LT - LX
        stay = stay_g[xi]
        drop = drop_g[xi] + rx * gap
        gap_sd = drop - stay
        e = np.exp(-np.abs(gap_sd))
        mix = np.maximum(stay, drop) + np.log1p(e)
        lga = np.log(alpha)
        wx = self.wx
        total = r * lga * n + wx @ (gammaln(r + ux) - gammaln(r)) - np.sum(w * rx * LT)
        value = -float(total + np.sum(w * mix)) / n
        if not gradient:
            return value
        ww_drop = w * (np.where(gap_sd > 0, 1.0, e) / (1 + e))
        wd = np.bincount(xi, weights=ww_drop, minlength=len(ux))
        d_r = n * lga + wx @ (digamma(r + ux) - digamma(r)) - np.sum(w * LT) + ww_drop @ gap
        IT = (1 / (alpha + self.uT))[self.Ti]
        IX = (1 / (alpha + self.ut))[self.ti]
        d_alpha = n * r / alpha - np.sum(w * rx * IT) + np.sum(ww_drop * rx * (IT - IX))
        psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux)
        with np.errstate(invalid="ignore"):
            psi_b1 = np.where(ux > 0, digamma(b + ux - 1), 0.0)
        psi_bx, psi_b = digamma(b + ux), digamma(b)
        da_stay = psi_ab - psi_abx
        da_drop = 1 / a - psi_abx + psi_ab
        db_stay = psi_bx - psi_abx - psi_b + psi_ab
        db_drop = psi_b1 - psi_abx - psi_b + psi_ab
        d_a = wx @ da_stay + wd @ (da_drop - da_stay)
        d_b = wx @ db_stay + wd @ (db_drop - db_stay)
        grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
        return value, -grad / n

    def _general(self, theta: np.ndarray, gradient: bool):
        k = self.k
        r, alpha0, a, b0 = np.exp(theta[:4])
        g = self.uz
        alpha = alpha0 * np.exp(-g @ theta[4 : 4 + k]) if k else np.array([alpha0])
        b = b0 * np.exp(g @ theta[4 + k :]) if k else np.array([b0])
        ux = self.ux[:, None]
        # grids: (distinct x | T | t_x) by covariate group
        log_at = np.log(alpha[None, :] + self.uT[:, None])
        log_ax = np.log(alpha[None, :] + self.ut[:, None])
        stay_g = betaln(a, b[None, :] + ux) - betaln(a, b)[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            drop_g = betaln(a + 1, b[None, :] + ux - 1) - betaln(a, b)[None, :]
        drop_g = np.where(ux > 0, drop_g, -np.inf)
        xi, Ti, ti, zi = self.xi, self.Ti, self.ti, self.zi
        rx = r + self.x
        if not k:  # one group: plain 1-D gathers are much faster than 2-D ones
            log_at, log_ax, stay_g, drop_g = (v[:, 0] for v in (log_at, log_ax, stay_g, drop_g))
            Ti, ti, xi = (Ti,), (ti,), (xi,)
        else:
            Ti, ti, xi = (Ti, zi), (ti, zi), (xi, zi)
        LT, LX = log_at[Ti], log_ax[ti]
        lga = np.log(alpha)[zi] if k else np.log(alpha0)
        base = r * lga + (gammaln(r + self.ux) - gammaln(r))[self.xi] - rx * LT
        stay = stay_g[xi]
        drop = drop_g[xi] + rx * (LT - LX)
        # logaddexp(stay, drop) and the dropout branch's share from one exp and one log1p
        gap_sd = drop - stay
        e = np.exp(-np.abs(gap_sd))
        mix = np.maximum(stay, drop) + np.log1p(e)
        w = self.w
        value = -float(np.sum(w * (base + mix))) / self.n
        if not gradient:
            return value
        w_drop = np.where(gap_sd > 0, 1.0, e) / (1 + e)
        w_stay = 1 - w_drop
        gap = LT - LX
        d_r = lga + (digamma(r + self.ux) - digamma(r))[self.xi] - LT + w_drop * gap
        inv_t = 1 / (alpha[None, :] + self.uT[:, None])
        inv_x = 1 / (alpha[None, :] + self.ut[:, None])
        if not k:
            inv_t, inv_x = inv_t[:, 0], inv_x[:, 0]
        IT, IX = inv_t[Ti], inv_x[ti]
        d_alpha = r / (alpha[zi] if k else alpha0) - rx * IT + w_drop * rx * (IT - IX)
        psi_ab = digamma(a + b)[None, :]
        psi_abx = digamma(a + b[None, :] + ux)
        with np.errstate(invalid="ignore"):
            psi_b1 = np.where(ux > 0, digamma(b[None, :] + ux - 1), 0.0)
        psi_bx = digamma(b[None, :] + ux)
        psi_b = digamma(b)[None, :]
        da_stay = psi_ab - psi_abx
        da_drop = 1 / a - psi_abx + psi_ab
        db_stay = psi_bx - psi_abx - psi_b + psi_ab
        db_drop = psi_b1 - psi_abx - psi_b + psi_ab
        if not k:
            da_stay, da_drop, db_stay, db_drop = (
                v[:, 0] for v in (da_stay, da_drop, db_stay, db_drop)
            )
        d_a = w_stay * da_stay[xi] + w_drop * da_drop[xi]
        d_b = w_stay * db_stay[xi] + w_drop * db_drop[xi]
        g_alpha = d_alpha * (alpha[zi] if k else alpha0)
        g_b = d_b * (b[zi] if k else b0)
        grad = [
            np.sum(w * d_r) * r,
            np.sum(w * g_alpha),
            np.sum(w * d_a) * a,
            np.sum(w * g_b),
        ]
        if k:
            grad += list(-(g_alpha @ self.wz)) + list(g_b @ self.wz)
        return value, -np.asarray(grad, dtype=float) / self.n
