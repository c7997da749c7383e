"""Every money option of the CLI says its currency in its help (#17: budgets were in the
market's currency, USD or the reporting currency depending on the command, unsaid)."""

from __future__ import annotations

from livecart.cli.lazy import load_all

MONEY = ("--budget", "--fee-budget", "--min-spend", "--max-spend")


def commands(group, path: str = ""):
    """(name, command) of every command under ``group`` (Typer's own Click classes)."""
    if not hasattr(group, "list_commands"):
        return
    ctx = group.context_class(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield f"{path} {name}".strip(), cmd
        yield from commands(cmd, f"{path} {name}")


def test_every_money_option_names_its_currency():
    seen = []
    for name, cmd in commands(load_all()):
        for p in cmd.params:
            if set(getattr(p, "opts", ())) & set(MONEY):
                seen.append(name)
                assert any(w in (p.help or "") for w in ("currency", "USD")), (name, p.opts)
    assert {"stock plan", "stock replan", "plan create", "plan edit", "hosts compare"} <= set(seen)
