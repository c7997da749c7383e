"""One session's whole state, out of one monitor and into another: how a room moves between
monitor workers without being read again from its start (``sources.redis_results`` shares it).

``export_session`` packs what the monitor holds of a session in its pooled arrays (``aggregate``)
and its ``SessionState``: the per-minute sums, the ids of its lateness window (so that an event
delivered again after the move still counts once), its (session, SKU) totals, stock counts, orders
and units per minute, its clock and counters, and the room's active alerts, raised and
acknowledged (``handed_alerts``: the new owner neither raises them again nor loses them).
``adopt_session`` puts that into another monitor as a session of its own, replacing any older
state it held of the same session.

The format is NumPy's ``.npz`` with the scalars as JSON, read with ``allow_pickle=False``:
nothing in it is executed, so a state read back from a shared Redis runs no code of whoever
wrote it (unlike a worker's own pickled checkpoint file).
"""

from __future__ import annotations

import dataclasses
import io
import json
from typing import TYPE_CHECKING, Any

import numba as nb
import numpy as np

from livecart.errors import LivecartError
from livecart.live.engine.aggregate import Aggregates, _grow, _insert_all, _slot
from livecart.live.engine.state import SessionState

if TYPE_CHECKING:
    from livecart.live.engine.monitor import Monitor

FORMAT = 1
_SCALARS = [
    f.name for f in dataclasses.fields(SessionState) if f.name not in ("index", "agg")
]  # session_id, start_ts, ... dropped
UNIT_KEY = 2048  # a (pair, minute) key of the units table: (pair + 1) * 2048 + minute


@nb.njit(cache=True, nogil=True)
def _chains(heads: np.ndarray, o_prev: np.ndarray, out_pair: np.ndarray, out_order: np.ndarray):
    """Each pair's orders (a linked list from its newest), oldest first, as (pair, order) rows;
    returns how many rows."""
    n = 0
    for j in range(len(heads)):
        first = n
        e = heads[j]
        while e >= 0:
            out_pair[n], out_order[n] = j, e
            n += 1
            e = o_prev[e]
        out_order[first:n] = out_order[first:n][::-1].copy()
    return n


