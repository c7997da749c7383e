"""Imports from the dashboard and the API: upload a file of one record kind; it is imported as
`livecart import` imports it (``livecart.ingest.import_file``), in a background job whose
result is the same report (rows written, notes) or the same problems (file, row, column)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from livecart.model.schema import KINDS, LOAD_ORDER
from livecart.store.team import User, record
from livecart.web.deps import workspace
from livecart.web.jobs import Job, JobView, accepted
from livecart.web.page import Page
from livecart.web.render import render
from livecart.web.team import require

router = APIRouter()
MAX_UPLOAD = 1 << 30


@router.post("/api/imports/{kind}", status_code=202, response_model=JobView, tags=["imports"])
def api_import(
    request: Request,
    kind: str,
    file: UploadFile = File(description="CSV (UTF-8), XLSX or Parquet file"),
    timezone: str | None = Form(None, description="IANA zone of times without an offset"),
    market: str | None = Form(None, description="market of every row, for files without one"),
    user: User = Depends(require("operator")),
) -> JSONResponse:
    """Import one file of ``kind`` as `livecart import DIR KIND FILE` does. Answers 202 with
    the job; ``GET /api/jobs/{id}`` then holds the report, or the import's every problem with
    file, row and column (nothing written)."""
    if kind not in KINDS:
        raise HTTPException(404, f"unknown kind {kind!r}: choose {', '.join(KINDS)}")
    ws = workspace(request)
    name = Path(file.filename or "upload").name or "upload"
    folder = Path(tempfile.mkdtemp(prefix=".upload-", dir=ws.path))
    path = folder / name
    with open(path, "wb") as out:
        shutil.copyfileobj(file.file, out, 1 << 20)
    if path.stat().st_size > MAX_UPLOAD:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(413, "file over 1 GB: import it with `livecart import` instead")

    def work(job: Job) -> dict[str, Any]:
        from livecart.ingest import import_file

        try:
            result = import_file(
                ws,
                kind,
                path,
                progress=job.progress,
                timezone=timezone or None,
                market=market or None,
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        out = asdict(result) | {"summary": result.summary()}
        if not result.unchanged:
            record(ws.path, user.name, f"import {kind}", name, None, {"rows": result.rows_written})
        return out

    return accepted(request, f"import {kind} {name}", user.name, work)


@router.get("/imports", response_class=HTMLResponse, include_in_schema=False)
def page_imports(request: Request) -> Response:
    kinds = [KINDS[k] for k in LOAD_ORDER if k in KINDS]
    return render(request, "imports.html", {"title": "Import", "kinds": kinds})


PAGE = Page(
    "imports", "Import", "/imports", "upload an export; read its validation report", router=router
)
