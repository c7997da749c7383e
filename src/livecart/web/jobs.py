"""Background jobs: work that may take more than a second (an import, a plan, a budget split)
runs in a thread of the server; its route answers at once with the job, and
``GET /api/jobs/{id}`` reports progress (done of total), then the result or the error (an
import's every problem, with file, row and column). ``POST /api/jobs/{id}/cancel`` asks it to
stop: the work checks at each progress step and stops there, writing nothing (imports and plan
saves are atomic). A job started with a ``key`` (its action and inputs) is not started twice: while
one with the same key runs, asking again answers that one; ``latest(key)`` is the newest."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from livecart.errors import LivecartError
from livecart.web.errors import error_body

Status = Literal["running", "done", "failed", "cancelled"]
KEEP = 200  # finished jobs remembered


class Cancelled(LivecartError):
    """The job was cancelled at a progress step; nothing was written."""


class JobView(BaseModel):
    """What a job's page and ``GET /api/jobs/{id}`` show."""

    id: str
    action: str = Field(description="what runs, e.g. 'import orders'")
    by: str = Field(description="who started it")
    status: Status
    done: float = 0
    total: float | None = Field(None, description="None while the size is unknown")
    message: str = ""
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = Field(
        None, description="as the API's errors: error, detail and, for an import, problems"
    )


class Job:
    def __init__(self, action: str, by: str, key: str | None = None) -> None:
        self.key = key
        self.view = JobView(
            id=uuid.uuid4().hex[:12],
            action=action,
            by=by,
            status="running",
            started_at=dt.datetime.now(dt.UTC),
        )
        self.cancel_requested = threading.Event()
        self.finished = threading.Event()

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        """Report progress; raises Cancelled when a cancel was asked for."""
        self.view.done, self.view.total = done, total
        if message:
            self.view.message = message
        self.check()

    def check(self) -> None:
        if self.cancel_requested.is_set():
            raise Cancelled("cancelled: nothing was written")


class JobBook:
    """The server's jobs, newest first."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(
        self,
        action: str,
        by: str,
        work: Callable[[Job], dict[str, Any]],
        key: str | None = None,
    ) -> Job:
        """Run ``work`` in a thread; with a ``key``, a running job with that key is answered
        instead of starting a second thread for the same work."""
        with self._lock:
            running = self._running(key)
            if running is not None:
                return running
            job = Job(action, by, key)
            self._jobs[job.view.id] = job
            for old in [j for j in self._jobs.values() if j.finished.is_set()][:-KEEP]:
                del self._jobs[old.view.id]
        threading.Thread(target=self._run, args=(job, work), name=f"job-{action}").start()
        return job

    def _run(self, job: Job, work: Callable[[Job], dict[str, Any]]) -> None:
        try:
            job.view.result = work(job)
            job.view.status = "done"
        except Cancelled as e:
            job.view.status, job.view.error = "cancelled", error_body(e)
        except LivecartError as e:
            job.view.status, job.view.error = "failed", error_body(e)
        except Exception as e:  # noqa: BLE001 - reported in the job, the server goes on
            job.view.status = "failed"
            job.view.error = {"error": type(e).__name__, "detail": str(e)}
        finally:
            job.view.finished_at = dt.datetime.now(dt.UTC)
            job.finished.set()

    def _running(self, key: str | None) -> Job | None:
        """The job with ``key`` still running, if any (the caller holds the lock)."""
        if key is None:
            return None
        alive = (j for j in self._jobs.values() if j.key == key and not j.finished.is_set())
        return next(alive, None)

    def latest(self, prefix: str) -> Job | None:
        """The newest job whose key starts with ``prefix`` (``"fans value"``)."""
        with self._lock:
            jobs = list(self._jobs.values())
        return next((j for j in reversed(jobs) if (j.key or "").startswith(prefix)), None)

    def cancel_all(self) -> None:
        """Ask every running job to stop (the server is stopping): each stops at its next
        progress step, writing nothing."""
        with self._lock:
            for j in self._jobs.values():
                j.cancel_requested.set()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def views(self) -> list[JobView]:
        with self._lock:
            jobs = list(self._jobs.values())
        return [j.view for j in reversed(jobs)]


def accepted(
    request: Request,
    action: str,
    by: str,
    work: Callable[[Job], dict[str, Any]],
    key: str | None = None,
) -> JSONResponse:
    """Start ``work`` as a job of the app (or, with a ``key``, answer the one with that key
    still running) and answer 202 with it (``GET /api/jobs/{id}`` follows it)."""
    job = request.app.state.jobs.start(action, by, work, key)
    return JSONResponse(job.view.model_dump(mode="json"), status_code=202)


def latest(request: Request, key: str, how: str) -> JSONResponse:
    """The newest job with ``key`` (a key's prefix names the action: ``fans value``), 200; or
    404 saying ``how`` to start one."""
    job = request.app.state.jobs.latest(key)
    if job is None:
        body = {"error": "NotFound", "detail": f"no {key} job has run on this server: {how}"}
        return JSONResponse(body, status_code=404)
    return JSONResponse(job.view.model_dump(mode="json"))
