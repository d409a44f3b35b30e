"""Pluggable transports: they move a prepared HttpRequest and return an HttpResponse.

``AiohttpTransport`` is imported lazily so that blocking users never import aiohttp.
"""

from typing import Any

from .base import AsyncTransport, Transport
from .mock import AsyncMockTransport, MockTransport
from .requests import RequestsTransport

__all__ = [
    "AiohttpTransport",
    "AsyncMockTransport",
    "AsyncTransport",
    "MockTransport",
    "RequestsTransport",
    "Transport",
]


def __getattr__(name: str) -> Any:
    if name == "AiohttpTransport":
        from .aiohttp import AiohttpTransport

        return AiohttpTransport
    raise AttributeError(name)
