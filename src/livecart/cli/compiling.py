"""Say so when the monitor's compiled kernels are not on disk yet, and compile them with a
progress bar before the live work starts (livecart.live.engine.kernels)."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from livecart.cli.app import err_console


def ensure_kernels() -> None:
    """Load the monitor's kernels; on a fresh install (or after an upgrade) compile them first,
    about 20 s of one core, with progress on stderr. Later runs load them in under a second."""
    from livecart.live.engine import kernels

    todo = kernels.uncached()
    if not todo:
        return
    err_console.print(
        f"compiling the live monitor's kernels ({len(todo)}), once after an install or upgrade; "
        f"they are cached in {kernels.cache_dir()}",
        highlight=False,
        soft_wrap=True,
    )
    with Progress(
        TextColumn("compiling"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=len(todo))
        seconds = kernels.compile_kernels(
            lambda name: bar.update(task, advance=1, description=name)
        )
    err_console.print(f"kernels compiled in {seconds:.0f} s", highlight=False)
