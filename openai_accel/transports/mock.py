"""Transports that answer from a function: unit tests with no sockets at all.

``handler(request) -> HttpResponse`` (sync, or a coroutine function for the
async mock). A streamed request gets the response body cut into
``chunk_size`` pieces, so stream parsing is exercised as over a network.
Every request is kept in ``.requests``.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, List, Optional

from .._core.http import HttpRequest, HttpResponse

__all__ = ["AsyncMockTransport", "MockTransport"]


class _ChunkedBody:
    def __init__(self, content: bytes, chunk_size: int) -> None:
        self._content = content
        self._chunk_size = chunk_size
        self._offset = 0
        self.closed = False

    def next_piece(self) -> bytes:
        piece = self._content[self._offset : self._offset + self._chunk_size]
        self._offset += len(piece)
        return piece

    def close(self) -> None:
        self.closed = True


class _SyncChunks(_ChunkedBody):
    def read_chunk(self) -> bytes:
        return self.next_piece()


class _AsyncChunks(_ChunkedBody):
    async def read_chunk(self) -> bytes:
        return self.next_piece()


def _materialise(request: HttpRequest) -> HttpRequest:
    """Read a streaming body so handlers can inspect bytes, like a server would."""
    body = request.body
    if body is not None and not isinstance(body, bytes):
        request = HttpRequest(
            request.method,
            request.url,
            request.headers,
            b"".join(body.chunks()),
            request.timeout,
            request.stream,
        )
    return request


class _MockBase:
    def __init__(self, handler: Callable[[HttpRequest], Any], *, chunk_size: int = 64) -> None:
        self.handler = handler
        self.chunk_size = chunk_size
        self.requests: List[HttpRequest] = []
        self.closed = False

    def _finish(self, request: HttpRequest, response: HttpResponse, chunks: type) -> HttpResponse:
        if request.stream and response.stream is None:
            return HttpResponse(
                response.status, response.headers, stream=chunks(response.content, self.chunk_size)
            )
        return response


class MockTransport(_MockBase):
    def send(self, request: HttpRequest) -> HttpResponse:
        request = _materialise(request)
        self.requests.append(request)
        return self._finish(request, self.handler(request), _SyncChunks)

    def close(self) -> None:
        self.closed = True


class AsyncMockTransport(_MockBase):
    async def send(self, request: HttpRequest) -> HttpResponse:
        request = _materialise(request)
        self.requests.append(request)
        response = self.handler(request)
        if inspect.isawaitable(response):
            response = await response
        return self._finish(request, response, _AsyncChunks)

    async def aclose(self) -> None:
        self.closed = True


def json_response(status: int, body: Any, headers: Optional[dict[str, str]] = None) -> HttpResponse:
    """A convenience for handlers: a JSON reply."""
    import json

    from .._core.http import Headers

    h = Headers({"content-type": "application/json"})
    h.update({k.lower(): v for k, v in (headers or {}).items()})
    return HttpResponse(status, h, content=json.dumps(body).encode())
