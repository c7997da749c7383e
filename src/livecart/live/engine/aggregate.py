"""The monitor's numbers in flat NumPy arrays, folded one event at a time by a compiled kernel.

Every session's minutes live in one pool of rows (a session owns a contiguous run of them, moved
when it grows); per-SKU counts, stock and sales live in one table of (session, SKU) pairs; the ids
of the lateness window are an open-addressing hash set of their 64-bit hashes. One numba kernel
walks a batch in arrival order and, per event, places it in its minute, runs the session's
watermark, drops what is late, duplicated or in a foreign currency, and adds the rest: no Python
per event, no Python per session beyond reading and writing a few numbers of each.

Everything here is plain arrays and ints, so a checkpoint pickles it as it is.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from livecart.live.engine import columns as C
from livecart.live.engine.state import DROP_REASONS, MAX_MINUTES, NM, SKU_METRICS, SUMMED, M
from livecart.model.events import AMOUNT, COUNT, MINUTE_METRICS, ONE, QUANTITY, VALUE

_T = C.TYPE_CODE
# The fold (_fold) adds each event to the metric of its type (model.events.MINUTE_METRICS):
# 1 per event, its count (COUNTED), or an ad spend's amount; an order's units and GMV and a
# join's entry source it adds by name. A metric the table adds another way needs the kernel too.
_BY_NAME = {
    "units": ("order", QUANTITY),
    "gmv": ("order", VALUE),
    **{f"traffic_{s}": ("join", ONE) for s in C.JOIN_SOURCES},
}
PRIMARY_METRIC = np.full(len(_T), -1, dtype=np.int64)  # event type -> metric, or -1
COUNTED = np.zeros(len(_T), dtype=np.bool_)  # weight = count (default 1)
SKU_METRIC = np.full(len(_T), -1, dtype=np.int64)  # event type -> column of the SKU totals
for _m in MINUTE_METRICS:
    if _m.name in _BY_NAME:
        assert _BY_NAME[_m.name] == (_m.event, _m.adds), f"_fold adds {_m.name} otherwise"
        continue
    assert _m.adds in (ONE, COUNT) or (_m.event, _m.adds) == ("ad_spend", AMOUNT), _m
    assert PRIMARY_METRIC[_T[_m.event]] < 0, f"{_m.event} would add to two metrics"
    PRIMARY_METRIC[_T[_m.event]] = M[_m.name]
    COUNTED[_T[_m.event]] = _m.adds == COUNT
    if _m.per_product:
        SKU_METRIC[_T[_m.event]] = SKU_METRICS.index(_m.name)
assert SKU_METRICS[4:] == ("units", "gmv")

E_ORDER, E_AD, E_END, E_JOIN = _T["order"], _T["ad_spend"], _T["live_end"], _T["join"]
E_VIEWERS, E_STOCK, E_IMPR = _T["viewers"], _T["stock"], _T["product_impression"]
N_SOURCES = len(C.JOIN_SOURCES)
TRAFFIC0 = M["traffic_" + C.JOIN_SOURCES[0]]
assert [M[f"traffic_{s}"] for s in C.JOIN_SOURCES] == list(range(TRAFFIC0, TRAFFIC0 + N_SOURCES))
D_BEFORE, D_LONG = DROP_REASONS.index("before_start"), DROP_REASONS.index("too_long")
D_LATE, D_DUP = DROP_REASONS.index("late"), DROP_REASONS.index("duplicate")
D_CURRENCY = DROP_REASONS.index("currency")
V_SUM, V_N, V_PEAK = M["viewers_sum"], M["viewers_n"], M["viewers_peak"]
V_LAST, V_LAST_TS = M["viewers_last"], M["viewers_last_ts"]
UNITS, GMV = M["units"], M["gmv"]
MINUTE_MS = 60_000
FIRST_ROWS = 64  # minutes a new session gets before it grows
assert len(SUMMED) <= NM


# --- an open-addressing hash table of uint64 keys (0 = empty slot) --------------------------
@nb.njit(cache=True, nogil=True, inline="always")
def _mix(k: np.uint64) -> np.uint64:
    """splitmix64's finalizer: structured keys (pairs, minutes) spread over the slots."""
    k = (k ^ (k >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    k = (k ^ (k >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return k ^ (k >> np.uint64(31))


@nb.njit(cache=True, nogil=True, inline="always")
def _slot(keys: np.ndarray, key: np.uint64) -> int:
    """Where ``key`` is, or the empty slot where it would go."""
    mask = np.uint64(len(keys) - 1)
    i = _mix(key) & mask
    while keys[i] != key and keys[i] != np.uint64(0):
        i = (i + np.uint64(1)) & mask
    return np.int64(i)


@nb.njit(cache=True, nogil=True)
def _rehash(keys: np.ndarray, vals: np.ndarray, new_keys: np.ndarray, new_vals: np.ndarray):
    for i in range(len(keys)):
        if keys[i] != np.uint64(0):
            j = _slot(new_keys, keys[i])
            new_keys[j] = keys[i]
            new_vals[j] = vals[i]


@nb.njit(cache=True, nogil=True)
def _insert_all(keys: np.ndarray, hashes: np.ndarray) -> int:
    n = 0
    for h in hashes:
        k = h if h != np.uint64(0) else np.uint64(1)
        j = _slot(keys, k)
        if keys[j] == np.uint64(0):
            keys[j] = k
            n += 1
    return n


class HashTable:
    """uint64 keys to values (int64 or float64). ``reserve`` before a kernel may add keys: the
    kernel never grows it, so the load stays under one half."""

    def __init__(self, dtype: type = np.int64, cap: int = 1024) -> None:
        self.keys = np.zeros(cap, dtype=np.uint64)
        self.vals = np.zeros(cap, dtype=dtype)
        self.n = np.zeros(1, dtype=np.int64)  # an array: the kernel counts what it adds

    def reserve(self, extra: int) -> None:
        need = 2 * (int(self.n[0]) + extra)
        if need <= len(self.keys):
            return
        cap = 1 << max(need - 1, 1).bit_length()
        keys, vals = np.zeros(cap, dtype=np.uint64), np.zeros(cap, dtype=self.vals.dtype)
        _rehash(self.keys, self.vals, keys, vals)
        self.keys, self.vals = keys, vals

    def rebuild(self, hashes: np.ndarray) -> None:
        """A set of exactly ``hashes`` (the values unused)."""
        self.keys = np.zeros(1 << max(2 * len(hashes) + 1, 1024).bit_length(), dtype=np.uint64)
        self.vals = np.zeros(len(self.keys), dtype=self.vals.dtype)
        self.n[0] = _insert_all(self.keys, hashes)


def _grow(a: np.ndarray, need: int) -> np.ndarray:
    """``a`` with room for ``need`` rows (doubling), contents kept."""
    if need <= len(a):
        return a
    out = np.zeros((max(need, 2 * len(a)), *a.shape[1:]), dtype=a.dtype)
    out[: len(a)] = a
    return out


# --- the kernel ----------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _max_minutes(code, ts, start, n_codes):
    """Per batch session, the highest in-range minute its events fall in (-1: none)."""
    hi = np.full(n_codes, -1, dtype=np.int64)
    for j in range(len(code)):
        c = code[j]
        m = (ts[j] - start[c]) // MINUTE_MS
        if 0 <= m < MAX_MINUTES and m > hi[c]:
            hi[c] = m
    return hi


@nb.njit(cache=True, nogil=True)
def _sold_since(o_ts, o_q, o_prev, head, t):
    """Units of a pair's orders stamped at or after ``t`` (its orders are a linked list)."""
    s = 0.0
    e = head
    while e >= 0:
        if o_ts[e] >= t:
            s += o_q[e]
        e = o_prev[e]
    return s


@nb.njit(cache=True, nogil=True)
def _fold(
    # the batch, one row per event
    code, ts, et, count, qty, price, amount, level, source, sku, cur, idh,
    # per batch session (in: its state; out: updated)
    sidx, start, wm, last, scur, acc, nmin, drops,
    lateness, primary, counted, sku_metric,
    # minutes
    rows, base,
    # ids of the lateness window
    id_keys, id_n, log_h, log_t, log_s, log_n,
    # (session, SKU) pairs
    p_keys, p_vals, p_n, p_sess, p_sku, p_tot, p_level, p_sts, p_sold, p_last,
    # orders (a linked list per pair) and units per (pair, minute)
    o_ts, o_q, o_prev, o_n, u_keys, u_vals, u_n,
    keep,
):  # fmt: skip
    for j in range(len(code)):
        c = code[j]
        t = ts[j]
        m = (t - start[c]) // MINUTE_MS
        if m < 0:
            drops[c, D_BEFORE] += 1
            continue
        if m >= MAX_MINUTES:
            drops[c, D_LONG] += 1
            continue
        # the watermark moves at most the lateness past the event that arrived before
        step = min(t, last[c] + lateness)
        if step > wm[c]:
            wm[c] = step
        last[c] = t
        if t < wm[c] - lateness:
            drops[c, D_LATE] += 1
            continue
        h = idh[j] if idh[j] != np.uint64(0) else np.uint64(1)
        k = _slot(id_keys, h)
        if id_keys[k] != np.uint64(0):
            drops[c, D_DUP] += 1
            continue
        id_keys[k] = h
        id_n[0] += 1
        n = log_n[0]
        log_h[n], log_t[n], log_s[n] = h, t, sidx[c]
        log_n[0] = n + 1
        e = et[j]
        if e == E_ORDER or e == E_AD:  # money in another currency is not added up silently
            if scur[c] == -1:
                scur[c] = cur[j]
            elif cur[j] != scur[c]:
                drops[c, D_CURRENCY] += 1
                continue
        acc[c] += 1
        keep[j] = True
        if e == E_END:  # the end is no activity: it opens no minute of its own
            continue
        if m + 1 > nmin[c]:
            nmin[c] = m + 1
        r = base[sidx[c]] + m
        w = 1.0
        if counted[e] and not np.isnan(count[j]):
            w = count[j]
        elif e == E_AD:
            w = amount[j]
        if primary[e] >= 0:
            rows[r, primary[e]] += w
        if e == E_ORDER:
            rows[r, UNITS] += qty[j]
            rows[r, GMV] += qty[j] * price[j]
        elif e == E_JOIN:
            if source[j] < N_SOURCES:
                rows[r, TRAFFIC0 + source[j]] += 1.0
        elif e == E_VIEWERS:
            v = count[j]
            rows[r, V_SUM] += v
            rows[r, V_N] += 1.0
            if v > rows[r, V_PEAK]:
                rows[r, V_PEAK] = v
            if t >= rows[r, V_LAST_TS]:
                rows[r, V_LAST] = v
                rows[r, V_LAST_TS] = t
        sm = sku_metric[e]
        if (sm < 0 and e != E_STOCK) or sku[j] < 0:
            continue
        pk = np.uint64(sidx[c] + 1) * np.uint64(1 << 32) + np.uint64(sku[j] + 1)
        k = _slot(p_keys, pk)
        if p_keys[k] == np.uint64(0):
            p = p_n[0]
            p_keys[k] = pk
            p_vals[k] = p
            p_n[0] = p + 1
            p_sess[p], p_sku[p] = sidx[c], sku[j]
        else:
            p = p_vals[k]
        if e == E_STOCK:
            if t >= p_sts[p]:
                p_level[p], p_sts[p] = level[j], t
                p_sold[p] = _sold_since(o_ts, o_q, o_prev, p_last[p], t)
            continue
        p_tot[p, sm] += w if e == E_IMPR else 1.0
        if e == E_ORDER:
            q = qty[j]
            p_tot[p, 4] += q
            p_tot[p, 5] += q * price[j]
            o = o_n[0]
            o_ts[o], o_q[o], o_prev[o] = t, q, p_last[p]
            p_last[p] = o
            o_n[0] = o + 1
            if t >= p_sts[p]:
                p_sold[p] += q
            uk = np.uint64(p + 1) * np.uint64(2048) + np.uint64(m)
            k = _slot(u_keys, uk)
            if u_keys[k] == np.uint64(0):
                u_keys[k] = uk
                u_n[0] += 1
            u_vals[k] += q


@nb.njit(cache=True, nogil=True)
def _window_units(u_keys, u_vals, pairs, lo, hi):
    out = np.zeros(len(pairs))
    for i in range(len(pairs)):
        for m in range(lo, hi):
            k = _slot(u_keys, np.uint64(pairs[i] + 1) * np.uint64(2048) + np.uint64(m))
            if u_keys[k] != np.uint64(0):
                out[i] += u_vals[k]
    return out


class Aggregates:
    """The numbers of all sessions of one monitor (SessionState reads its own through it)."""

    def __init__(self) -> None:
        # minutes: session index -> its run of rows in the pool
        self.rows = np.zeros((FIRST_ROWS * 16, NM))
        self.base = np.zeros(16, dtype=np.int64)
        self.cap = np.zeros(16, dtype=np.int64)
        self.used = 0
        self.n_sessions = 0
        # ids of the lateness window, and the log to forget them by
        self.ids = HashTable()
        self.log_h = np.zeros(1024, dtype=np.uint64)
        self.log_t = np.zeros(1024, dtype=np.int64)
        self.log_s = np.zeros(1024, dtype=np.int64)
        self.log_n = np.zeros(1, dtype=np.int64)
        self.log_kept = 0
        # (session, SKU) pairs
        self.sku_names: list[str] = []
        self.sku_code: dict[str, int] = {}
        self.pairs = HashTable()
        self.p_sess = np.zeros(64, dtype=np.int64)
        self.p_sku = np.zeros(64, dtype=np.int64)
        self.p_tot = np.zeros((64, len(SKU_METRICS)))
        self.p_level = np.full(64, np.nan)
        self.p_sts = np.full(64, -1, dtype=np.int64)
        self.p_sold = np.zeros(64)
        self.p_last = np.full(64, -1, dtype=np.int64)
        self.pairs_of: dict[int, list[int]] = {}  # session index -> its pairs, first seen first
        self.o_ts = np.zeros(256, dtype=np.int64)
        self.o_q = np.zeros(256)
        self.o_prev = np.zeros(256, dtype=np.int64)
        self.o_n = np.zeros(1, dtype=np.int64)
        self.units = HashTable(np.float64)
        # currencies: code -> name
        self.currencies: list[str] = []

    # --- sessions and their minutes ------------------------------------------------------------
    def add_session(self) -> int:
        i = self.n_sessions
        self.n_sessions += 1
        self.base, self.cap = _grow(self.base, i + 1), _grow(self.cap, i + 1)
        self._place(i, FIRST_ROWS)
        return i

    def minutes(self, i: int) -> np.ndarray:
        """Session ``i``'s minutes (a view, valid until the next fold)."""
        return self.rows[self.base[i] : self.base[i] + self.cap[i]]

    def _place(self, i: int, cap: int) -> None:
        """Give session ``i`` a run of ``cap`` rows at the end of the pool, its minutes moved."""
        if self.used + cap > len(self.rows):
            self._compact(cap)
        old = self.minutes(i) if self.cap[i] else self.rows[:0]
        self.rows[self.used : self.used + len(old)] = old
        self.base[i], self.cap[i] = self.used, cap
        self.used += cap

    def _compact(self, extra: int) -> None:
        """A new pool holding every session's run back to back, with room for ``extra``."""
        live = int(self.cap[: self.n_sessions].sum())
        rows = np.zeros((max(2 * (live + extra), len(self.rows)), NM))
        at = 0
        for i in range(self.n_sessions):
            c = int(self.cap[i])
            rows[at : at + c] = self.minutes(i)
            self.base[i] = at
            at += c
        self.rows, self.used = rows, at

    def _ensure_minutes(self, sidx: np.ndarray, hi: np.ndarray) -> None:
        for c in np.flatnonzero(hi >= self.cap[sidx]):
            i = int(sidx[c])
            self._place(i, int(min(max(hi[c] + 1, 2 * self.cap[i]), MAX_MINUTES)))

    # --- ids -----------------------------------------------------------------------------------
    def note_id(self, h: int, ts: int, sidx: int) -> bool:
        """Remember one id (a live_start's); False when it was seen already."""
        self._reserve_log(1)
        self.ids.reserve(1)
        before = int(self.ids.n[0])
        self.ids.n[0] += _insert_all(self.ids.keys, np.array([h], dtype=np.uint64))
        if self.ids.n[0] == before:
            return False
        n = int(self.log_n[0])
        self.log_h[n], self.log_t[n], self.log_s[n] = h or 1, ts, sidx
        self.log_n[0] = n + 1
        return True

    def seen(self, h: int) -> bool:
        key = np.uint64(h or 1)
        return bool(self.ids.keys[_slot(self.ids.keys, key)] == key)

    def _reserve_log(self, extra: int) -> None:
        need = int(self.log_n[0]) + extra
        self.log_h, self.log_t = _grow(self.log_h, need), _grow(self.log_t, need)
        self.log_s = _grow(self.log_s, need)

    def eviction_due(self) -> bool:
        """The log of ids has doubled since ids were last forgotten."""
        return int(self.log_n[0]) > max(2 * self.log_kept, 100_000)

    def evict(self, floor: np.ndarray) -> None:
        """Forget ids older than their session's ``floor`` (watermark minus lateness): such an
        event, delivered again, is dropped as late anyway. Memory: the lateness window's ids."""
        n = int(self.log_n[0])
        fresh = self.log_t[:n] >= floor[self.log_s[:n]]
        k = int(fresh.sum())
        for name in ("log_h", "log_t", "log_s"):
            a = getattr(self, name)
            a[:k] = a[:n][fresh]
        self.log_n[0] = self.log_kept = k
        self.ids.rebuild(self.log_h[:k])

    # --- SKUs ----------------------------------------------------------------------------------
    def sku_codes(self, sku_id: np.ndarray) -> np.ndarray:
        """Global codes of a batch's SKU ids (-1: none)."""
        import pandas as pd

        codes, uniq = pd.factorize(sku_id)
        lut = np.array([self._sku(s) for s in uniq] + [-1], dtype=np.int64)
        return lut[codes]

    def _sku(self, name: str) -> int:
        c = self.sku_code.get(name)
        if c is None:
            c = self.sku_code[name] = len(self.sku_names)
            self.sku_names.append(name)
        return c

    def currency_code(self, name: str | None) -> int:
        if name is None:
            return -1
        if name not in self.currencies:
            self.currencies.append(name)
        return self.currencies.index(name)

    def _reserve_pairs(self, extra: int) -> None:
        need = int(self.pairs.n[0]) + extra
        self.pairs.reserve(extra)
        for name in ("p_sess", "p_sku", "p_tot", "p_sold"):
            setattr(self, name, _grow(getattr(self, name), need))
        if need > len(self.p_level):
            old = len(self.p_level)
            self.p_level, self.p_sts = _grow(self.p_level, need), _grow(self.p_sts, need)
            self.p_last = _grow(self.p_last, need)
            self.p_level[old:], self.p_sts[old:], self.p_last[old:] = np.nan, -1, -1

    def _pair(self, i: int, sku_id: str) -> int:
        """The pair of session ``i`` and a SKU, made when new."""
        self._reserve_pairs(1)
        key = np.uint64(i + 1) * np.uint64(1 << 32) + np.uint64(self._sku(sku_id) + 1)
        k = _slot(self.pairs.keys, key)
        if self.pairs.keys[k]:
            return int(self.pairs.vals[k])
        p = int(self.pairs.n[0])
        self.pairs.keys[k], self.pairs.vals[k] = key, p
        self.pairs.n[0] = p + 1
        self.p_sess[p], self.p_sku[p] = i, self.sku_code[sku_id]
        self.pairs_of.setdefault(i, []).append(p)
        return p

    def seed_stock(self, i: int, sku_id: str, level: float, ts: int) -> None:
        """A starting stock count, unless the room already reported one for that SKU."""
        p = self._pair(i, sku_id)
        if np.isnan(self.p_level[p]):
            self.p_level[p], self.p_sts[p] = float(level), ts
            self.p_sold[p] = _sold_since(self.o_ts, self.o_q, self.o_prev, self.p_last[p], ts)

    def stock_counted(self, i: int) -> bool:
        """Whether session ``i`` has a stock level for any SKU."""
        pairs = self.pairs_of.get(i)
        return bool(pairs) and not np.isnan(self.p_level[pairs]).all()

    def sku_view(self, i: int, minute: int, window: int) -> dict[str, np.ndarray | list]:
        """Session ``i``'s SKUs (first seen first): totals, stock count and stock left (NaN:
        never counted), units per minute over the last ``window`` complete minutes (in minute
        0, nothing is complete yet: the current minute's sales so far)."""
        pairs = np.array(self.pairs_of.get(i, []), dtype=np.int64)
        hi = max(minute, 1)
        lo = max(hi - window, 0)
        units = _window_units(self.units.keys, self.units.vals, pairs, lo, hi)
        level = self.p_level[pairs]
        return {
            "sku_id": [self.sku_names[s] for s in self.p_sku[pairs]],
            "totals": self.p_tot[pairs],
            "stock_start": level,
            "stock_left": np.maximum(level - self.p_sold[pairs], 0.0),
            "units_per_minute": units / (hi - lo),
        }

    # --- one batch -----------------------------------------------------------------------------
    def fold(
        self,
        cols: C.Columns,
        codes: np.ndarray,
        states: list,
        lateness_ms: int,
    ) -> np.ndarray:
        """Fold a batch of known sessions' events (``codes`` index ``states``) into the arrays
        and the states' counters; returns which rows were accepted."""
        n = len(cols)
        code = codes.astype(np.int64, copy=False)
        sidx = np.array([s.index for s in states], dtype=np.int64)
        start = np.array([s.start_ts for s in states], dtype=np.int64)
        self._ensure_minutes(sidx, _max_minutes(code, cols.ts, start, len(states)))
        wm = np.array([s.watermark for s in states], dtype=np.int64)
        last = np.array([_last_arrival(s) for s in states], dtype=np.int64)
        scur = np.array([self.currency_code(s.currency) for s in states], dtype=np.int64)
        acc = np.zeros(len(states), dtype=np.int64)
        nmin = np.array([s.n_minutes for s in states], dtype=np.int64)
        drops = np.zeros((len(states), len(DROP_REASONS)), dtype=np.int64)
        sku = self.sku_codes(cols.sku_id)
        cur = self._currency_codes(cols.currency)
        n_orders = int(np.count_nonzero(cols.etype == E_ORDER))
        self._reserve_log(n)
        self.ids.reserve(n)
        self._reserve_pairs(int(np.count_nonzero(sku >= 0)))
        need = int(self.o_n[0]) + n_orders
        self.o_ts, self.o_q = _grow(self.o_ts, need), _grow(self.o_q, need)
        self.o_prev = _grow(self.o_prev, need)
        self.units.reserve(n_orders)
        p_before = int(self.pairs.n[0])
        keep = np.zeros(n, dtype=np.bool_)
        _fold(
            code, cols.ts, cols.etype, cols.count, cols.quantity, cols.price,
            cols.amount, cols.level, cols.source, sku, cur, cols.id_hash,
            sidx, start, wm, last, scur, acc, nmin, drops,
            lateness_ms, PRIMARY_METRIC, COUNTED, SKU_METRIC,
            self.rows, self.base,
            self.ids.keys, self.ids.n, self.log_h, self.log_t, self.log_s, self.log_n,
            self.pairs.keys, self.pairs.vals, self.pairs.n, self.p_sess, self.p_sku, self.p_tot,
            self.p_level, self.p_sts, self.p_sold, self.p_last,
            self.o_ts, self.o_q, self.o_prev, self.o_n,
            self.units.keys, self.units.vals, self.units.n,
            keep,
        )  # fmt: skip
        for p in range(p_before, int(self.pairs.n[0])):
            self.pairs_of.setdefault(int(self.p_sess[p]), []).append(p)
        for s, w, la, a, m, c in zip(
            states, wm.tolist(), last.tolist(), acc.tolist(), nmin.tolist(), scur.tolist(),
            strict=True,
        ):  # fmt: skip
            s.watermark, s.last_arrival_ts, s.n_minutes = w, la, m
            s.accepted += a
            if s.currency is None and c >= 0:
                s.currency = self.currencies[c]
        for c in np.flatnonzero(drops.any(axis=1)):
            d = states[c].dropped
            for r in np.flatnonzero(drops[c]):
                d[DROP_REASONS[r]] += int(drops[c, r])
        return keep

    def _currency_codes(self, currency: np.ndarray) -> np.ndarray:
        import pandas as pd

        codes, uniq = pd.factorize(currency)
        lut = np.array([self.currency_code(s) for s in uniq] + [-1], dtype=np.int64)
        return lut[codes]


def _last_arrival(st) -> int:
    """Time of the session's newest-arrived event (a state from an older checkpoint: its
    watermark)."""
    t = getattr(st, "last_arrival_ts", None)
    return st.watermark if t is None else t
