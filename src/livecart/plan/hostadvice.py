"""Which host for the plan (issue #12): without hosts, the plan proposes the candidate with the
highest expected contribution (livecart.hosts); with hosts, it notes when another candidate is
clearly better (P(its contribution beats the chosen host's) at least 0.8)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np

from livecart.errors import LivecartError
from livecart.store import Workspace

CLEARLY_BETTER = 0.8
_MODELS: dict[tuple, object] = {}  # fitted host models by workspace and what it holds


def _model(ws: Workspace):
    from livecart.hosts import fit_workspace
    from livecart.selection import product_fit

    key = (str(ws.path), *(ws.count(k) for k in ("sessions", "session_products", "creators")))
    if key not in _MODELS:
        _MODELS.clear()
        _MODELS[key] = fit_workspace(ws, product_fit(ws))
    return _MODELS[key]


def advise_host(ws: Workspace, plan, budget: float) -> None:
    """Set or check ``plan.hosts`` from the host comparison; say what was done in the notes."""
    from livecart.hosts import compare_for_plan
    from livecart.hosts.compare import explain

    local = plan.start_utc.astimezone(ZoneInfo(plan.timezone)).replace(tzinfo=None)
    try:
        out = compare_for_plan(
            ws,
            _model(ws),
            plan.market,
            local,
            budget,
            minutes=plan.minutes,
            skus=[s.sku_id for s in plan.lineup] or None,
        )
    except (LivecartError, ValueError, np.linalg.LinAlgError) as e:
        plan.notes.append(f"no host advice: {e}")
        return
    if out.rows.empty or out.winner is None:
        return
    rows = out.rows.set_index("host_id")
    best = rows.loc[out.winner]
    cur = plan.currency
    if not plan.hosts:
        plan.hosts = [out.winner]
        plan.notes.append(
            f"host proposed: {out.winner} ({best['kind']}), expected contribution "
            f"{best['contribution']:,.0f} {cur}, P(best) {best['p_best']:.2f}: {out.reason} "
            "(`livecart hosts compare` shows every candidate)"
        )
        return
    chosen = plan.hosts[0]
    if chosen == out.winner or chosen not in rows.index:
        return
    mine = rows.loc[chosen]
    p = out.p_better(out.winner, chosen)
    pair = out.rows[out.rows["host_id"].isin([out.winner, chosen])].reset_index(drop=True)
    if p >= CLEARLY_BETTER:
        plan.notes.append(
            f"{out.winner} is clearly better than {chosen} for this live: expected contribution "
            f"{best['contribution']:,.0f} against {mine['contribution']:,.0f} {cur} "
            f"(P(better) {p:.2f}); {explain(pair)}"
        )
