"""Intervals on a proportion (k successes in n trials), shared by every package that reports a
rate or a measured coverage."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np


def wilson(k, n, level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of k successes in n trials (NaN where n = 0): Wilson, "Probable
    inference, the law of succession, and statistical inference", JASA 1927. Unlike p +- z se it
    stays inside [0, 1] and keeps its coverage near 0 or 1 and for small n."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half
