"""Pluggable transports: they move a prepared HttpRequest and return an HttpResponse.

Both real transports are imported on first use: blocking users never import
aiohttp, and asyncio users (or anyone with a transport of their own) never
import requests.
"""

from typing import TYPE_CHECKING, Any

from .base import AsyncTransport, Transport
from .mock import AsyncMockTransport, MockTransport

if TYPE_CHECKING:
    from .aiohttp import AiohttpTransport
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
    if name == "RequestsTransport":
        from .requests import RequestsTransport

        return RequestsTransport
    raise AttributeError(name)
