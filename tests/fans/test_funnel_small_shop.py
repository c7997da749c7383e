"""The funnel on a small shop whose first purchases were none of them in a live (the sample
workspace): every grouping answers instead of failing on an empty join."""

from __future__ import annotations

import pytest

from livecart.fans.funnel import BY, funnel
from livecart.fans.purchases import load_purchases
from tests.report.sample_workspace import fill


@pytest.mark.parametrize("by", list(BY))
def test_funnel_by_every_grouping_on_a_shop_with_no_live_first_purchases(ws, by):
    sample = fill(ws)
    out = funnel(sample, load_purchases(sample), by)
    assert {"first_purchases", "follow_rate", "fans_per_1000_viewers"} <= set(out.columns)
    if by == "product":
        # no first purchase happened in a live, so no product is credited with one
        assert out["first_purchases"].sum() == 0
