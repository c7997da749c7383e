"""Fixtures for the live monitor's tests."""

from __future__ import annotations

import pytest

from livecart.model.events import Event
from tests.live.synth import synth_session


@pytest.fixture
def session_events() -> list[Event]:
    return synth_session()
