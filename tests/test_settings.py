from dataclasses import fields
from pathlib import Path

from livecart.settings import Settings, load_settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_has_help_and_is_documented():
    text = DOCS.read_text()
    for f in fields(Settings):
        assert f.metadata.get("help"), f"{f.name} has no help text"
        assert f"`{f.name}`" in text, f"{f.name} missing from docs/settings.md"


def test_precedence_default_then_toml_then_env_then_flag(tmp_path, monkeypatch):
    (tmp_path / "livecart.toml").write_text('port = 9001\nreporting_currency = "EUR"\n')
    monkeypatch.delenv("LIVECART_PORT", raising=False)
    assert load_settings(tmp_path).port == 9001
    monkeypatch.setenv("LIVECART_PORT", "9002")
    s = load_settings(tmp_path)
    assert s.port == 9002 and s.reporting_currency == "EUR"
    assert load_settings(tmp_path, port=9003).port == 9003
    assert load_settings(None).reporting_currency == "USD"
