"""Past sessions as the monitor's memory: per-minute cumulative curves read from the workspace's
``live_minutes`` and ``sessions`` tables, for the golden-hour plan and the nowcast."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from livecart.store import Workspace

CURVES = (
    "gmv",
    "orders",
    "entries",
    "product_impressions",
    "product_clicks",
    "ad_spend",
    "comments",
    "likes",
    "new_followers",
)


@dataclass
class History:
    """``per_minute[metric]``: sessions x minutes array of per-minute values (0 after the end);
    ``viewers``: viewers online at each minute's end (NaN after the end); ``meta``: one row per
    session (session_id, room, market, currency, minutes, planned_minutes, actual_start)."""

    meta: pd.DataFrame
    per_minute: dict[str, np.ndarray]
    viewers: np.ndarray

    def __len__(self) -> int:
        return len(self.meta)

    def cum(self, metric: str) -> np.ndarray:
        return np.cumsum(self.per_minute[metric], axis=1)

    def final(self, metric: str) -> np.ndarray:
        return self.per_minute[metric].sum(axis=1)

    def subset(self, mask: np.ndarray) -> History:
        return History(
            self.meta.iloc[np.asarray(mask)].reset_index(drop=True),
            {k: v[mask] for k, v in self.per_minute.items()},
            self.viewers[mask],
        )


def from_frames(minutes: pd.DataFrame, sessions: pd.DataFrame) -> History:
    """Build History from a ``live_minutes`` frame and a ``sessions`` frame."""
    if minutes.empty:
        return History(
            pd.DataFrame(
                columns=[
                    "session_id",
                    "room",
                    "market",
                    "currency",
                    "minutes",
                    "planned_minutes",
                    "actual_start",
                ]
            ),
            {c: np.zeros((0, 1)) for c in CURVES},
            np.zeros((0, 1)),
        )
    ids = sorted(minutes["session_id"].unique())
    row = {s: i for i, s in enumerate(ids)}
    width = int(minutes["minute"].max()) + 1
    r = minutes["session_id"].map(row).to_numpy()
    c = minutes["minute"].to_numpy(dtype=np.int64)
    per_minute = {}
    for metric in CURVES:
        a = np.zeros((len(ids), width))
        a[r, c] = minutes[metric].fillna(0).to_numpy(dtype=float)
        per_minute[metric] = a
    viewers = np.full((len(ids), width), np.nan)
    viewers[r, c] = minutes["viewers_online"].fillna(0).to_numpy(dtype=float)
    n_min = minutes.groupby("session_id")["minute"].max().reindex(ids).to_numpy() + 1
    meta = pd.DataFrame({"session_id": ids, "minutes": n_min})
    s = sessions.set_index("session_id").reindex(ids)
    planned = (s["planned_end"] - s["planned_start"]).dt.total_seconds() / 60
    meta["planned_minutes"] = planned.round().fillna(pd.Series(n_min, index=ids)).to_numpy()
    meta["room"] = s["room"].to_numpy()
    meta["market"] = s["market"].to_numpy()
    meta["currency"] = _currencies(minutes, s, ids)
    meta["actual_start"] = s["actual_start"].to_numpy()
    return History(meta, per_minute, viewers)


def _currencies(minutes: pd.DataFrame, s: pd.DataFrame, ids: list[str]) -> np.ndarray:
    """Each session's currency: the sessions table's, else the one its minutes carry."""
    cur = s["currency"].astype(object) if "currency" in s else pd.Series(None, index=ids)
    cur = cur.astype(object)
    if "currency" in minutes:
        seen = minutes.dropna(subset=["currency"]).groupby("session_id")["currency"].first()
        cur = cur.where(cur.notna(), seen.reindex(ids).astype(object))
    return cur.to_numpy(dtype=object)


def load_history(
    ws: Workspace,
    exclude: tuple[str, ...] = (),
    room: str | None = None,
    market: str | None = None,
    currency: str | None = None,
) -> History:
    """Past sessions of the workspace (all, or one room's, one market's, one currency's),
    oldest first, leaving out ``exclude`` (the session being monitored)."""
    from livecart.store.query import frame, live_minute_rows, session_rows

    minutes = frame(ws, live_minute_rows).drop(columns="market")
    sessions = frame(ws, session_rows)
    if room is not None:
        sessions = sessions[sessions["room"] == room]
    if market is not None:
        sessions = sessions[sessions["market"] == market]
    sessions = sessions[~sessions["session_id"].isin(exclude)]
    minutes = minutes[minutes["session_id"].isin(sessions["session_id"])]
    h = from_frames(minutes, sessions)
    if currency is not None and len(h):
        h = h.subset((h.meta["currency"] == currency).to_numpy())
    order = np.argsort(h.meta["actual_start"].to_numpy(), kind="stable")
    return h.subset(order) if len(h) else h


def split_newest(h: History, test_fraction: float) -> tuple[History, History]:
    """Oldest sessions for training, the newest ``test_fraction`` held out (``h`` is oldest
    first, as ``load_history`` returns it): the nowcast is judged on lives after its history."""
    if not 0 < test_fraction < 1:
        from livecart.errors import LivecartError

        raise LivecartError(f"--test-fraction must be between 0 and 1, not {test_fraction}")
    cut = int(round(len(h) * (1 - test_fraction)))
    idx = np.arange(len(h))
    return h.subset(idx < cut), h.subset(idx >= cut)


def concat(histories: list[History]) -> History:
    """Several workspaces' sessions as one History (e.g. held-out lives pooled from several
    demo seeds), their per-minute arrays padded to the longest session (0, viewers NaN)."""
    width = max(h.viewers.shape[1] for h in histories)

    def pad(a: np.ndarray, fill: float) -> np.ndarray:
        return np.pad(a, ((0, 0), (0, width - a.shape[1])), constant_values=fill)

    return History(
        pd.concat([h.meta for h in histories], ignore_index=True),
        {k: np.vstack([pad(h.per_minute[k], 0.0) for h in histories]) for k in CURVES},
        np.vstack([pad(h.viewers, np.nan) for h in histories]),
    )
