"""Everything the Fans page and `/api/fans` show, from one call: the funnel by market, value by
segment, the fan uplift (naive and adjusted) and the P(alive) distribution, with the models'
parameters. Parts that cannot be computed say why in ``notes`` instead of failing the page."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from livecart.errors import FitError
from livecart.fans.funnel import funnel
from livecart.fans.purchases import load_purchases
from livecart.fans.segments import assign_segments, segment_table
from livecart.fans.uplift import fan_uplift
from livecart.fans.value import fit_value
from livecart.store import Workspace


class FunnelRow(BaseModel):
    key: str
    viewers: float
    new_followers: float
    fan_club_joins: float
    first_purchases: float
    repeat_30_rate: float | None
    repeat_90_rate: float | None
    repeat_90_rate_lo: float | None
    repeat_90_rate_hi: float | None
    fans_per_1000_viewers: float | None


class SegmentRow(BaseModel):
    segment: str
    buyers: int
    p_alive: float | None
    expected_purchases: float | None
    value: float | None
    value_lo: float | None
    value_hi: float | None
    action: str
    exportable_to_tiktok: bool


class UpliftRow(BaseModel):
    kind: str
    naive: float
    naive_lo: float
    naive_hi: float
    adjusted: float
    adjusted_lo: float
    adjusted_hi: float
    joins: int
    window_weeks: int


class Parameter(BaseModel):
    parameter: str
    estimate: float
    lower: float
    upper: float


class FansOverview(BaseModel):
    currency: str
    buyers: int
    funnel_by: str = "market"
    funnel: list[FunnelRow]
    segments: list[SegmentRow]
    uplift: list[UpliftRow]
    p_alive_histogram: list[int] = Field(description="buyers per P(alive) tenth, 0-0.1 first")
    parameters: list[Parameter]
    notes: list[str]


def fans_overview(ws: Workspace, by: str = "market") -> FansOverview:
    try:
        p = load_purchases(ws)
    except FitError as e:
        cur = ws.settings.reporting_currency
        return FansOverview(
            currency=cur,
            buyers=0,
            funnel_by=by,
            funnel=[],
            segments=[],
            uplift=[],
            p_alive_histogram=[0] * 10,
            parameters=[],
            notes=[str(e)],
        )
    notes = list(p.notes)
    f = funnel(ws, p, by).reset_index()
    funnel_rows = [
        FunnelRow(
            key=str(r[f.columns[0]]),
            **{k: _num(r[k]) for k in FunnelRow.model_fields if k != "key"},
        )
        for _, r in f.iterrows()
    ]
    segments, params, hist, buyers = [], [], [0] * 10, 0
    try:
        vm = fit_value(p, n_draws=30)
        notes += [n for n in vm.notes if n not in notes]
        t = segment_table(vm, assign_segments(vm, p.end_day))
        segments = [SegmentRow(**{k: _num(v) for k, v in r.items()}) for r in t.to_dict("records")]
        summ = vm.purchase_model.summary().reset_index()
        if vm.spend_model is not None:
            summ = pd.concat([summ, vm.spend_model.summary().reset_index()], ignore_index=True)
        params = [Parameter(**r) for r in summ.to_dict("records")]
        hist = np.histogram(vm.buyers["p_alive"], bins=10, range=(0, 1))[0].tolist()
        buyers = len(vm.buyers)
    except FitError as e:
        notes.append(str(e))
    uplift = []
    for kind in ("follower", "fan_club"):
        try:
            u = fan_uplift(p, kind)
        except FitError as e:
            notes.append(str(e))
            continue
        uplift.append(
            UpliftRow(
                kind=kind,
                naive=u.naive,
                naive_lo=u.naive_interval[0],
                naive_hi=u.naive_interval[1],
                adjusted=u.adjusted,
                adjusted_lo=u.adjusted_interval[0],
                adjusted_hi=u.adjusted_interval[1],
                joins=u.joins,
                window_weeks=u.window_weeks,
            )
        )
    return FansOverview(
        currency=p.currency,
        buyers=buyers,
        funnel_by=by,
        funnel=funnel_rows,
        segments=segments,
        uplift=uplift,
        p_alive_histogram=hist,
        parameters=params,
        notes=notes,
    )


def _num(v):
    if isinstance(v, (float, np.floating)) and not np.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v
