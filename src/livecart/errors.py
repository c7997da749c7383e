"""Every error livecart raises on purpose, in one hierarchy.

    LivecartError                  base: catch this to catch everything below
    ├── WorkspaceError             no workspace at a path, or one that cannot be opened
    │   └── SchemaVersionError     the workspace was written by a newer livecart
    ├── UnknownKindError           a record kind livecart does not know
    ├── ImportRejected             a file failed validation; nothing was written
    │                              (``.problems`` lists every Problem: file, row, column, message)
    ├── MissingRateError           money could not be converted: no FX rate for that day
    ├── NotFoundError              no such session, plan, market or product in the workspace
    ├── NotConfiguredError         the action needs a setting this process lacks (the Shop API's
    │                              keys): the message names the environment variables to set
    ├── ConflictError              the request does not fit the current state (nothing to confirm)
    │   └── FitError               a model cannot be fitted on these data (too few, or no
    │                              convergence); the message says why and what to do
    └── EventError                 a live event that cannot be read (bad JSON, unknown type)

Each interface maps these in one place: the CLI prints one line and exits 1, the web layer
answers with a status and a body that says what to fix. A message that tells what to do with a
CLI command or flag (``pass --budget``) carries the same advice in the dashboard's words as
``dashboard`` (``enter a budget``): the web shows that one, the CLI prints the message.
"""

from __future__ import annotations

from dataclasses import dataclass


class LivecartError(Exception):
    """Base of every error livecart raises on purpose. ``dashboard``: the message as the
    dashboard says it, where the message names a CLI command or flag."""

    def __init__(self, *args: object, dashboard: str | None = None) -> None:
        super().__init__(*args)
        self.dashboard = dashboard


class WorkspaceError(LivecartError):
    """No workspace at the path, or it cannot be opened."""


class SchemaVersionError(WorkspaceError):
    """The workspace's schema is newer than this livecart understands."""


class UnknownKindError(LivecartError):
    """A record kind that livecart does not know."""


class MissingRateError(LivecartError):
    """No FX rate for a currency pair on a day: never silently 1.0."""


class NotFoundError(LivecartError):
    """The workspace has no such thing (session, plan, market, product): the web answers 404."""


class NotConfiguredError(LivecartError):
    """The action needs a setting this process was started without (e.g. the TikTok Shop API's
    keys); the message names the environment variables. The web answers 503: the server, not
    the request, must change."""


class ConflictError(LivecartError):
    """The request does not fit the workspace's current state: the web answers 409."""


class FitError(ConflictError):
    """A statistical model cannot be fitted on the data given, or its fit did not converge
    (the workspace's data do not support it yet: 409 on the web)."""


class EventError(LivecartError):
    """A live event that cannot be read."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file. ``row`` is 1-based counting the header as row 1
    (as a spreadsheet shows it); 0 means the whole file; ``column`` is the file's own header."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.row == 0 else f"{self.file}:{self.row}"
        col = f" [{self.column}]" if self.column else ""
        return f"{where}{col}: {self.message}"


class ImportRejected(LivecartError):
    """A file failed validation. Nothing was written. ``problems`` holds every problem found
    (up to a limit; ``truncated`` says whether more were left out)."""

    def __init__(self, problems: list[Problem], truncated: bool = False) -> None:
        self.problems = problems
        self.truncated = truncated
        n = len(problems)
        more = " (and more, not listed)" if truncated else ""
        head = f"import rejected, nothing written: {n} problem{'s' if n != 1 else ''}{more}"
        super().__init__(head + "".join(f"\n  {p}" for p in problems[:20]))
