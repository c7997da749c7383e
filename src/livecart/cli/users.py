"""`livecart users add|list|remove`: the workspace's team (``livecart.store.team``). A member
signs in to the dashboard, or calls the API, with the token `add` prints once."""

from __future__ import annotations

from pathlib import Path

import typer

from livecart.cli.app import app, console, print_json

users_app = typer.Typer(
    help="The team: members with a role (viewer, operator, admin) and a token each.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")
DIR = typer.Argument(..., help="workspace folder")


@users_app.command("add")
def add(
    directory: Path = DIR,
    name: str = typer.Argument(..., help="the member's name, e.g. ana"),
    role: str = typer.Option(
        "operator",
        "--role",
        help="viewer (reads), operator (also changes data), admin (also users)",
    ),
) -> None:
    """Add a member (or give one a new role and token) and print their token, once."""
    from livecart.store import Workspace
    from livecart.store.team import add_user, record

    with Workspace.open(directory) as ws:  # a workspace must be there
        token = add_user(ws.path, name, role)
        record(ws.path, "cli", "users add", name, None, {"role": role})
    console.print(f"{name} is a {role}. Their token (shown once; keep it secret):", highlight=False)
    console.print(token, markup=False, highlight=False, soft_wrap=True)
    console.print(
        "They sign in on the dashboard's Team page with it, or send "
        "`Authorization: Bearer <token>` to the API.",
        highlight=False,
    )


@users_app.command("list")
def list_(directory: Path = DIR, as_json: bool = typer.Option(False, "--json")) -> None:
    """Members and their roles."""
    from livecart.store import Workspace
    from livecart.store.team import list_users

    with Workspace.open(directory, read_only=True) as ws:
        users = list_users(ws.path)
    if as_json:
        print_json([{"name": u.name, "role": u.role} for u in users])
        return
    for u in users:
        console.print(f"{u.name}\t{u.role}", highlight=False)
    if not users:
        console.print("no members yet: `livecart users add DIR NAME --role operator`")


@users_app.command("remove")
def remove(directory: Path = DIR, name: str = typer.Argument(...)) -> None:
    """Remove a member: their token stops working at once."""
    from livecart.store import Workspace
    from livecart.store.team import record, remove_user

    with Workspace.open(directory) as ws:
        remove_user(ws.path, name)
        record(ws.path, "cli", "users remove", name)
    console.print(f"{name} removed")
