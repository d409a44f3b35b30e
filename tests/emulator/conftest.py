"""Fixtures: one running emulator per test module, reset before every test.

These tests check the server's wire format with plain ``requests`` (not the
library's clients), so a bug in a client cannot hide a bug in the emulator.
"""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from openai_accel.testing import Emulator

KEY = "sk-emulator-test-key"


@pytest.fixture(scope="module")
def _server() -> Iterator[Emulator]:
    emulator = Emulator(api_key=KEY).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def emulator(_server: Emulator) -> Emulator:
    _server.reset()
    return _server


@pytest.fixture
def http(emulator: Emulator) -> Iterator[requests.Session]:
    """A keep-alive session that sends the emulator's key."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {KEY}"
        yield session
