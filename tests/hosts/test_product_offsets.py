"""The products' fit offsets the host model learns from within-live comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livecart.hosts.product_offsets import product_offsets


def _lines(seed: int, host_shift: float) -> tuple[pd.DataFrame, pd.Series]:
    """200 lives x 2 categories x 3 SKUs drawn from 40 SKUs: log rate = cell effect (a host's
    skill, the day: here anything, including a shift for half the hosts) + the SKU's true
    offset (sd 0.3) + noise (sd 0.3) + Poisson."""
    rng = np.random.default_rng([seed, 7])
    true = pd.Series(rng.normal(0, 0.3, 40), index=[f"S{k:02d}" for k in range(40)])
    rows = []
    for live in range(200):
        host_effect = rng.normal(0, 0.5) + (host_shift if live % 2 else 0.0)
        for cat in ("a", "b"):
            pool = true.index[:20] if cat == "a" else true.index[20:]
            # Skilled hosts (odd lives) sell mostly the first half of each category's SKUs: a
            # model that let the host effect leak into the SKUs' offsets would show it there.
            many, few = (pool[:10], pool[10:]) if live % 2 else (pool[10:], pool[:10])
            picks = [*rng.choice(many, 2, replace=False), rng.choice(few)]
            for sku in picks:
                exposure = float(rng.uniform(10, 40))
                rate = np.exp(1.0 + host_effect + true[sku] + rng.normal(0, 0.3))
                units = rng.poisson(rate * exposure / 10)
                rows.append((f"L{live}", cat, sku, "US", float(units), exposure / 10))
    cols = ["session_id", "category", "sku_id", "market", "units", "exposure"]
    return pd.DataFrame(rows, columns=cols), true


def test_offsets_recover_products_fit_errors_within_lives():
    # Each SKU is sold in ~30 lives: the BLUP correlates with the true offset (r > 0.8 over
    # three seeds; ~0.9 expected), centred within each category's half sold by the same hosts.
    for seed in range(3):
        lines, true = _lines(seed, host_shift=0.0)
        got = product_offsets(lines).droplevel("market").reindex(true.index)
        assert np.corrcoef(got, true)[0, 1] > 0.8


def test_a_host_effect_does_not_leak_into_the_offsets():
    # Odd lives' hosts convert exp(1) = 2.7 times better and sell mostly one half of the SKUs
    # (a per-SKU average would put the halves ~0.33 apart): the offsets compare SKUs within a
    # live x category, so the halves' mean difference stays the truth's (within 0.1).
    lines, true = _lines(3, host_shift=1.0)
    got = product_offsets(lines).droplevel("market")
    for pool in (true.index[:20], true.index[20:]):
        first, second = pool[:10], pool[10:]
        est = got[first].mean() - got[second].mean()
        assert abs(est - (true[first].mean() - true[second].mean())) < 0.1
