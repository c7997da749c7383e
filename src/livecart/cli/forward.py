"""The CLI's client side of "one owner, many clients": a command line naming a workspace that a
running `livecart serve` or `livecart demo` owns (``livecart.owner``) is sent to that
server, which runs it against its open workspace (``livecart.cli.in_server``), and its output
and exit code are passed on unchanged. With no live server the command runs here as always.

Kept to the standard library (and Rich for the console's width and colours), so a forwarded
command does not load what it does not run.
"""

from __future__ import annotations

import getpass
import http.client
import json
import os
import sys
import time
import urllib.parse
from pathlib import Path

from livecart.owner import ADVERT_FILE, Owner, find_owner, pid_alive

SERVING = ("serve", "demo")  # commands that run a server themselves
ROUTE = "/api/local/cli"
CONNECT_S = 3.0  # how long a just-started server may take to accept


def forward(argv: list[str]) -> int | None:
    """Run ``argv`` in the server that owns its workspace and return the exit code; None when
    no live server owns a workspace it names (run it here)."""
    if "--help" in argv:
        return None  # help needs no workspace
    owner, folder = owner_of(argv)
    if owner is None:
        return None
    command = next((a for a in argv if not a.startswith("-")), "")
    if command in SERVING and not (command == "demo" and "--no-serve" in argv):
        sys.stderr.write(
            f"error: {folder} is already served at {owner.url} (livecart, PID {owner.pid}): "
            "open that address, or stop that server before starting another\n"
        )
        return 1
    try:
        return _send(owner, argv)
    except (ConnectionError, OSError):
        return None  # the server is going away: run here (a lock error says who holds it)


def owner_of(argv: list[str]) -> tuple[Owner | None, str]:
    """The live server owning a workspace folder named on the command line, if any."""
    for token in argv:
        value = token.partition("=")[2] if token.startswith("-") else token
        if not value or value.startswith("-"):
            continue
        try:
            if not (Path(value) / ADVERT_FILE).is_file():
                continue
        except OSError:
            continue
        owner = find_owner(value)
        if owner is not None:
            return owner, value
    return None, ""


def _send(owner: Owner, argv: list[str]) -> int:
    url = urllib.parse.urlsplit(owner.url)
    body = json.dumps(
        {
            "argv": argv,
            "cwd": os.getcwd(),
            "prog_name": _prog_name(),
            "user": _login(),
            "out": _console_spec(stderr=False),
            "err": _console_spec(stderr=True),
        }
    ).encode()
    headers = {
        "Authorization": f"Bearer {owner.token}",
        "Content-Type": "application/json",
        "Host": url.netloc,
    }
    conn = _connect(url, owner)
    try:
        conn.request("POST", ROUTE, body=body, headers=headers)
        resp = conn.getresponse()
        if resp.status != 200:
            detail = resp.read().decode("utf-8", "replace")
            sys.stderr.write(f"error: the server at {owner.url} refused the command: {detail}\n")
            return 1
        return _relay(resp)
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted: the command may still finish in the server\n")
        return 130
    finally:
        conn.close()


def _connect(url: urllib.parse.SplitResult, owner: Owner) -> http.client.HTTPConnection:
    deadline = time.monotonic() + CONNECT_S
    while True:
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=None)
        try:
            conn.connect()
            return conn
        except ConnectionRefusedError:
            conn.close()
            if time.monotonic() > deadline or not pid_alive(owner.pid):
                raise
            time.sleep(0.05)


def _relay(resp: http.client.HTTPResponse) -> int:
    """Write the server's output lines here; the command's exit code, or 1 with an error when
    the server's answer ends before it (the server stopped or failed mid-command)."""
    code = None
    while line := _readline(resp):
        msg = json.loads(line)
        if "out" in msg:
            sys.stdout.write(msg["out"])
            sys.stdout.flush()
        elif "err" in msg:
            sys.stderr.write(msg["err"])
            sys.stderr.flush()
        elif "exit" in msg:
            code = int(msg["exit"])
    if code is None:
        sys.stderr.write(
            "error: the server stopped answering before the command finished (it may have "
            "been stopped or failed: see its log); run the command again\n"
        )
        return 1
    return code


def _readline(resp: http.client.HTTPResponse) -> bytes:
    try:
        return resp.readline()
    except (http.client.HTTPException, OSError):  # the connection broke mid-answer
        return b""


def _console_spec(stderr: bool) -> dict[str, object]:
    """The width and colours this process's Rich console would use."""
    from rich.console import Console

    c = Console(stderr=stderr)
    return {"width": c.width, "color_system": None if c.no_color else c.color_system}


def _login() -> str:
    """Who runs this command, for the server's audit log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"uid {os.getuid()}"


def _prog_name() -> str:
    """What click would call this program in its usage lines."""
    main = sys.modules.get("__main__")
    if os.path.basename(sys.argv[0] or "") == "__main__.py" and main is not None:
        package = getattr(main, "__package__", None)
        if package:
            return f"python -m {package}"
    return os.path.basename(sys.argv[0] or "livecart")