def export_session(st: SessionState, alerts: list[dict[str, Any]] | None = None) -> bytes:
    """The session's whole state as bytes (see the module's docstring), with the room's active
    alerts (``AlertBook.room_alerts``: plain JSON) when given."""
    agg: Aggregates = st.agg
    i = st.index
    k = int(agg.log_n[0])
    mine = agg.log_s[:k] == i
    pairs = np.array(agg.pairs_of.get(i, []), dtype=np.int64)
    n_orders = int(agg.o_n[0])
    o_pair = np.empty(n_orders, dtype=np.int64)
    o_idx = np.empty(n_orders, dtype=np.int64)
    n = _chains(agg.p_last[pairs], agg.o_prev, o_pair, o_idx)
    keys = agg.units.keys
    held = np.flatnonzero(keys)
    pair_of_key = (keys[held] // UNIT_KEY).astype(np.int64) - 1
    ours = np.isin(pair_of_key, pairs)
    u_slots = held[ours]
    sorter = np.argsort(pairs)  # a unit's pair -> its place in ``pairs``
    u_pair = sorter[np.searchsorted(pairs, pair_of_key[ours], sorter=sorter)]
    meta = {
        "format": FORMAT,
        "state": {name: getattr(st, name) for name in _SCALARS},
        "skus": [agg.sku_names[s] for s in agg.p_sku[pairs]],
        "alerts": alerts or [],
    }
    buf = io.BytesIO()
    np.savez(
        buf,
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        minutes=agg.minutes(i)[: st.n_minutes],
        ids_h=agg.log_h[:k][mine],
        ids_t=agg.log_t[:k][mine],
        p_tot=agg.p_tot[pairs],
        p_level=agg.p_level[pairs],
        p_sts=agg.p_sts[pairs],
        p_sold=agg.p_sold[pairs],
        o_pair=o_pair[:n],
        o_ts=agg.o_ts[o_idx[:n]],
        o_q=agg.o_q[o_idx[:n]],
        u_pair=u_pair,
        u_minute=(keys[u_slots] % UNIT_KEY).astype(np.int64),
        u_val=agg.units.vals[u_slots],
    )
    return buf.getvalue()


def _read(blob: bytes, names: list[str] | None = None) -> tuple[dict[str, np.ndarray], dict]:
    """The exported arrays (only ``names`` when given) and the metadata."""
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as z:
            d = {name: z[name] for name in (z.files if names is None else ["meta", *names])}
        meta = json.loads(d["meta"].tobytes())
    except (ValueError, OSError, KeyError) as e:
        raise LivecartError(f"a shared session state cannot be read ({e})") from None
    if meta.get("format") != FORMAT:
        raise LivecartError(
            "a shared session state was written by another livecart version: run the "
            "workers of a group on one version"
        )
    return d, meta


def handed_alerts(blob: bytes) -> list[dict[str, Any]]:
    """The room's active alerts the exported state carries (``export_session``)."""
    return _read(blob, [])[1].get("alerts", [])


def adopt_session(mon: Monitor, blob: bytes) -> SessionState:
    """Make the exported session one of ``mon``'s, replacing the state ``mon`` held of it."""
    d, meta = _read(blob)
    fields = meta["state"]
    agg = mon.agg
    old = mon.sessions.get(fields["session_id"])
    if old is not None:
        _forget(agg, old.index)
    i = agg.add_session()
    n = int(fields["n_minutes"])
    if n:
        agg._ensure_minutes(np.array([i]), np.array([n - 1]))
        agg.minutes(i)[:n] = d["minutes"]
    _adopt_ids(agg, i, d["ids_h"], d["ids_t"])
    pairs = [agg._pair(i, sku) for sku in meta["skus"]]
    p = np.array(pairs, dtype=np.int64)
    if len(p):
        agg.p_tot[p], agg.p_level[p], agg.p_sts[p] = d["p_tot"], d["p_level"], d["p_sts"]
        agg.p_sold[p] = d["p_sold"]
    _adopt_orders(agg, p, d["o_pair"], d["o_ts"], d["o_q"])
    _adopt_units(agg, p, d["u_pair"], d["u_minute"], d["u_val"])
    fields["dropped"] = {str(k): int(v) for k, v in fields["dropped"].items()}
    st = SessionState(**fields, index=i, agg=agg)
    mon.sessions[st.session_id] = st
    return st


def _forget(agg: Aggregates, i: int) -> None:
    """Drop session ``i``'s ids and minutes (its index stays taken, unused: its pairs and
    orders are orphaned, which costs memory only)."""
    k = int(agg.log_n[0])
    keep = agg.log_s[:k] != i
    m = int(keep.sum())
    for name in ("log_h", "log_t", "log_s"):
        a = getattr(agg, name)
        a[:m] = a[:k][keep]
    agg.log_n[0] = m
    agg.log_kept = min(agg.log_kept, m)
    agg.ids.rebuild(agg.log_h[:m])
    agg.cap[i] = 0
    agg.pairs_of.pop(i, None)


def _adopt_ids(agg: Aggregates, i: int, h: np.ndarray, t: np.ndarray) -> None:
    agg._reserve_log(len(h))
    agg.ids.reserve(len(h))
    agg.ids.n[0] += _insert_all(agg.ids.keys, h.astype(np.uint64))
    k = int(agg.log_n[0])
    agg.log_h[k : k + len(h)], agg.log_t[k : k + len(h)], agg.log_s[k : k + len(h)] = h, t, i
    agg.log_n[0] = k + len(h)


def _adopt_orders(agg: Aggregates, p: np.ndarray, pair: np.ndarray, ts, q) -> None:
    """Append the orders (oldest first per pair) to the log, each pair's list linked anew."""
    start = int(agg.o_n[0])
    need = start + len(pair)
    agg.o_ts, agg.o_q = _grow(agg.o_ts, need), _grow(agg.o_q, need)
    agg.o_prev = _grow(agg.o_prev, need)
    for j, (pj, t, qty) in enumerate(zip(pair.tolist(), ts.tolist(), q.tolist(), strict=True)):
        o = start + j
        agg.o_ts[o], agg.o_q[o], agg.o_prev[o] = t, qty, agg.p_last[p[pj]]
        agg.p_last[p[pj]] = o
    agg.o_n[0] = need


def _adopt_units(agg: Aggregates, p: np.ndarray, pair: np.ndarray, minute, val) -> None:
    agg.units.reserve(len(pair))
    keys, vals = agg.units.keys, agg.units.vals
    for pj, m, v in zip(pair.tolist(), minute.tolist(), val.tolist(), strict=True):
        key = np.uint64(int(p[pj]) + 1) * np.uint64(UNIT_KEY) + np.uint64(m)
        s = _slot(keys, key)
        if keys[s] == np.uint64(0):
            keys[s] = key
            agg.units.n[0] += 1
        vals[s] = v
