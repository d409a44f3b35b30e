"""Run the same test against ``OpenAI`` and ``AsyncOpenAI``.

A test receives an ``api`` fixture (parametrised ``sync`` / ``async``) and
calls ``api.call("chat", ...)``, ``api.stream("stream_chat", ...)`` or
``api.run(lambda client: ...)``; the harness awaits what needs awaiting on one
event loop per test (an aiohttp session is bound to its loop).
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable, List, Optional, Tuple

from openai_accel import AsyncOpenAI, OpenAI


class Harness:
    def __init__(
        self, kind: str, *, classes: Optional[Tuple[type, type]] = None, **client_options: Any
    ) -> None:
        """``classes``: the (blocking, asyncio) client classes; OpenAI's by default."""
        self.kind = kind
        self.is_async = kind == "async"
        self.loop = asyncio.new_event_loop() if self.is_async else None
        sync_cls, async_cls = classes or (OpenAI, AsyncOpenAI)
        self.client: Any = (async_cls if self.is_async else sync_cls)(**client_options)

    def resolve(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            assert self.loop is not None, "a sync client returned an awaitable"
            return self.loop.run_until_complete(value)
        return value

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.resolve(getattr(self.client, method)(*args, **kwargs))

    def run(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(client)``; await its result for the async client."""
        return self.resolve(fn(self.client))

    def stream(self, method: str, *args: Any, **kwargs: Any) -> Tuple[List[Any], Any]:
        """Read a whole stream: (items, final())."""
        stream = getattr(self.client, method)(*args, **kwargs)
        if not self.is_async:
            with stream:
                items = list(stream)
            return items, stream.final()

        async def collect() -> Tuple[List[Any], Any]:
            async with stream:
                items = [item async for item in stream]
            return items, stream.final()

        return self.resolve(collect())  # type: ignore[no-any-return]

    def set_sleep(self, sleep: Callable[[float], None]) -> None:
        """Replace the driver's sleep (retry waits) with a recorder."""
        if self.is_async:

            async def async_sleep(seconds: float) -> None:
                sleep(seconds)

            self.client._driver.sleep = async_sleep
        else:
            self.client._driver.sleep = sleep

    def close(self) -> None:
        if self.is_async:
            self.resolve(self.client.aclose())
            assert self.loop is not None
            self.loop.close()
        else:
            self.client.close()
