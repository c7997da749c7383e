"""The rows a monitor writes of its sessions into a workspace: each session's totals in the
``sessions`` table (merged with what the table already holds of it) and its ``live_minutes``.

A run (``LiveRun``) builds them from its own monitor; a server following other machines'
workers (``sources.redis_results``) receives the same two Arrow tables over Redis and writes
them with the same ``write_rows``, so a room looks the same whichever process monitored it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from livecart.live.engine.kpis import totals
from livecart.live.engine.state import SessionState
from livecart.model.schema import SESSIONS
from livecart.store import Workspace

# the sessions table's totals columns: the monitor's total, its Python and its Arrow type
SESSION_TOTALS = {
    "gmv": ("gmv", float, pa.float64()),
    "orders": ("orders", int, pa.int64()),
    "items_sold": ("units", int, pa.int64()),
    "views": ("entries", int, pa.int64()),
    **{
        c: (c, int, pa.int64())
        for c in (
            "product_impressions",
            "product_clicks",
            "new_followers",
            "comments",
            "shares",
            "likes",
        )
    },
}


def totals_table(states: Sequence[SessionState]) -> pa.Table:
    """One row per session: its totals and actual times, in the sessions table's columns."""
    ts = [totals(st) for st in states]
    return pa.table(
        {
            "session_id": [st.session_id for st in states],
            "market": [st.market for st in states],
            "currency": [st.currency for st in states],
            "actual_start": pa.array([st.start_ts for st in states], pa.timestamp("ms")),
            "actual_end": pa.array([st.end_ts for st in states], pa.timestamp("ms")),
            **{
                column: pa.array([cast(t[metric]) for t in ts], kind)
                for column, (metric, cast, kind) in SESSION_TOTALS.items()
            },
        }
    )


def write_rows(ws: Workspace, sessions: pa.Table, minutes: pa.Table) -> None:
    """Upsert sessions' totals (``totals_table``) and minutes in one transaction (the
    caller's, if any)."""
    with ws.transaction():
        merge_totals(ws, sessions)
        if len(minutes):
            ws.upsert("live_minutes", minutes)


def merge_totals(ws: Workspace, new: pa.Table) -> None:
    """Refresh the sessions' totals and actual times in the sessions table, keeping what
    else its rows hold (room, title, planned times...): one merge in SQL for all of them."""
    picked = []
    for c in SESSIONS.column_names:
        if c in ("market", "currency"):  # the table's own, else what the events said
            picked.append(f"coalesce(nullif(o.{c}, ''), n.{c}) AS {c}")
        elif c == "actual_end":  # until the live ends, whatever the table holds
            picked.append(f"coalesce(n.{c}, o.{c}) AS {c}")
        elif c in new.column_names:
            picked.append(f"n.{c}")
        else:
            picked.append(f"o.{c}")
    with ws.transaction() as con:
        con.register("_live_totals", new)
        try:
            rows = con.sql(
                f"SELECT {', '.join(picked)} FROM _live_totals n "
                f"LEFT JOIN sessions o USING (session_id)"
            ).to_arrow_table()
        finally:
            con.unregister("_live_totals")
        ws.upsert("sessions", rows)
