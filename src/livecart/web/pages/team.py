"""The team page: who may do what (``livecart users``), the audit log of every change, and
the dashboard's sign-in with a member's token (``livecart.web.team``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from livecart.errors import NotFoundError
from livecart.store.team import (
    ROLES,
    User,
    add_user,
    audit_log,
    list_users,
    record,
    remove_user,
    user_for_token,
)
from livecart.web.deps import workspace
from livecart.web.page import Page
from livecart.web.render import render
from livecart.web.team import COOKIE, current_user, require

router = APIRouter()


class AuditEntry(BaseModel):
    at: str
    who: str
    action: str
    target: str = ""
    before: Any = None
    after: Any = None


@router.get("/api/audit", response_model=list[AuditEntry], tags=["team"])
def api_audit(request: Request, limit: int = 200) -> list[dict]:
    """The newest changes made through this server, newest first: who, when, what, before and
    after."""
    return audit_log(workspace(request).path, limit=max(1, min(limit, 5000)))


@router.get("/api/me", tags=["team"])
def api_me(request: Request) -> dict[str, str]:
    """Who this server takes the caller for, and their role."""
    u = current_user(request)
    return {"name": u.name, "role": u.role}


class MemberAdd(BaseModel):
    """The options of `livecart users add`."""

    name: str = Field(min_length=1, max_length=64, description="letters, digits and . _ @ -")
    role: Literal[ROLES]  # type: ignore[valid-type]


class NewMember(BaseModel):
    """A member just added: their token is shown this once (the workspace keeps its hash)."""

    name: str
    role: str
    token: str = Field(description="give it to the member; it signs them in")
    summary: str


@router.post("/api/users", response_model=NewMember, tags=["team"])
def api_add_user(
    request: Request, body: MemberAdd, user: User = Depends(require("admin"))
) -> dict[str, str]:
    """Add a member (= `livecart users add`; an admin's write). An existing member gets the new
    role and a new token, and the old token stops working."""
    ws = workspace(request)
    before = next((u.role for u in list_users(ws.path) if u.name == body.name), None)
    token = add_user(ws.path, body.name, body.role)
    record(ws.path, user.name, "user add", body.name, before, body.role)
    return {
        "name": body.name,
        "role": body.role,
        "token": token,
        "summary": f"{body.name} is a {body.role}: give them this token, shown only now",
    }


@router.delete("/api/users/{name}", tags=["team"])
def api_remove_user(
    request: Request, name: str, user: User = Depends(require("admin"))
) -> dict[str, str]:
    """Remove a member (= `livecart users remove`; an admin's write): their token stops
    working. An unknown member: 404."""
    ws = workspace(request)
    before = next((u.role for u in list_users(ws.path) if u.name == name), None)
    if before is None:
        raise NotFoundError(f"no member {name!r}: the Team page lists who there is")
    remove_user(ws.path, name)
    record(ws.path, user.name, "user remove", name, before, None)
    return {"summary": f"{name} removed: their token no longer signs in"}


@router.get("/team", response_class=HTMLResponse, include_in_schema=False)
def page_team(request: Request) -> Response:
    ws = workspace(request)
    ctx = {
        "title": "Team",
        "me": current_user(request),
        "users": list_users(ws.path),
        "audit": audit_log(ws.path, limit=200),
    }
    return render(request, "team.html", ctx)


@router.post("/login", include_in_schema=False)
def login(request: Request, token: str = Form(...)) -> Response:
    """Sign the browser in with a member's token (a cookie the page's scripts cannot read)."""
    if user_for_token(workspace(request).path, token) is None:
        body = {"error": "unauthorized", "detail": "no member has this token"}
        ctx = {"title": "Sign in", "status": 401, "body": body}
        return render(request, "error.html", ctx, status_code=401)
    r = RedirectResponse("/team", status_code=303)
    r.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=30 * 86400)
    return r


@router.post("/logout", include_in_schema=False)
def logout() -> Response:
    r = RedirectResponse("/team", status_code=303)
    r.delete_cookie(COOKIE)
    return r


PAGE = Page(
    "team",
    "Team",
    "/team",
    "members, roles and the audit log",
    router=router,
    nav=False,
    own_auth=("POST /login", "POST /logout"),
)
