"""``OpenAI``: the blocking client (requests)."""

from __future__ import annotations

from typing import Any

from ._budgets import close_budget
from ._client_base import ClientBase
from ._drivers import SyncDriver
from ._gates import ThreadGate
from .transports.requests import RequestsTransport

__all__ = ["OpenAI"]


class OpenAI(ClientBase):
    """The blocking client. Thread-safe: share one instance between threads.

    Every call of the API reference is a method; see ``ClientBase`` for the
    constructor arguments.
    """

    _driver: SyncDriver

    def _setup_driver(self, transport: Any) -> None:
        self._driver = SyncDriver(
            transport if transport is not None else RequestsTransport(),
            ThreadGate(self._ctx.admission),
        )

    def close(self) -> None:
        """Close the connection pool and the tool thread pool."""
        self._driver.close()
        self._ctx.close()
        close_budget(self._ctx.budget)  # rate budgets: the Redis connection we opened

    def __enter__(self) -> OpenAI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
