"""Per-SKU part of the monitor: product impressions, clicks, add-to-carts, orders, units and GMV
per SKU, stock snapshots and the units sold since, for stock left and the stock-out estimate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from livecart.live import columns as C
from livecart.live.state import SKU_METRICS

_T = C.TYPE_CODE
_SKU_TYPES = {"product_impression": 0, "product_click": 1, "add_to_cart": 2, "order": 3}


def add_sku_rows(rows: C.Columns, codes: np.ndarray, minute: np.ndarray, states: list) -> None:
    """Fold the SKU-bearing rows of a batch into the sessions' SkuState objects."""
    et = rows.etype
    metric = np.full(len(rows), -1, dtype=np.int64)
    for name, i in _SKU_TYPES.items():
        metric[et == _T[name]] = i
    sel = np.flatnonzero(metric >= 0)
    if len(sel):
        _add_totals(rows, codes, metric, sel, states)
    for j in np.flatnonzero(et == _T["order"]):
        sku = states[codes[j]].sku(rows.sku_id[j])
        q = float(rows.quantity[j])
        sku.orders.append((int(rows.ts[j]), q))
        m = int(minute[j])
        sku.units_by_minute[m] = sku.units_by_minute.get(m, 0.0) + q
    for j in np.flatnonzero(et == _T["stock"]):
        sku = states[codes[j]].sku(rows.sku_id[j])
        if rows.ts[j] >= sku.stock_ts:
            sku.stock_level, sku.stock_ts = float(rows.level[j]), int(rows.ts[j])


def _add_totals(
    rows: C.Columns, codes: np.ndarray, metric: np.ndarray, sel: np.ndarray, states: list
) -> None:
    sku_codes, skus = pd.factorize(rows.sku_id[sel])
    n_sku, nm = len(skus), len(SKU_METRICS)
    pair = codes[sel].astype(np.int64) * n_sku + sku_codes
    et = rows.etype[sel]
    w = np.where(
        (et == _T["product_impression"]) & ~np.isnan(rows.count[sel]), rows.count[sel], 1.0
    )
    upairs, inv = np.unique(pair, return_inverse=True)  # sorted: by session, then SKU
    flat = [inv * nm + metric[sel]]
    wts = [w]
    od = np.flatnonzero(et == _T["order"])
    if len(od):
        q = rows.quantity[sel][od]
        flat += [inv[od] * nm + 4, inv[od] * nm + 5]
        wts += [q, q * rows.price[sel][od]]
    size = len(upairs) * nm
    block = np.bincount(np.concatenate(flat), np.concatenate(wts), minlength=size)
    block = block.reshape(len(upairs), nm)
    sess = upairs // n_sku
    sku_names = skus[upairs % n_sku]
    cuts = np.flatnonzero(np.r_[True, sess[1:] != sess[:-1], True])
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        st = states[sess[a]]
        rows = [st.sku_row(k) for k in sku_names[a:b]]
        st.sku_totals[rows] += block[a:b]  # rows are distinct within a session
