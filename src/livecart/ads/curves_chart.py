"""Each phase's fitted response curve as inline SVG: the point curve, its bootstrap band, and a
marker where the plan's spend sits (and where the 2:6:2 spend sits, when they differ). Written
here rather than in report.charts because ads sits below report in the layers contract."""

from __future__ import annotations

from html import escape

import numpy as np

from livecart.ads.history import PHASES
from livecart.ads.optimize import RULE_262
from livecart.ads.response import ResponseModel

W, H, PL, PR, PT, PB = 360, 220, 56, 12, 28, 36


def _path(xs: np.ndarray, ys: np.ndarray, fx, fy) -> str:
    return " ".join(
        f"{'M' if i == 0 else 'L'}{fx(x):.1f},{fy(y):.1f}"
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    )


def _one(phase: int, xs: np.ndarray, mid, lo, hi, marks: list[tuple[str, float, float, str]]):
    top = float(max(hi.max(), 1.0)) * 1.1
    right = float(xs.max())

    def fx(x: float) -> float:
        return PL + (W - PL - PR) * x / right

    def fy(y: float) -> float:
        return H - PB - (H - PB - PT) * y / top

    name = PHASES[phase].replace("_", "-")
    band = _path(xs, hi, fx, fy) + " " + _path(xs[::-1], lo[::-1], fx, fy).replace("M", "L", 1)
    out = [
        f'<svg class="lc-chart" data-phase="{PHASES[phase]}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="{name} response curve">',
        f"<title>{name}: attributed GMV against spend (USD), 90% band</title>",
        f'<text x="{PL}" y="16" class="unit">{name} GMV (USD)</text>',
        f'<line class="axis" x1="{PL}" x2="{W - PR}" y1="{H - PB}" y2="{H - PB}"/>',
        f'<line class="axis" x1="{PL}" x2="{PL}" y1="{PT}" y2="{H - PB}"/>',
        f'<path class="band" d="{band} Z" fill="#2563eb" fill-opacity="0.18" stroke="none"/>',
        f'<path class="curve" d="{_path(xs, mid, fx, fy)}" fill="none" stroke="#2563eb"'
        ' stroke-width="2"/>',
    ]
    for t in (0.0, top / 2 / 1.1, top / 1.1):
        out.append(
            f'<text class="tick" x="{PL - 4}" y="{fy(t) + 4:.1f}" text-anchor="end">{t:,.0f}</text>'
        )
    for t, a in ((0.0, "middle"), (right / 2, "middle"), (right, "end")):
        out.append(
            f'<text class="tick" x="{fx(t):.1f}" y="{H - PB + 14}" text-anchor="{a}">'
            f"{t:,.0f}</text>"
        )
    out.append(f'<text class="tick" x="{W - PR}" y="{H - 4}" text-anchor="end">spend (USD)</text>')
    for label, x, y, color in marks:
        out.append(
            f'<circle class="mark" cx="{fx(x):.1f}" cy="{fy(y):.1f}" r="5" fill="{color}">'
            f"<title>{escape(label)}: spend {x:,.0f} USD, "
            f"expected GMV {y:,.0f} USD</title></circle>"
        )
    out.append("</svg>")
    return "\n".join(out)


def curve_charts(
    model: ResponseModel, plan_spend_usd: np.ndarray | None = None, budget_usd: float | None = None
) -> list[dict[str, str]]:
    """One chart per phase: ``{"phase", "svg"}``. Other phases are held at the plan's spend
    (carry-over makes each curve depend on the phase before)."""
    if model.curves_ is None:
        return []
    base = np.asarray(
        plan_spend_usd if plan_spend_usd is not None else model.spend_range_[1], float
    )
    rule = np.array(RULE_262) * (budget_usd or base.sum())
    charts = []
    for k in range(3):
        right = max(float(model.spend_range_[1][k]) * 1.5, base[k] * 1.3, 1.0)
        xs = np.linspace(0, right, 60)
        s = np.repeat(base[None], len(xs), axis=0)
        s[:, k] = xs
        mid, lo, hi = (a[:, k] for a in model.band(s))
        marks = [("plan", base[k], float(model.curves_.response(base)[k]), "#f97316")]
        if not np.allclose(rule, base, rtol=0.01):
            rs = base.copy()
            rs[k] = rule[k]
            marks.append(("2:6:2", rule[k], float(model.curves_.response(rs)[k]), "#64748b"))
        charts.append({"phase": PHASES[k], "svg": _one(k, xs, mid, lo, hi, marks)})
    return charts
