"""The CLI's side of a monitor run (`livecart monitor`, `worker`, `tiktok`): the run is set up by
``livecart.live.open_run`` with the session's planned stock; Ctrl+C saves it before stopping; at
the end the webhook posts still queued are delivered and failures said."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from livecart.cli.app import err_console

if TYPE_CHECKING:
    from livecart.live import LiveRun
    from livecart.live.sources import Source
    from livecart.store import Workspace


def start_run(ws: Workspace, source: Source, planned_stock: bool = True, **kw: Any) -> LiveRun:
    """``open_run`` with each SKU starting at the stock of the session's latest saved stock
    plan (unless ``planned_stock`` is off); says so when it resumes from a checkpoint."""
    from livecart.cli.compiling import ensure_kernels
    from livecart.live import open_run
    from livecart.stock import latest_saved

    ensure_kernels()
    stock = partial(latest_saved, ws) if planned_stock else None
    run = open_run(ws, source, starting_stock=stock, **kw)
    if run.resumed:
        err_console.print(f"resuming from the checkpoint {run.checkpoint} (--fresh starts over)")
    return run


def run_until_stopped(run: LiveRun, on_stop: Callable[[], None] | None = None) -> None:
    """Run to the end of the source; Ctrl+C stops the source (``on_stop``) and saves first."""
    try:
        run.run()
    except KeyboardInterrupt:
        if on_stop is not None:
            on_stop()
        with run.lock:
            run.save()


def finish_run(run: LiveRun) -> None:
    """Deliver what the webhook still holds, then say which posts failed."""
    for failure in run.close_sinks():
        err_console.print(f"[yellow]webhook failed:[/yellow] {failure}")
