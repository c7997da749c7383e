"""Inline SVG for the products page: a ranking with its 80% intervals drawn as bars around the
posterior mean (the benchmark as a tick), and one product's evidence over time."""

from __future__ import annotations

from html import escape

import pandas as pd


def compact(v: float) -> str:
    """A short axis label: 1.5k, 2M, 0.25. (livecart.report.charts has the same helper, but
    report sits above selection in the layers, so selection cannot import it.)"""
    a = abs(v)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


def interval_chart(rows: pd.DataFrame, width: int = 640) -> str:
    """One line per product: 80% interval of GMV per 1,000 views, mean as a dot, the winner
    bar (benchmark GPM) as a red tick."""
    if rows.empty:
        return ""
    label_w, row_h, pad = 190, 22, 10
    height = row_h * len(rows) + 30
    top = float(max(rows["gpm_hi"].max(), rows["benchmark_gpm"].max())) or 1.0
    plot_w = width - label_w - pad

    def x(v: float) -> float:
        return label_w + plot_w * max(v, 0.0) / top

    parts = [
        f'<svg class="intervals" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="GMV per 1,000 views with 80% intervals">'
    ]
    for i, r in enumerate(rows.itertuples()):
        y = 15 + i * row_h
        name = escape(f"{r.rank}. {r.sku_id} {str(r.product_name)[:18]}")
        parts.append(f'<text x="4" y="{y + 4}" font-size="11">{name}</text>')
        parts.append(
            f'<line x1="{x(r.gpm_lo):.1f}" x2="{x(r.gpm_hi):.1f}" y1="{y}" y2="{y}" '
            f'stroke="#4a7ab5" stroke-width="6" stroke-linecap="round">'
            f"<title>{escape(r.sku_id)}: {compact(r.gpm_lo)} to {compact(r.gpm_hi)}"
            f"</title></line>"
        )
        parts.append(f'<circle cx="{x(r.gpm_mean):.1f}" cy="{y}" r="4" fill="#1b2a41"/>')
        bx = x(r.benchmark_gpm)
        parts.append(
            f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{y - 8}" y2="{y + 8}" '
            'stroke="#c0392b" stroke-width="2"/>'
        )
    parts.append(f'<text x="{label_w}" y="{height - 4}" font-size="10">0</text>')
    parts.append(
        f'<text x="{width - pad}" y="{height - 4}" font-size="10" '
        f'text-anchor="end">{compact(top)}</text></svg>'
    )
    return "".join(parts)


def evidence_chart(history: pd.DataFrame, width: int = 640, height: int = 200) -> str:
    """Posterior GPM (mean and 80% band) after each test video, against cumulative views."""
    if history.empty:
        return ""
    pad_l, pad_b, pad_t = 50, 25, 10
    xs = history["cum_views"].to_numpy(float)
    top = float(max(history["gpm_hi"].max(), history["bar_gpm"].max())) or 1.0
    xmax = float(xs.max()) or 1.0

    def px(v: float) -> float:
        return pad_l + (width - pad_l - 10) * v / xmax

    def py(v: float) -> float:
        return pad_t + (height - pad_t - pad_b) * (1 - v / top)

    hi = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs, history["gpm_hi"], strict=True))
    lo = " ".join(
        f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs[::-1], history["gpm_lo"][::-1], strict=True)
    )
    mean = " ".join(
        f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs, history["gpm_mean"], strict=True)
    )
    bar = py(float(history["bar_gpm"].iloc[-1]))
    return (
        f'<svg class="evidence" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="evidence over time">'
        f'<polygon points="{hi} {lo}" fill="#4a7ab5" fill-opacity="0.25"/>'
        f'<polyline points="{mean}" fill="none" stroke="#1b2a41" stroke-width="2"/>'
        f'<line x1="{pad_l}" x2="{width - 10}" y1="{bar:.1f}" y2="{bar:.1f}" '
        f'stroke="#c0392b" stroke-dasharray="4 3"/>'
        f'<text x="4" y="{pad_t + 8}" font-size="10">{compact(top)}</text>'
        f'<text x="4" y="{height - pad_b}" font-size="10">0</text>'
        f'<text x="{width - 10}" y="{height - 6}" font-size="10" text-anchor="end">'
        f"{compact(xmax)} views</text></svg>"
    )
