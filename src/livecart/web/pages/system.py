"""Service routes: workspace status, a health check, and the API reference page (rendered on
the server from the OpenAPI spec, so it works offline; Swagger UI would load from a CDN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from livecart.web.deps import workspace
from livecart.web.render import render

router = APIRouter()


@router.get("/api/status", tags=["workspace"])
def api_status(request: Request) -> dict[str, Any]:
    """What the workspace holds: rows by record kind, date ranges, markets (= `livecart status
    --json`)."""
    return workspace(request).status()


@router.get("/healthz", tags=["service"])
def healthz() -> dict[str, str]:
    """Liveness check."""
    return {"status": "ok"}


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request) -> Response:
    spec = request.app.openapi()
    ops = [
        {
            "method": method.upper(),
            "path": path,
            "summary": op.get("summary", ""),
            "description": op.get("description", ""),
            "tags": op.get("tags", []),
            "params": [p["name"] for p in op.get("parameters", [])],
        }
        for path, item in spec.get("paths", {}).items()
        for method, op in item.items()
    ]
    return render(request, "api_docs.html", {"title": "API", "ops": ops, "spec": spec})


@router.get("/glossary", response_class=HTMLResponse, include_in_schema=False)
def glossary(request: Request) -> Response:
    """Every word the pages use, in an operator's words, the model's terms folded away."""
    from livecart.web.glossary import GLOSSARY, anchor

    terms = [(anchor(k), k, v[0], v[1]) for k, v in GLOSSARY.items()]
    return render(request, "glossary.html", {"title": "Glossary", "terms": terms})
