"""A dashboard page: its nav entry and, once built, its router. The list of pages is
``livecart.web.pages.PAGES``; see docs/web.md for adding one."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter


@dataclass(frozen=True)
class Page:
    """One nav entry. ``router`` serves ``path`` (and its JSON twin under /api); a page with no
    router yet shows a placeholder naming ``issue``, the issue that brings it. ``nav=False``
    registers an API-only router with no nav entry. ``own_auth`` lists the routes that check
    their callers themselves, e.g. ``("POST /api/sessions/{session_id}/events",)`` for a signed
    webhook: the bearer-token rules skip exactly those."""

    key: str
    title: str
    path: str
    blurb: str
    router: APIRouter | None = None
    issue: int | None = None
    nav: bool = True
    own_auth: tuple[str, ...] = ()

    @property
    def built(self) -> bool:
        return self.router is not None
