"""Issue 17's "done when": the README's playbook commands all work while `livecart demo` runs.

Every `livecart` line of the README's playbook section (its bash blocks and the Fans section's
indented block) is read from the README itself and run, in order, against the demo it was
written for (seed 42, scale 1) while `livecart demo` serves it (its newest live replaying on
the Live page, as after the Quick start): each exits 0, prints something and no error. The
folder names the README uses (`livecart-demo`, and `mybrand` and `ws` where it speaks of your
own workspace) become the served demo; the files the commands read (an Affiliate Center
creator list, a CRM contact file) are written beside them first. Two changes: the replay runs
as fast as possible (`--speed 0`, not 60: same events, same output), and `livecart fans
evaluate` is left out (it simulates its own seeds and opens no workspace, so a server cannot
affect it; tests/fans run it)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.browser import run_livecart, served
from tests.conftest import built_once
from tests.hosts.test_imported import AFFILIATE

README = Path(__file__).resolve().parents[2] / "README.md"
FOLDERS = {"livecart-demo", "mybrand", "ws"}
NOT_ON_A_WORKSPACE = {("fans", "evaluate")}


def playbook_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    start = text.index("## The playbook, step by step")
    section = text[start : text.index("\n## ", start + 1)]
    lines = [x for b in re.findall(r"```bash\n(.*?)```", section, re.S) for x in b.splitlines()]
    lines += [x[4:] for x in section.splitlines() if x.startswith("    livecart ")]
    argvs = [shlex.split(x, comments=True) for x in lines if x.strip().startswith("livecart ")]
    return [a[1:] for a in argvs if tuple(a[1:3]) not in NOT_ON_A_WORKSPACE]


def as_run_here(argv: list[str], ws: Path) -> list[str]:
    out = [str(ws) if a in FOLDERS else a for a in argv]
    if "--speed" in out:
        out[out.index("--speed") + 1] = "0"
    return out


@pytest.fixture(scope="module")
def demo42(request, tmp_path_factory) -> tuple[Path, Path]:
    """(a copy of the README's demo, a folder with the files its commands read)."""
    from livecart.demo import build

    built = built_once(request, "demo-seed42-scale1", lambda p: build(p, seed=42, scale=1.0))
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(built, root / "demo")
    cwd = root / "cwd"
    cwd.mkdir()
    (cwd / "affiliate_center.csv").write_text(AFFILIATE)
    import livecart

    with livecart.open(root / "demo", read_only=True) as ws:
        buyers = ws.query("SELECT DISTINCT buyer_id FROM orders WHERE buyer_id IS NOT NULL")
    buyers["email"] = buyers["buyer_id"].map(lambda b: f"{b}@example.com")
    buyers.to_csv(cwd / "crm.csv", index=False)
    return root / "demo", cwd


def test_the_readme_lists_the_playbook_commands():
    argvs = playbook_commands()
    assert len(argvs) >= 20, argvs
    assert ["demo-events", "livecart-demo", "L0042", "--out", "L0042.jsonl"] in argvs


@pytest.mark.slow
def test_every_readme_playbook_command_works_while_livecart_demo_runs(demo42):
    ws, cwd = demo42
    failed = []
    with served(ws, ("demo", "--out")):
        assert (ws / "livecart-server.json").exists()  # the server owns the workspace
        for argv in playbook_commands():
            args = as_run_here(argv, ws)
            r = run_livecart(args, cwd)
            if (
                r.returncode != 0
                or not r.stdout.strip()
                or re.search(r"^error|Traceback|locked", r.stderr, re.M | re.I)
            ):
                failed.append(
                    f"livecart {shlex.join(args)} -> {r.returncode}: "
                    f"stderr {r.stderr[-500:]!r}, stdout ends {r.stdout[-300:]!r}"
                )
    assert not failed, "\n".join(failed)
    for made in ("po.csv", "roster.csv", "L0042.jsonl", "audience.csv"):
        assert (cwd / made).stat().st_size > 0, made  # written where the caller stands
