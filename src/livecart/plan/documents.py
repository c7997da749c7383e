"""A session plan as a document: JSON (the whole object), Markdown (for a chat or a wiki) and a
standalone HTML page (no network assets)."""

from __future__ import annotations

from html import escape

from livecart.plan.session import SessionPlan


def to_json(plan: SessionPlan) -> str:
    return plan.model_dump_json(indent=2)


def _mmss(m: int) -> str:
    return f"{m // 60}:{m % 60:02d}"


def _pins(s) -> str:
    return ", ".join(f"{_mmss(a)}-{_mmss(b)}" for a, b in s.pins) or "not pinned"


def _split_line(plan: SessionPlan) -> str:
    a = plan.ads
    if "p_better" not in a:
        return a.get("source", "2:6:2 rule")
    return a.get("reason", "")


MONEY_TARGETS = ("gmv", "session_gmv", "ad_spend")  # the targets in the plan's currency


def _heroes(plan: SessionPlan) -> list[str]:
    """Each hero with the evidence that makes it one (#17)."""
    return [f"{s.sku_id} {s.name}: {s.why}" for s in plan.lineup if s.role == "hero" and s.why]


def _targets(plan: SessionPlan) -> list[str]:
    """Each golden-hour target as "name: value", money with the plan's currency (#17)."""
    return [
        f"{k}: {v:,.2f}" + (f" {plan.currency}" if k in MONEY_TARGETS else "")
        for k, v in plan.targets.items()
    ]


def to_markdown(plan: SessionPlan) -> str:
    b, cur = plan.budget, plan.currency
    out = [
        f"# {plan.title}",
        "",
        f"- plan `{plan.plan_id}` version {plan.version}",
        f"- market {plan.market}, start {plan.start_local} ({plan.start_utc:%Y-%m-%d %H:%M} UTC),"
        f" {plan.minutes} minutes",
        f"- hosts: {', '.join(plan.hosts) or 'not set'}",
        f"- session: {plan.session_id or 'not linked yet'}",
        "",
        "## Ad budget",
        "",
        f"Budget {b['budget']:,.2f} {cur}, {b['source']}. {_split_line(plan)}",
        "",
        "| phase | share | spend |",
        "|---|---|---|",
    ]
    for p, v in b["spend"].items():
        out.append(f"| {p} | {b['shares'][p]:.0%} | {v:,.2f} {cur} |")
    out += [
        "",
        f"Golden-hour spend {b['golden_hour_spend']:,.2f} {cur}; pre-live over "
        f"{b['windows']['pre_live_hours']} hours, closing in the last "
        f"{b['windows']['closing_minutes']} minutes.",
        "",
        "## Run of show",
        "",
        f"| # | SKU | product | role | pinned | price ({cur}) | stock | talking points |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in plan.lineup:
        stock = "-" if s.stock is None else str(s.stock)
        out.append(
            f"| {s.position} | {s.sku_id} | {s.name} | {s.role} | {_pins(s)} | "
            f"{s.price:,.2f} | {stock} | {'; '.join(s.talking_points)} |"
        )
    heroes = _heroes(plan)
    if heroes:
        out += ["", "Why each hero is a hero:", ""] + [f"- {h}" for h in heroes]
    out += ["", f"Stock: {plan.stock_source}.", "", "## Golden-hour targets", ""]
    out += [f"- {t}" for t in _targets(plan)]
    notes = _notes(plan)
    if notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:"
    "collapse}td,th{border:1px solid #ccc;padding:4px 6px}figure{display:inline-block;"
    "width:32%;margin:0}svg.lc-chart{display:block;font-size:11px}svg.lc-chart .axis"
    "{stroke:#94a3b8}svg.lc-chart .tick,svg.lc-chart .unit{fill:#64748b}.muted{color:#64748b}"
)


def _notes(plan: SessionPlan) -> list[str]:
    return (
        plan.lineup_notes
        + plan.guidance_notes
        + plan.notes
        + list(plan.ads.get("notes", []))
        + plan.target_notes
    )


def to_html(plan: SessionPlan, charts: list[dict] | None = None) -> str:
    """A standalone page (inline CSS and SVG, nothing fetched): the Markdown's content as
    tables, plus the response-curve charts when ``charts`` (from `plan.view.plan_charts`)."""
    rows = "".join(
        f"<tr><td>{s.position}</td><td>{escape(s.sku_id)}</td><td>{escape(s.name)}</td>"
        f"<td>{s.role}</td><td>{_pins(s)}</td><td>{s.price:,.2f}</td>"
        f"<td>{'-' if s.stock is None else s.stock}</td>"
        f"<td>{escape('; '.join(s.talking_points))}</td></tr>"
        for s in plan.lineup
    )
    b = plan.budget
    phases = "".join(
        f"<tr><td>{p}</td><td>{b['shares'][p]:.0%}</td><td>{v:,.2f} {plan.currency}</td></tr>"
        for p, v in b["spend"].items()
    )
    figs = "".join(f"<figure>{c['svg']}</figure>" for c in charts or [])
    if figs:
        figs = (
            f"<section id='curves'>{figs}<p class='muted'>Orange: this split · grey: 2:6:2 · "
            "band: 90% bootstrap interval. Each curve holds the other phases at the plan's "
            "spend.</p></section>"
        )
    targets = "".join(f"<li>{escape(t)}</li>" for t in _targets(plan))
    notes = "".join(f"<li>{escape(n)}</li>" for n in _notes(plan))
    heroes = "".join(f"<li>{escape(h)}</li>" for h in _heroes(plan))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(plan.title)}</title>"
        f"<style>{CSS}</style></head><body>"
        f"<h1>{escape(plan.title)}</h1><p>{escape(plan.start_local)} · {plan.minutes} min · "
        f"hosts {escape(', '.join(plan.hosts) or 'not set')}</p>"
        f"<h2>Ad budget</h2><p>{escape(_split_line(plan))}</p><table><tr><th>phase</th>"
        f"<th>share</th><th>spend</th></tr>{phases}</table>{figs}"
        "<h2>Run of show</h2><table><tr><th>#</th><th>SKU</th><th>product</th><th>role</th>"
        f"<th>pinned</th><th>price ({plan.currency})</th><th>stock</th>"
        f"<th>talking points</th></tr>{rows}</table>"
        + (f"<p>Why each hero is a hero:</p><ul id='heroes'>{heroes}</ul>" if heroes else "")
        + f"<p>Stock: {escape(plan.stock_source)}.</p>"
        f"<h2>Golden-hour targets</h2><ul id='targets'>{targets}</ul>"
        + (f"<h2>Notes</h2><ul id='notes'>{notes}</ul>" if notes else "")
        + "</body></html>"
    )
