"""What `livecart fans value` reports and `GET /api/fans/value` returns: the BG/NBD and
Gamma-Gamma fits with their 95% intervals, the total expected value over a horizon, and what
following and the fan club are worth (naive against adjusted)."""

from __future__ import annotations

from typing import Any

from livecart.errors import FitError
from livecart.fans.purchases import Purchases
from livecart.fans.uplift import fan_uplift
from livecart.fans.value import fit_value


def value_report(p: Purchases, horizon: int = 52, discount: float = 0.10) -> dict[str, Any]:
    """Fit the value models on ``p`` over ``horizon`` weeks at an ``discount`` annual rate; an
    uplift that cannot be fitted is reported as ``{"error": why}``."""
    vm = fit_value(p, horizon_weeks=horizon, annual_discount=discount)
    uplift: dict[str, dict[str, Any]] = {}
    for kind in ("follower", "fan_club"):
        try:
            uplift[kind] = fan_uplift(p, kind).to_dict()
        except FitError as e:
            uplift[kind] = {"error": str(e)}
    return {
        "currency": vm.currency,
        "horizon_weeks": horizon,
        "buyers": len(vm.buyers),
        "total_value": float(vm.buyers["value"].sum()),
        "purchases": vm.purchase_model.summary().reset_index().to_dict("records"),
        "spend": None
        if vm.spend_model is None
        else vm.spend_model.summary().reset_index().to_dict("records"),
        "uplift": uplift,
        "notes": vm.notes,
    }
