"""Background jobs' routes: list, one job's progress and result, cancel (``livecart.web.jobs``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from livecart.store.team import User, record
from livecart.web.jobs import Job, JobBook, JobView
from livecart.web.page import Page
from livecart.web.team import require

router = APIRouter()


def jobs(request: Request) -> JobBook:
    return request.app.state.jobs


def job(request: Request, job_id: str) -> Job:
    found = jobs(request).get(job_id)
    if found is None:
        raise HTTPException(404, f"no job {job_id!r} (jobs are kept while the server runs)")
    return found


@router.get("/api/jobs", response_model=list[JobView], tags=["jobs"])
def api_jobs(request: Request) -> list[JobView]:
    """This server's background jobs, newest first."""
    return jobs(request).views()


@router.get("/api/jobs/{job_id}", response_model=JobView, tags=["jobs"])
def api_job(request: Request, job_id: str) -> JobView:
    """One job: progress (``done`` of ``total``), then its result or its error."""
    return job(request, job_id).view


@router.post("/api/jobs/{job_id}/cancel", response_model=JobView, tags=["jobs"])
def api_cancel(request: Request, job_id: str, user: User = Depends(require("operator"))) -> JobView:
    """Ask a job to stop; it stops at its next progress step and writes nothing."""
    j = job(request, job_id)
    if j.view.status == "running":
        j.cancel_requested.set()
        record(request.app.state.workspace.path, user.name, "cancel job", j.view.action)
    return j.view


PAGE = Page("jobs", "Jobs", "/api/jobs", "background jobs", router=router, nav=False)
