"""The asyncio transport, on one ``aiohttp.ClientSession`` per client.

The session is created lazily inside the running loop (aiohttp binds it to
the loop), so an AsyncOpenAI can be constructed outside of any event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Optional

import aiohttp

from .._core.http import Headers, HttpRequest, HttpResponse, StreamingBody
from ..errors import APIConnectionError, APITimeoutError
from ._sanitise import redact, with_sanitised_cause

__all__ = ["AiohttpTransport"]


def _translate(exc: BaseException, request: HttpRequest) -> APIConnectionError:
    """The typed error for ``exc``, whose cause is a redacted copy (see ``_sanitise``).

    Raise the result outside the ``except`` block: aiohttp's
    ``ClientResponseError`` prints the request headers, Authorization included.
    """
    where = f"{request.method} {request.url.split('?', 1)[0]}"
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        error: APIConnectionError = APITimeoutError(f"request timed out: {where}")
    else:
        error = APIConnectionError(
            f"connection error: {where}: {type(exc).__name__}: {redact(str(exc), request)}"
        )
    return with_sanitised_cause(error, exc, request)


async def _body_chunks(body: StreamingBody) -> AsyncIterator[bytes]:
    # File reads are short (64 KiB) and local; a thread hop per chunk would cost more.
    for chunk in body.chunks():
        yield chunk


class _AiohttpByteStream:
    def __init__(self, response: aiohttp.ClientResponse, request: HttpRequest) -> None:
        self._response = response
        self._request = request
        self._eof = False

    async def read_chunk(self) -> bytes:
        failure: Optional[APIConnectionError] = None
        try:
            chunk = await self._response.content.readany()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            failure = _translate(exc, self._request)
        if failure is not None:
            raise failure  # outside the except block: no __context__ holding the request
        if not chunk:
            self._eof = True
        return chunk

    def close(self) -> None:
        if self._eof:
            self._response.release()  # back to the pool for the next request
        else:
            self._response.close()  # unread body: the connection cannot be reused


class AiohttpTransport:
    def __init__(
        self,
        session: Optional[aiohttp.ClientSession] = None,
        *,
        limit: int = 100,
        trust_env: bool = False,
        ssl: Any = None,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._limit = limit
        self._trust_env = trust_env
        self._ssl = ssl

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._limit, ssl=self._ssl if self._ssl is not None else True
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=self._trust_env,
                auto_decompress=True,
            )
        return self._session

    async def send(self, request: HttpRequest) -> HttpResponse:
        session = self._get_session()
        body: Any = request.body
        if body is not None and not isinstance(body, bytes):
            body = _body_chunks(body)
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=request.timeout.connect, sock_read=request.timeout.read
        )
        failure: Optional[APIConnectionError] = None
        try:
            response = await session.request(
                request.method,
                request.url,
                headers=request.headers,
                data=body,
                timeout=timeout,
            )
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            failure = _translate(exc, request)
        if failure is not None:
            raise failure  # outside the except block: no __context__ holding the request
        headers = Headers.from_pairs(response.headers.items())
        if request.stream:
            return HttpResponse(
                response.status, headers, stream=_AiohttpByteStream(response, request)
            )
        try:
            content = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            failure = _translate(exc, request)
        finally:
            response.release()
        if failure is not None:
            raise failure  # outside the except block: no __context__ holding the request
        return HttpResponse(response.status, headers, content=content)

    async def aclose(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None
