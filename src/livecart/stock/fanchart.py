"""The forecast fan chart of a stock plan as inline SVG: one row per SKU, nested bands for the
90%, 80% and 50% demand intervals, a tick at the median, and markers for the stock already
there and the planned stock. Every mark has a ``<title>`` tooltip; no script, no network."""

from __future__ import annotations

import math
from html import escape

from livecart.stock.sizing import StockPlan

BANDS = (
    ("p05", "p95", "90% interval", 0.18),
    ("p10", "p90", "80% interval", 0.3),
    ("p25", "p75", "50% interval", 0.5),
)
ROW, LEFT, RIGHT, TOP = 26, 84, 24, 34


def _ticks(top: float) -> list[float]:
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def fan_chart(plan: StockPlan, width: int = 760) -> str:
    """Demand fan per SKU with the planned stock (diamond) and stock already there (bar)."""
    lines = plan.lines
    top = max([max(ln.fan.get("p95", ln.p90), ln.target, ln.available) for ln in lines] or [1])
    ticks = _ticks(top)
    span = ticks[-1] or 1.0
    height = TOP + ROW * len(lines) + 30

    def x(v: float) -> float:
        return LEFT + (width - LEFT - RIGHT) * max(v, 0.0) / span

    title = f"Demand forecast and planned stock, {plan.session_id}"
    out = [
        f'<svg class="lc-chart lc-fan" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text class="tick" x="{LEFT}" y="16">units: bands 90/80/50% of demand, '
        f"| median, ◆ planned stock, ▮ stock already there</text>",
    ]
    for t in ticks:
        out.append(
            f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{TOP - 6}" '
            f'y2="{height - 24}"/><text class="tick" x="{x(t):.1f}" y="{height - 8}" '
            f'text-anchor="middle">{t:g}</text>'
        )
    for i, ln in enumerate(lines):
        out += _row(ln, TOP + ROW * i, x)
    out.append("</svg>")
    return "".join(out)


def _row(ln, y0: float, x) -> list[str]:
    mid = y0 + ROW / 2
    sku = escape(ln.sku_id)
    out = [f'<text class="tick" x="{LEFT - 8}" y="{mid + 4:.1f}" text-anchor="end">{sku}</text>']
    for lo, hi, name, alpha in BANDS:
        a, b = ln.fan.get(lo, ln.p10), ln.fan.get(hi, ln.p90)
        out.append(
            f'<rect class="band" data-sku="{sku}" x="{x(a):.1f}" y="{y0 + 5:.1f}" '
            f'width="{max(x(b) - x(a), 1):.1f}" height="{ROW - 10}" fill="#2563eb" '
            f'fill-opacity="{alpha}"><title>{sku} {name}: {a:.0f} to {b:.0f} units'
            f"</title></rect>"
        )
    out.append(
        f'<line class="median" x1="{x(ln.p50):.1f}" x2="{x(ln.p50):.1f}" y1="{y0 + 3}" '
        f'y2="{y0 + ROW - 3}" stroke="#1e3a8a" stroke-width="2"><title>{sku} median '
        f"demand {ln.p50:.0f} units</title></line>"
    )
    out.append(
        f'<rect class="have" x="{x(ln.available) - 2:.1f}" y="{y0 + 2}" width="4" '
        f'height="{ROW - 4}" fill="#64748b"><title>{sku} stock already there: '
        f"{ln.available} units</title></rect>"
    )
    cx, s = x(ln.target), 6
    out.append(
        f'<path class="target" d="M{cx:.1f},{mid - s:.1f} L{cx + s:.1f},{mid:.1f} '
        f'L{cx:.1f},{mid + s:.1f} L{cx - s:.1f},{mid:.1f} Z" fill="#f97316">'
        f"<title>{sku} planned stock {ln.target} units (order {ln.order_qty})</title>"
        f"</path>"
    )
    return out
