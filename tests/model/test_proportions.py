"""The Wilson score interval against Newcombe's published table."""

from __future__ import annotations

import numpy as np
import pytest

from livecart.model.proportions import wilson


@pytest.mark.parametrize(
    "k, n, low, high",
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998_table_i(k, n, low, high):
    """Newcombe, "Two-sided confidence intervals for the single proportion: comparison of
    seven methods", Statistics in Medicine 1998, Table I (95%, method 3), to 4 decimals."""
    lo, hi = wilson(k, n, level=0.95)
    assert (round(float(lo), 4), round(float(hi), 4)) == (low, high)


def test_wilson_is_nan_without_trials():
    assert np.isnan(wilson(0, 0)).all()
