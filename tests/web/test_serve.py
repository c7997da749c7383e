"""`livecart serve` and `livecart.web.serve`: the URL it prints and its refusals."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from livecart.cli import app
from livecart.errors import LivecartError
from livecart.web import serve, url_for


def test_url_for_loopback_and_ipv6():
    assert url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert url_for("::1", 9000) == "http://[::1]:9000/"


def test_serve_refuses_off_loopback_without_token_before_listening(sample_path, monkeypatch):
    monkeypatch.delenv("LIVECART_API_TOKEN", raising=False)
    with pytest.raises(LivecartError, match="LIVECART_API_TOKEN"):
        serve(sample_path, host="0.0.0.0", port=1)


def test_cli_serve_off_loopback_without_token_exits_1_with_how_to_fix(sample_path, monkeypatch):
    monkeypatch.delenv("LIVECART_API_TOKEN", raising=False)
    r = CliRunner().invoke(app, ["serve", str(sample_path), "--host", "0.0.0.0"])
    assert r.exit_code == 1
    assert isinstance(r.exception, LivecartError)
    assert "LIVECART_API_TOKEN" in str(r.exception) and "livecart.toml" in str(r.exception)


def test_cli_serve_without_a_workspace_says_how_to_make_one(tmp_path):
    r = CliRunner().invoke(app, ["serve", str(tmp_path / "none")])
    assert r.exit_code == 1 and "livecart init" in str(r.exception)


def test_importing_the_web_layer_opens_no_database():
    import subprocess
    import sys

    code = (
        "import duckdb\n"
        "def refuse(*a, **k): raise SystemExit('a database was opened at import time')\n"
        "duckdb.connect = refuse\n"
        "import livecart.web, livecart.report, livecart.cli.serve\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_serve_on_a_busy_port_says_which_port_to_try(tmp_path):
    import socket
    import subprocess
    import sys

    import livecart

    livecart.init(tmp_path / "ws").close()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run(
            [sys.executable, "-m", "livecart", "serve", str(tmp_path / "ws"), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert r.returncode == 1
    assert f"--port {port + 1}" in r.stderr and "Traceback" not in r.stderr
    assert "http://" not in r.stdout  # no URL printed for a server that never listened
