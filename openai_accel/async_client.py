"""``AsyncOpenAI``: the asyncio client (aiohttp). Imported lazily by the package."""

from __future__ import annotations

from typing import Any

from ._budgets import aclose_budget
from ._client_base import ClientBase
from ._drivers import AsyncDriver
from ._gates import AsyncGate

__all__ = ["AsyncOpenAI"]


class AsyncOpenAI(ClientBase):
    """The asyncio client: the same methods as ``OpenAI``, awaitable.

    Cancellation-safe: a cancelled call gives back its queue place and its
    connection.
    """

    _driver: AsyncDriver
    _is_async_client = True

    def _setup_driver(self, transport: Any) -> None:
        if transport is None:
            from .transports.aiohttp import AiohttpTransport

            transport = AiohttpTransport()
        self._driver = AsyncDriver(transport, AsyncGate(self._ctx.admission))

    async def aclose(self) -> None:
        """Close the aiohttp session."""
        await self._driver.aclose()
        self._ctx.close()
        await aclose_budget(self._ctx.budget)  # rate budgets: the Redis connection we opened

    close = aclose

    async def __aenter__(self) -> AsyncOpenAI:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
