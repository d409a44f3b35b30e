"""``OpenAI``: the blocking client (requests)."""

from __future__ import annotations

from typing import Any

from ._budgets import close_budget
from ._client_base import ClientBase
from ._drivers import SyncDriver
from ._gates import ThreadGate

__all__ = ["OpenAI"]


class OpenAI(ClientBase):
    """The blocking client. Thread-safe: share one instance between threads.

    Every call of the API reference is a method; see ``ClientBase`` for the
    constructor arguments.
    """

    _driver: SyncDriver

    def _setup_driver(self, transport: Any) -> None:
        if transport is None:
            # requests (with urllib3, about half of a bare import's time) is loaded
            # here, by the first blocking client that needs it: an asyncio-only
            # program, or one with its own transport, never pays for it.
            from .transports.requests import RequestsTransport

            config = self._ctx.config
            # One pooled connection per request allowed in flight: a smaller pool
            # would open and discard a connection for every request above it.
            transport = RequestsTransport(
                pool_maxsize=config.max_concurrent_requests, network=config.network
            )
        self._driver = SyncDriver(transport, ThreadGate(self._ctx.admission))

    def close(self) -> None:
        """Close every connection and the tool thread pool; idempotent.

        Later calls raise ``ClientClosedError`` before sending anything.
        """
        self._ctx.closed = True
        self._driver.close()
        self._ctx.close()
        close_budget(self._ctx.budget)  # rate budgets: the Redis connection we opened

    def __enter__(self) -> OpenAI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
