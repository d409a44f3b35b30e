"""pytest fixtures for testing code that uses openai_accel, offline.

Registered through the ``pytest11`` entry point, so installing the package is
enough. Fixtures:

* ``openai_emulator`` - a running :class:`~openai_accel.testing.Emulator`
  (one per session, reset before each test);
* ``openai_client`` - an ``OpenAI`` bound to it;
* ``async_openai_client`` - an ``AsyncOpenAI`` bound to it (use it inside the
  event loop your test runs, e.g. with ``asyncio.run``);
* ``openai_rate_limits`` - a function that makes the emulator enforce rate
  limits (``openai_rate_limits(requests_per_minute=600)``; see
  ``Emulator.set_rate_limits``); the next test starts without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:
    from openai_accel import AsyncOpenAI, OpenAI
    from openai_accel.testing import Emulator

#: Fast retries: tests must not wait seconds for backoff.
TEST_CLIENT_OPTIONS: dict[str, Any] = {
    "api_key": "sk-test-emulator",
    "max_retries": 2,
    "initial_retry_delay": 0.01,
    "max_retry_delay": 0.5,
    "timeout": 10.0,
}


@pytest.fixture(scope="session")
def _openai_emulator_server() -> Iterator[Emulator]:
    from openai_accel.testing import Emulator

    emulator = Emulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def openai_emulator(_openai_emulator_server: Emulator) -> Emulator:
    _openai_emulator_server.reset()
    return _openai_emulator_server


@pytest.fixture
def openai_client(openai_emulator: Emulator) -> Iterator[OpenAI]:
    from openai_accel import OpenAI

    with OpenAI(base_url=openai_emulator.base_url, **TEST_CLIENT_OPTIONS) as client:
        yield client


@pytest.fixture
def async_openai_client(openai_emulator: Emulator) -> AsyncOpenAI:
    from openai_accel import AsyncOpenAI

    return AsyncOpenAI(base_url=openai_emulator.base_url, **TEST_CLIENT_OPTIONS)


@pytest.fixture
def openai_rate_limits(openai_emulator: Emulator) -> Any:
    """``openai_rate_limits(requests_per_minute=..., tokens_per_minute=..., ...)``."""
    return openai_emulator.set_rate_limits
