"""What routes take from the app: the workspace it serves."""

from __future__ import annotations

from fastapi import Request

from livecart.store import Workspace


def workspace(request: Request) -> Workspace:
    return request.app.state.workspace
