"""A forwarded command never fails silently: an answer cut off before its exit code, or a
`sys.exit("message")` inside a command, says so on stderr with exit code 1."""

from __future__ import annotations

import io
import json

from livecart.cli.forward import _relay


def answer(*messages: dict) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(m).encode() + b"\n" for m in messages))


def test_the_servers_exit_code_and_output_are_passed_on(capsys):
    assert _relay(answer({"out": "done\n"}, {"err": "note\n"}, {"exit": 3})) == 3
    got = capsys.readouterr()
    assert (got.out, got.err) == ("done\n", "note\n")


def test_an_answer_cut_off_before_its_exit_code_is_an_error_saying_so(capsys):
    assert _relay(answer({"out": "half of it\n"})) == 1
    got = capsys.readouterr()
    assert got.out == "half of it\n"
    assert "stopped answering before the command finished" in got.err


def test_a_broken_connection_mid_answer_is_the_same_error(capsys):
    class Broken(io.BytesIO):
        def readline(self, *a):
            raise ConnectionResetError("reset by peer")

    assert _relay(Broken()) == 1
    assert "stopped answering" in capsys.readouterr().err


def test_a_command_that_exits_with_a_message_prints_it(monkeypatch, capsys):
    import typer.main

    from livecart.cli.app import run_argv

    class Exits:
        def main(self, **kw):
            raise SystemExit("no buyers to value")

    monkeypatch.setattr(typer.main, "get_command", lambda app: Exits())
    assert run_argv(["fans", "value", "ws"]) == 1
    assert "no buyers to value" in capsys.readouterr().err
