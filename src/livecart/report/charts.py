"""Small server-rendered charts as inline SVG: bars (stacked or grouped) and lines, with axes,
tick labels, a legend and a tooltip on every mark (an SVG ``<title>``, which browsers show on
hover and screen readers read). No JavaScript and no network assets, so pages work offline.

Axis ticks use the "nice numbers" rule of Heckbert (Graphics Gems, 1990): steps of 1, 2 or 5
times a power of ten.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape

PALETTE = ("#2563eb", "#f97316", "#16a34a", "#db2777", "#7c3aed", "#0891b2", "#ca8a04", "#64748b")
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 64, 16, 36, 44
MAX_X_LABELS = 10
MAX_BAR_WIDTH = 56
CHAR_WIDTH = 6.6  # average glyph width of the 11px tick font, for fitting labels


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Ticks from 0 covering ``top`` in 1/2/5 x 10^k steps (Heckbert's nice numbers)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def compact(v: float) -> str:
    """A short axis label: 1.5k, 2M, 0.25."""
    a = abs(v)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


def _frame(
    width: int, height: int, title: str, unit: str, ticks: list[float], y: Callable[[float], float]
) -> list[str]:
    """The SVG head, y gridlines with labels, and the axis lines."""
    out = [
        f'<svg class="lc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="100%" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    x0, x1 = PAD_LEFT, width - PAD_RIGHT
    for t in ticks:
        ty = y(t)
        out.append(f'<line class="grid" x1="{x0}" x2="{x1}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        out.append(
            f'<text class="tick" x="{x0 - 6}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{compact(t)}</text>"
        )
    base = y(0)
    out.append(f'<line class="axis" x1="{x0}" x2="{x1}" y1="{base:.1f}" y2="{base:.1f}"/>')
    out.append(f'<line class="axis" x1="{x0}" x2="{x0}" y1="{PAD_TOP}" y2="{base:.1f}"/>')
    if unit:
        out.append(
            f'<text class="unit" x="{x0 - 6}" y="{PAD_TOP - 14}" text-anchor="end">'
            f"{escape(unit)}</text>"
        )
    return out


def _legend(names: Sequence[str], width: int) -> list[str]:
    out, x = [], PAD_LEFT
    for i, name in enumerate(names):
        color = PALETTE[i % len(PALETTE)]
        out.append(
            f'<rect x="{x}" y="8" width="10" height="10" fill="{color}"/>'
            f'<text class="legend" x="{x + 14}" y="17">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return out


def _x_labels(labels: Sequence[str], xs: Sequence[float], base: float, width: int) -> list[str]:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    out = []
    for i, (lab, x) in enumerate(zip(labels, xs, strict=True)):
        if i % every:
            continue
        half = CHAR_WIDTH * len(lab) / 2  # keep the whole label inside the picture
        x = min(max(x, half + 2), width - half - 2)
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{base + 18:.1f}" text-anchor="middle">'
            f"{escape(lab)}</text>"
        )
    return out


def _scale(top: float, height: int) -> tuple[list[float], Callable[[float], float]]:
    ticks = nice_ticks(top)
    span = ticks[-1] or 1.0
    plot_h = height - PAD_TOP - PAD_BOTTOM
    return ticks, lambda v: PAD_TOP + plot_h * (1 - v / span)


def _fmt(v: float, unit: str) -> str:
    return f"{v:,.2f} {unit}".rstrip()


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    unit: str = "",
    stacked: bool = True,
    width: int = 760,
    height: int = 300,
) -> str:
    """Bars per label; several series are stacked (or side by side with ``stacked=False``).
    Every bar has a tooltip: label, series, value and unit."""
    names = list(series)
    n = len(labels)
    if stacked:
        top = max((sum(series[s][i] for s in names) for i in range(n)), default=0.0)
    else:
        top = max((max(v, default=0.0) for v in series.values()), default=0.0)
    ticks, y = _scale(top, height)
    out = _frame(width, height, title, unit, ticks, y) + _legend(names, width)
    slot = (width - PAD_LEFT - PAD_RIGHT) / max(n, 1)
    per_slot = 1 if stacked else max(len(names), 1)
    bar_w = min(slot * 0.8 / per_slot, MAX_BAR_WIDTH)  # a few days should not draw slabs
    centers = [PAD_LEFT + slot * (i + 0.5) for i in range(n)]
    for i, label in enumerate(labels):
        acc = 0.0
        for k, name in enumerate(names):
            v = float(series[name][i])
            lo, hi = (acc, acc + v) if stacked else (0.0, v)
            x = centers[i] - bar_w * per_slot / 2 + (0 if stacked else k * bar_w)
            out.append(
                f'<rect class="bar" data-series="{escape(name)}" x="{x:.1f}" y="{y(hi):.1f}" '
                f'width="{bar_w:.1f}" height="{max(y(lo) - y(hi), 0):.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)} · {escape(name)}: '
                f"{_fmt(v, unit)}</title></rect>"
            )
            acc = hi if stacked else acc
    out += _x_labels(labels, centers, y(0), width)
    out.append("</svg>")
    return "".join(out)


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    unit: str = "",
    width: int = 760,
    height: int = 300,
) -> str:
    """One line per series over the labels; gaps (``None``) break the line. Every point has a
    tooltip."""
    names = list(series)
    values = [v for s in series.values() for v in s if v is not None]
    ticks, y = _scale(max(values, default=0.0), height)
    out = _frame(width, height, title, unit, ticks, y) + _legend(names, width)
    n = len(labels)
    step = (width - PAD_LEFT - PAD_RIGHT) / max(n, 1)
    xs = [PAD_LEFT + step * (i + 0.5) for i in range(n)]
    for k, name in enumerate(names):
        color = PALETTE[k % len(PALETTE)]
        path, pen_down = [], False
        for x, v in zip(xs, series[name], strict=True):
            if v is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{x:.1f},{y(v):.1f}")
            pen_down = True
        out.append(
            f'<path class="line" data-series="{escape(name)}" d="{" ".join(path)}" '
            f'stroke="{color}" fill="none"/>'
        )
        for label, x, v in zip(labels, xs, series[name], strict=True):
            if v is not None:
                out.append(
                    f'<circle class="point" cx="{x:.1f}" cy="{y(v):.1f}" r="3" '
                    f'fill="{color}"><title>{escape(label)} · {escape(name)}: '
                    f"{_fmt(v, unit)}</title></circle>"
                )
    out += _x_labels(labels, xs, y(0), width)
    out.append("</svg>")
    return "".join(out)
