"""``AsyncOpenAI``: the asyncio client (aiohttp). Imported lazily by the package."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Generator, Optional

from ._budgets import aclose_budget
from ._client_base import ClientBase
from ._drivers import AsyncDriver
from ._gates import AsyncGate

__all__ = ["AsyncOpenAI"]


class _Closing:
    """What ``AsyncOpenAI.close()`` returns: already closing, and awaitable for the end.

    ``await client.close()`` waits until every connection is closed, as a
    coroutine would; ``client.close()`` without ``await`` still closes (the
    work was scheduled, or done, when close() ran), instead of creating a
    coroutine that is never run and closes nothing.
    """

    __slots__ = ("_task",)

    def __init__(self, task: Optional[asyncio.Future[None]]) -> None:
        self._task = task

    def __await__(self) -> Generator[Any, None, None]:
        if self._task is not None:
            yield from self._task.__await__()


class AsyncOpenAI(ClientBase):
    """The asyncio client: the same methods as ``OpenAI``, awaitable.

    Cancellation-safe: a cancelled call gives back its queue place and its
    connection. One client may serve several event loops (successive
    ``asyncio.run`` calls, a loop per thread): each loop gets its own
    connection pool, closed when that loop shuts down or the client closes.
    """

    _driver: AsyncDriver
    _is_async_client = True

    def _setup_driver(self, transport: Any) -> None:
        if transport is None:
            from .transports.aiohttp import AiohttpTransport

            config = self._ctx.config
            transport = AiohttpTransport(
                limit=config.max_concurrent_requests, network=config.network
            )
        self._driver = AsyncDriver(transport, AsyncGate(self._ctx.admission))
        self._closing: Optional[asyncio.Future[None]] = None

    async def aclose(self) -> None:
        """Close every connection pool; idempotent. Later calls raise ``ClientClosedError``."""
        self._ctx.closed = True
        await self._driver.aclose()
        self._ctx.close()
        await aclose_budget(self._ctx.budget)  # rate budgets: the Redis connection we opened

    def close(self) -> Awaitable[None]:
        """Close the client now; await the result to wait until the connections are closed.

        Unlike a coroutine method, this acts even without ``await``: the client
        refuses calls at once (``ClientClosedError``), and the connections are
        closed by a task scheduled on the running loop, or right away when no
        loop is running.
        """
        self._ctx.closed = True
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            # No loop is running: close right here, each session in (or for) its loop.
            transport = self._driver.transport
            close_outside_loop = getattr(transport, "close_outside_loop", None)
            if close_outside_loop is not None:
                close_outside_loop()
            else:
                asyncio.run(transport.aclose())
            self._ctx.close()
            return _Closing(None)
        if self._closing is None:
            # Kept on the client: the loop holds tasks only weakly.
            self._closing = asyncio.ensure_future(self.aclose())
        return _Closing(self._closing)

    async def __aenter__(self) -> AsyncOpenAI:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
