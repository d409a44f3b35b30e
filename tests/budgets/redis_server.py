"""A real ``redis-server`` on 127.0.0.1 for the shared-state tests (no fakes: the Lua runs)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from typing import Optional

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _missing(reason: str) -> None:
    """Skip, except in CI (``OPENAI_ACCEL_REQUIRE_REDIS=1``), where Redis must be there."""
    if os.environ.get("OPENAI_ACCEL_REQUIRE_REDIS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


class RedisServer:
    """One redis-server process: persistence off, killed at the end."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            _missing("redis-server is not installed (Debian: apt-get install redis-server)")
        try:
            import redis  # noqa: F401
        except ImportError:
            _missing("the redis package is not installed (pip install 'openai-accel[redis]')")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Optional[subprocess.Popen[bytes]] = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.skip("redis-server did not start")

    def client(self) -> object:
        import redis

        return redis.Redis.from_url(self.url)

    def flush(self) -> None:
        import redis

        with redis.Redis.from_url(self.url) as client:
            client.flushall()

    def stop(self) -> None:
        """Kill the server (also what the "Redis down" test does mid-run)."""
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait(timeout=10)
