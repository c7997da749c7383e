"""Inline SVG for the Hosts page: host skill with 80% intervals, and a host x category heatmap of
conversion effects (colour: the effect; text: the multiplier; faded: no lives there)."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd


def skill_chart(rows: pd.DataFrame, width: int = 640) -> str:
    """One line per host: the 80% interval of the conversion effect, the estimate as a dot,
    zero (the average host) as a vertical rule."""
    if rows.empty:
        return ""
    label_w, row_h, pad = 200, 20, 12
    height = row_h * len(rows) + 30
    lo = float(min(rows["effect_lo"].min(), -0.1))
    hi = float(max(rows["effect_hi"].max(), 0.1))
    plot_w = width - label_w - pad

    def x(v: float) -> float:
        return label_w + plot_w * (v - lo) / (hi - lo)

    parts = [
        f'<svg class="skill" viewBox="0 0 {width} {height}" width="100%" role="img" '
        'aria-label="host conversion effect with 80% intervals">',
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="4" y2="{height - 16}" stroke="#999" '
        'stroke-dasharray="3,3"/>',
    ]
    for i, r in enumerate(rows.itertuples()):
        y = 14 + i * row_h
        label = escape(f"{r.host_id} ({r.kind}, {r.lives_in_category} lives)")
        parts.append(f'<text x="4" y="{y + 4}" font-size="11">{label}</text>')
        colour = "#4a7ab5" if r.lives_in_category else "#b0b8c4"
        parts.append(
            f'<line x1="{x(r.effect_lo):.1f}" x2="{x(r.effect_hi):.1f}" y1="{y}" y2="{y}" '
            f'stroke="{colour}" stroke-width="6" stroke-linecap="round"><title>'
            f"{escape(r.host_id)}: {r.effect_lo:+.2f} to {r.effect_hi:+.2f}</title></line>"
        )
        parts.append(f'<circle cx="{x(r.effect):.1f}" cy="{y}" r="4" fill="#1b2a41"/>')
    parts.append(f'<text x="{label_w}" y="{height - 4}" font-size="10">{lo:+.2f}</text>')
    parts.append(
        f'<text x="{width - pad}" y="{height - 4}" font-size="10" text-anchor="end">'
        f"{hi:+.2f}</text></svg>"
    )
    return "".join(parts)


def _colour(v: float, scale: float) -> str:
    t = float(np.clip(v / scale, -1, 1))
    if t >= 0:  # white to green
        r, g, b = int(255 - 155 * t), int(255 - 60 * t), int(255 - 155 * t)
    else:  # white to red
        r, g, b = 255, int(255 + 155 * t), int(255 + 155 * t)
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(rows: pd.DataFrame, width: int = 640) -> str:
    """Hosts down, categories across; each cell the host's effect in that category."""
    if rows.empty:
        return ""
    hosts = list(dict.fromkeys(rows.sort_values(["kind", "host_id"])["host_id"]))
    cats = sorted(rows["category"].unique())
    label_w, cell_h = 200, 18
    cell_w = (width - label_w) / max(len(cats), 1)
    height = 24 + cell_h * len(hosts)
    scale = max(float(rows["effect"].abs().max()), 0.1)
    cell = rows.set_index(["host_id", "category"])
    parts = [
        f'<svg class="heatmap" viewBox="0 0 {width} {height}" width="100%" role="img" '
        'aria-label="host x category fit">'
    ]
    for j, c in enumerate(cats):
        parts.append(
            f'<text x="{label_w + (j + 0.5) * cell_w:.1f}" y="14" font-size="11" '
            f'text-anchor="middle">{escape(c)}</text>'
        )
    for i, h in enumerate(hosts):
        y = 20 + i * cell_h
        kind = escape(str(cell.loc[(h, cats[0]), "kind"])) if (h, cats[0]) in cell.index else ""
        parts.append(f'<text x="4" y="{y + 13}" font-size="11">{escape(h)} ({kind})</text>')
        for j, c in enumerate(cats):
            if (h, c) not in cell.index:
                continue
            r = cell.loc[(h, c)]
            xx = label_w + j * cell_w
            opacity = "1" if r["lives_in_category"] else "0.45"
            parts.append(
                f'<rect x="{xx:.1f}" y="{y}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                f'fill="{_colour(float(r["effect"]), scale)}" opacity="{opacity}"><title>'
                f"{escape(h)} in {escape(c)}: {r['effect']:+.2f} ({r['effect_lo']:+.2f} to "
                f"{r['effect_hi']:+.2f}), {int(r['lives_in_category'])} lives</title></rect>"
            )
            parts.append(
                f'<text x="{xx + cell_w / 2:.1f}" y="{y + 12}" font-size="10" '
                f'text-anchor="middle">x{float(r["multiplier"]):.2f}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
