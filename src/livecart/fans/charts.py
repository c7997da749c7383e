"""Inline SVG for the Fans page: horizontal bars with optional 80% interval whiskers (the funnel,
value by segment, fan uplift) and a histogram of P(alive). Each mark has a ``<title>`` tooltip;
no script, no network."""

from __future__ import annotations

import math
from html import escape

ROW, LEFT, RIGHT, TOP = 24, 190, 70, 30


def bar_chart(
    rows: list[tuple[str, float, float | None, float | None]],
    title: str,
    unit: str = "",
    fmt: str = "{:,.0f}",
    width: int = 640,
) -> str:
    """One bar per ``(label, value, lo, hi)``; ``lo``/``hi`` draw an interval whisker."""
    vals = [v for _, v, lo, hi in rows for v in (v, lo, hi) if v is not None and math.isfinite(v)]
    top = max([*vals, 0.0]) or 1.0
    bottom = min([*vals, 0.0])
    span = top - bottom or 1.0
    height = TOP + ROW * len(rows) + 12

    def x(v: float) -> float:
        return LEFT + (width - LEFT - RIGHT) * (v - bottom) / span

    out = [
        f'<svg class="lc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
        f'{height}" width="100%" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>",
        f'<text class="tick" x="{LEFT}" y="16">{escape(unit)}</text>',
        f'<line class="grid" x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{TOP - 6}" y2="{height - 8}"/>',
    ]
    for i, (label, v, lo, hi) in enumerate(rows):
        y = TOP + ROW * i
        a, b = sorted((x(0), x(v if math.isfinite(v) else 0)))
        tip = f"{label}: {fmt.format(v)}"
        if lo is not None and hi is not None:
            tip += f" (80%: {fmt.format(lo)} to {fmt.format(hi)})"
        out.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 14}" text-anchor="end">{escape(label)}'
            f'</text><rect class="bar" x="{a:.1f}" y="{y + 3}" width="{max(b - a, 1):.1f}" '
            f'height="{ROW - 8}"><title>{escape(tip)}</title></rect>'
        )
        if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
            out.append(
                f'<line class="whisker" x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{y + 11}" '
                f'y2="{y + 11}" stroke="currentColor" stroke-width="2"/>'
            )
        out.append(
            f'<text class="tick" x="{max(b, x(hi) if hi is not None else b) + 4:.1f}" '
            f'y="{y + 14}">{escape(fmt.format(v))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def histogram(values, bins: int = 10, title: str = "P(alive)") -> str:
    """Buyers per P(alive) bin (0-0.1, ..., 0.9-1)."""
    counts = [0] * bins
    for v in values:
        counts[min(int(v * bins), bins - 1)] += 1
    rows = [
        (f"{i / bins:.1f}-{(i + 1) / bins:.1f}", float(c), None, None) for i, c in enumerate(counts)
    ]
    return bar_chart(rows, title, unit="buyers")
