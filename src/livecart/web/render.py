"""Jinja2 templates and the filters pages share (money, counts, local times)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from livecart.web.glossary import term
from livecart.web.wording import in_dashboard_words

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))


def money(amount: float | None, currency: str | None) -> str:
    """``97.50 USD``; an em dash when the amount is unknown."""
    if amount is None:
        return "—"
    return f"{amount:,.2f} {currency or ''}".rstrip()


def count(n: int | float | None) -> str:
    return "—" if n is None else f"{n:,.0f}"


def hours(h: float | None) -> str:
    return "—" if h is None else f"{h:,.1f} h"


def day(d: dt.date | None) -> str:
    return "—" if d is None else d.strftime("%a %d %b %Y")


def local_time(t: dt.datetime | None, tz: str) -> str:
    """A market-local wall time with its zone, e.g. ``Mon 02 Nov 2026 18:00 (America/New_York)``."""
    return "—" if t is None else f"{t.strftime('%a %d %b %Y %H:%M')} ({tz})"


def wall(t: dt.datetime | None, tz: str | None) -> str:
    """A stored (UTC) time as the market's wall time with its zone's abbreviation, e.g.
    ``2026-11-11 19:30 WIB``."""
    if t is None:
        return "?"
    from livecart.model.clock import wall_time

    return wall_time(t, tz).strftime("%Y-%m-%d %H:%M %Z")


TEMPLATES.env.filters.update(
    money=money, count=count, hours=hours, day=day, wall=wall, term=term, words=in_dashboard_words
)


def csrf(request: Request) -> str:
    """The CSRF token of this browser session, for ``<meta name="csrf-token">``."""
    from livecart.web.team import COOKIE, csrf_token

    return csrf_token(request.app, request.cookies.get(COOKIE, ""))


TEMPLATES.env.globals.update(local_time=local_time, csrf=csrf)


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a template inside the base layout, with the nav and the active page."""
    ctx = {"nav": getattr(request.app.state, "nav", []), "path": request.url.path, **context}
    return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
