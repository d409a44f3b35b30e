"""Fixtures for the rate budget tests: a real redis-server per module."""

from __future__ import annotations

from typing import Iterator

import pytest

from .redis_server import RedisServer


@pytest.fixture(scope="module")
def _redis_process() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(_redis_process: RedisServer) -> RedisServer:
    _redis_process.flush()
    return _redis_process
