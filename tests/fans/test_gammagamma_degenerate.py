"""Gamma-Gamma on spend that does not vary between buyers: a clear FitError, not a crash."""

from __future__ import annotations

import numpy as np
import pytest

from livecart.errors import FitError
from livecart.fans import GammaGammaModel


def test_equal_order_values_for_every_buyer_raise_a_fit_error_that_says_why():
    x = np.arange(1, 31)
    m = np.full(30, 25.0)
    with pytest.raises(FitError, match="does not vary between buyers"):
        GammaGammaModel().fit(x, m)
