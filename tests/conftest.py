"""Fixtures shared by the suite: both clients against the emulator, or a mock."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from openai_accel.testing.pytest_plugin import TEST_CLIENT_OPTIONS
from openai_accel.transports.mock import AsyncMockTransport, MockTransport

from .harness import Harness

CLIENT_KINDS = ["sync", "async"]


@pytest.fixture(params=CLIENT_KINDS)
def client_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_api(client_kind: str, openai_emulator: Any) -> Iterator[Callable[..., Harness]]:
    """Build a harness of the current kind bound to the emulator; options override."""
    made = []

    def make(**options: Any) -> Harness:
        merged = {**TEST_CLIENT_OPTIONS, "base_url": openai_emulator.base_url, **options}
        harness = Harness(client_kind, **merged)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


@pytest.fixture
def api(make_api: Callable[..., Harness]) -> Harness:
    """The default harness: a client of each kind on the emulator."""
    return make_api()


@pytest.fixture
def make_mock_api(client_kind: str) -> Iterator[Callable[..., Harness]]:
    """Build a harness of the current kind whose transport answers from ``handler``."""
    made = []

    def make(handler: Callable[..., Any], **options: Any) -> Harness:
        transport_cls = AsyncMockTransport if client_kind == "async" else MockTransport
        merged = {**TEST_CLIENT_OPTIONS, "base_url": "https://api.example.test/v1", **options}
        harness = Harness(client_kind, transport=transport_cls(handler), **merged)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()
