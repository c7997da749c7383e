"""Everything the Fans page and `/api/fans` show, from one call: the funnel by market, value by
segment, the fan uplift (naive and adjusted) and the P(alive) distribution, with the models'
parameters. Parts that cannot be computed say why in ``notes`` instead of failing the page."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from livecart.errors import FitError
from livecart.fans.funnel import funnel
from livecart.fans.purchases import Purchases, load_purchases
from livecart.fans.segments import assign_segments, segment_table
from livecart.fans.uplift import fan_uplift
from livecart.fans.value import ValueModel, fit_value
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


@dataclass(frozen=True)
class FansModels:
    """The slow part of the overview (seconds: the value models and the uplift bootstraps),
    which reads orders, buyers and exchange rates only: the funnel, which also reads the
    lives, is added by ``fans_overview`` for each grouping."""

    purchases: Purchases | None
    value: ValueModel | None
    currency: str
    buyers: int
    segments: list[SegmentRow]
    uplift: list[UpliftRow]
    p_alive_histogram: list[int]
    parameters: list[Parameter]
    notes: list[str]
    value_error: str | None = None  # why there is no value model


def fans_models(ws: Workspace) -> FansModels:
    """Purchases, the value models (30 parameter draws), segments and the fan uplift."""
    try:
        p = load_purchases(ws)
    except FitError as e:
        return FansModels(
            None, None, ws.settings.reporting_currency, 0, [], [], [0] * 10, [], [str(e)], str(e)
        )
    notes = list(p.notes)
    segments, params, hist, buyers, vm, error = [], [], [0] * 10, 0, None, None
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
        notes.append(error := str(e))
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
    return FansModels(p, vm, p.currency, buyers, segments, uplift, hist, params, notes, error)


def fans_overview(
    ws: Workspace, by: str = "market", models: FansModels | None = None
) -> FansOverview:
    """The overview grouped ``by``; ``models``: ``fans_models(ws)`` when already made."""
    m = models if models is not None else fans_models(ws)
    funnel_rows = []
    if m.purchases is not None:
        f = funnel(ws, m.purchases, by).reset_index()
        funnel_rows = [
            FunnelRow(
                key=str(r[f.columns[0]]),
                **{k: _num(r[k]) for k in FunnelRow.model_fields if k != "key"},
            )
            for _, r in f.iterrows()
        ]
    return FansOverview(
        currency=m.currency,
        buyers=m.buyers,
        funnel_by=by,
        funnel=funnel_rows,
        segments=m.segments,
        uplift=m.uplift,
        p_alive_histogram=m.p_alive_histogram,
        parameters=m.parameters,
        notes=m.notes,
    )


def _num(v):
    if isinstance(v, (float, np.floating)) and not np.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v
