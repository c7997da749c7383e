from dataclasses import fields
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "1e400", "-1"])
def test_non_finite_or_negative_number_settings_are_refused(tmp_path, monkeypatch, raw):
    """A NaN checkpoint interval would never save; say which setting is wrong instead."""
    from livecart.errors import LivecartError

    monkeypatch.setenv("LIVECART_CHECKPOINT_SECONDS", raw)
    with pytest.raises(LivecartError, match="checkpoint_seconds"):
        load_settings(tmp_path)


def test_non_finite_settings_in_the_toml_are_refused(tmp_path):
    from livecart.errors import LivecartError

    (tmp_path / "livecart.toml").write_text("checkpoint_seconds = nan\n")
    with pytest.raises(LivecartError, match="checkpoint_seconds"):
        load_settings(tmp_path)
