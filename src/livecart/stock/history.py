"""What the forecast learns from: one row per session x SKU of the line-up, with the signals known
before the live (warm-up videos so far, the SKU's and the host's history, market, ad budget,
length, line-up) and, for sessions that ran, the units sold and whether the SKU sold out.

Sold-out SKUs' sales are only a lower bound on demand (stock-outs censor it): ``censored`` marks
them (a recorded stock-out minute, or one unit or none left at the end), and the forecast treats
their sales as lower bounds rather than as demand.

Money is converted to the workspace's reporting currency with its ``fx_rates`` (latest rate on or
before the session's day); a missing rate raises `MissingRateError`, never a silent 1.0.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from livecart.errors import LivecartError
from livecart.model.clock import utc_naive
from livecart.stock.lostsales import add_lost_sales
from livecart.store import Workspace


class NoLineupError(LivecartError):
    """A session with no line-up to forecast."""


def load_rows(ws: Workspace, as_of: dict[str, dt.datetime] | None = None) -> pd.DataFrame:
    """Every session x SKU with its signals and outcome. ``as_of`` maps a session id to the
    moment its plan is made: only warm-up videos posted by then count for that session
    (others count those posted before their planned start)."""
    from livecart.store.query import frame, live_units_sold, stock_lineups  # imports ibis

    rows = frame(ws, stock_lineups)
    if rows.empty:
        return rows
    rows["start"] = rows["planned_start"].fillna(rows["actual_start"])
    sold = frame(ws, live_units_sold)
    rows = rows.merge(sold, on=["session_id", "sku_id"], how="left")
    _outcome(rows)
    rows = rows.merge(_warmups(ws, rows, as_of or {}), on=["session_id", "sku_id"], how="left")
    for c in ("w_views", "w_clicks", "w_atc", "w_videos", "w_hours"):
        rows[c] = pd.to_numeric(rows[c]).fillna(0.0).astype(float)  # no warm-ups: object
    _money(ws, rows)
    lineup = rows.groupby("session_id")["sku_id"].transform("size")
    rows["n_lineup"] = lineup.astype(float)
    minutes = (rows["planned_end"] - rows["planned_start"]).dt.total_seconds() / 60
    rows["minutes"] = minutes.fillna(120.0).clip(lower=5)
    rows["host"] = rows["host_ids"].fillna("").str.split(",").str[0].str.strip()
    rows = add_lost_sales(ws, rows)
    rows = rows.sort_values(["start", "session_id", "position", "sku_id"], kind="stable")
    return rows.reset_index(drop=True)


def _outcome(rows: pd.DataFrame) -> None:
    """Units sold (order lines, else the stock difference) and whether demand was censored."""
    diff = (rows["stock_start"] - rows["stock_end"]).astype(float)  # nullable ints from imports
    ran = rows["actual_start"].notna() | rows["units"].notna() | diff.notna()
    rows["sold"] = rows["units"].fillna(diff).where(ran)
    rows.loc[ran & rows["sold"].isna(), "sold"] = 0.0
    rows["sold"] = rows["sold"].astype(float)
    out = rows["stockout_minute"].notna() | (rows["stock_end"].fillna(99) <= 1)
    rows["censored"] = (out & ran).astype(bool)
    del rows["units"]


def _warmups(ws: Workspace, rows: pd.DataFrame, as_of: dict[str, dt.datetime]) -> pd.DataFrame:
    from livecart.store.query import frame, warmup_videos

    v = frame(ws, warmup_videos)
    cols = ["session_id", "sku_id", "w_views", "w_clicks", "w_atc", "w_videos", "w_hours"]
    if v.empty:
        return pd.DataFrame(columns=cols)
    start = rows.drop_duplicates("session_id").set_index("session_id")["start"]
    cut = v["session_id"].map(start)
    for sid, t in as_of.items():
        cut = cut.mask(
            v["session_id"] == sid,
            utc_naive(t),
        )
    v = v[v["posted_at"] <= cut].assign(cut=cut)
    # hours the warm-ups have been up at the cut: views per hour is the warm-up trend signal
    v["hours"] = ((v["cut"] - v["posted_at"]).dt.total_seconds() / 3600).clip(lower=1.0)
    g = v.groupby(["session_id", "sku_id"]).agg(
        w_views=("views", "sum"),
        w_clicks=("product_clicks", "sum"),
        w_atc=("add_to_carts", "sum"),
        w_videos=("views", "size"),
        w_hours=("hours", "sum"),
    )
    return g.reset_index()[cols].astype({"w_videos": float})


def _money(ws: Workspace, rows: pd.DataFrame) -> None:
    """price, unit cost and ad budget in the reporting currency (``*_rc`` columns)."""
    from livecart.store.query import fx_table

    fx, quote = fx_table(ws), ws.settings.reporting_currency
    day = rows["start"].dt.date

    def conv(amount: pd.Series, cur: pd.Series) -> np.ndarray:
        out = np.full(len(amount), np.nan)
        for i, (a, c, d) in enumerate(zip(amount, cur, day, strict=True)):
            if pd.notna(a) and isinstance(c, str):
                out[i] = float(a) * fx.rate(c, quote, d)
        return out

    rows["price_rc"] = conv(rows["price"], rows["currency"])
    rows["unit_cost_rc"] = conv(rows["unit_cost"], rows["cost_currency"])
    from livecart.store.query import frame, session_spend

    ads = frame(ws, session_spend)
    ads = ads[ads["session_id"].isin(rows["session_id"])]
    sday = rows.drop_duplicates("session_id").set_index("session_id")["start"].dt.date
    ads["rc"] = [
        float(s) * fx.rate(c, quote, sday[sid]) if isinstance(c, str) else np.nan
        for sid, c, s in zip(ads["session_id"], ads["currency"], ads["spend"], strict=True)
    ]
    budget = ads.groupby("session_id")["rc"].sum()
    rows["ad_budget_rc"] = rows["session_id"].map(budget).fillna(0.0)


def add_history(rows: pd.DataFrame) -> pd.DataFrame:
    """Per row, the SKU's and the host's record in sessions that started earlier: mean
    log(1 + units sold) (sold-out sales count as the lower bounds they are), and how many."""
    out = rows.copy()
    y = np.log1p(out["sold"])
    out["_y"] = y
    out["sku_hist"], out["sku_n"] = _prior_mean(out, ["sku_id", "market"])
    any_m, any_n = _prior_mean(out, ["sku_id"])
    use_any = out["sku_n"] == 0
    out.loc[use_any, "sku_hist"] = any_m[use_any]
    out["sku_hist_other_market"] = (use_any & (any_n > 0)).astype(float)
    out["sku_n"] = np.where(use_any, any_n, out["sku_n"])
    out["sku_past_mean_units"] = _prior_units(out, ["sku_id", "market"], ["sku_id"])
    out["host_hist"], out["host_n"] = _prior_mean(out, ["host"])
    return out.drop(columns=["_y"])


def _prior_mean(rows: pd.DataFrame, keys: list[str]) -> tuple[pd.Series, pd.Series]:
    """Mean of ``_y`` over sessions of the same key that started strictly earlier (so rows of
    one session never see each other, and a coming live sees everything before it)."""
    per = (
        rows.dropna(subset=["_y"])
        .groupby([*keys, "start"], sort=True)["_y"]
        .agg(["sum", "count"])
        .reset_index()
    )
    per[["cs", "cn"]] = per.groupby(keys)[["sum", "count"]].cumsum()
    per[keys] = per[keys].astype(str)
    left = rows[[*keys, "start"]].astype({k: str for k in keys}).reset_index()
    left = left.sort_values("start", kind="stable")
    m = (
        pd.merge_asof(
            left,
            per[[*keys, "start", "cs", "cn"]].sort_values("start"),
            on="start",
            by=keys,
            allow_exact_matches=False,
        )
        .set_index("index")
        .reindex(rows.index)
    )
    cn = m["cn"].fillna(0.0).to_numpy()
    mean = np.where(cn > 0, m["cs"].fillna(0.0).to_numpy() / np.maximum(cn, 1), 0.0)
    return pd.Series(mean, index=rows.index), pd.Series(cn, index=rows.index)


def _prior_units(rows: pd.DataFrame, keys: list[str], wider: list[str]) -> pd.Series:
    """The SKU's average units sold in earlier sessions (same market, else any): the
    'past average' baseline, NaN with no history."""
    out = pd.Series(np.nan, index=rows.index)
    for k in (keys, wider):
        tmp = rows.assign(_y=rows["sold"])
        mean, n = _prior_mean(tmp, k)
        fill = out.isna() & (n > 0)
        out[fill] = mean[fill]
    return out
