"""The transport interfaces: send a prepared request, return status, headers and a body.

A transport does nothing else: no retries, no parsing, no metrics. It maps its
library's failures onto :class:`APIConnectionError` / :class:`APITimeoutError`
so that the core never sees a requests or aiohttp exception.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .._core.http import HttpRequest, HttpResponse

__all__ = ["AsyncTransport", "Transport"]


@runtime_checkable
class Transport(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse:
        """Send; for ``request.stream`` return at the headers with a SyncByteStream."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncTransport(Protocol):
    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send; for ``request.stream`` return at the headers with an AsyncByteStream."""
        ...

    async def aclose(self) -> None: ...
