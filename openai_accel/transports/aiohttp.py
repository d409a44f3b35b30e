"""The asyncio transport, on one ``aiohttp.ClientSession`` per client and event loop.

A session is created lazily inside the running loop (aiohttp binds it to the
loop), so an AsyncOpenAI can be constructed outside of any event loop. One
client may be used from several loops: successive ``asyncio.run`` calls, a
loop per test, a loop per thread. Each loop gets its own session, found by a
dictionary lookup per request, and each session is closed inside its own
loop when that loop shuts down: a parked async generator holds it, and
``loop.shutdown_asyncgens()`` (which ``asyncio.run`` calls, as do
pytest-asyncio and ``asyncio.Runner``) finalises the generator, whose
``finally`` awaits ``session.close()``. No session outlives its loop unclosed.
"""

from __future__ import annotations

import asyncio
import ssl as _ssl
import threading
from typing import Any, AsyncGenerator, AsyncIterator, Dict, List, Optional

import aiohttp
import yarl

from .._core.http import Headers, HttpRequest, HttpResponse, StreamingBody, Timeout
from .._core.network import NetworkSettings
from ..errors import APIConnectionError, APITimeoutError
from ._sanitise import redact, with_sanitised_cause

__all__ = ["AiohttpTransport"]

#: Distinct URLs and timeouts remembered per transport (a client uses a handful).
_CACHE_SIZE = 256


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


#: ``ClientSession._request`` (what ``request()`` wraps), present throughout aiohttp 3.
_DIRECT_REQUEST = hasattr(aiohttp.ClientSession, "_request")


def _headers_of(received: Any) -> Headers:
    """The reply's headers as the core's :class:`Headers` (lower-case names).

    perf: built straight from the multidict's keys and values (about a third
    cheaper than ``from_pairs`` on a reply with twenty headers). A repeated
    name makes the dict shorter than the multidict: then ``from_pairs`` joins
    the values, as always.
    """
    headers = Headers(zip(map(str.lower, received.keys()), received.values()))
    if len(headers) == len(received):
        return headers
    return Headers.from_pairs(received.items())


def _settle_malloc_for_socket_reads() -> None:
    """Let glibc serve asyncio's 256 KiB read buffers from the heap, not from ``mmap``.

    Why: asyncio's selector transport reads every socket with
    ``recv(256 KiB)`` and shrinks the buffer to what arrived. glibc ``mmap``s
    any block above its threshold (128 KiB until the process frees a larger
    ``mmap``ed block), so until then each read of a reply costs an ``mmap``, a
    ``mremap`` and a ``munmap``: three system calls per call
    (``strace -c``: 3,102 of each for 3,102 replies on the reference harness).
    Freeing one large block raises the threshold (glibc's own dynamic
    adjustment) and the reads come from the heap. ``bytes(n)`` is calloc'd
    from fresh zero pages, so this touches no memory. Harmless elsewhere: on
    another allocator it is an allocation and a free.
    """
    block = bytes(1 << 20)
    del block


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


async def _close_at_loop_shutdown(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    """Parked at its ``yield`` for the life of the loop; see the module docstring."""
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


class _LoopSession:
    """A session and the generator that closes it when its loop shuts down."""

    __slots__ = ("keeper", "loop", "session")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        session: aiohttp.ClientSession,
        keeper: AsyncGenerator[None, None],
    ) -> None:
        self.loop = loop
        self.session = session
        self.keeper = keeper

    async def aclose(self) -> None:
        """Close from inside its own loop."""
        await self.session.close()
        await self.keeper.aclose()

    def close_from_elsewhere(self) -> None:
        """Close from another thread or after the loop stopped, as well as it can be."""
        loop = self.loop
        if loop.is_closed():
            # Its sockets went with the loop; mark the connector closed so the
            # session neither warns nor is reused (nothing can be awaited here).
            connector = self.session.connector
            if connector is not None:
                connector._close()  # aiohttp: sync part of close(); a no-op on a closed loop
            return
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(self.aclose(), loop)
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            loop.run_until_complete(self.aclose())  # an idle loop: ours to drive briefly
            return
        # An idle loop while another one runs in this thread cannot be driven
        # now; the keeper, dropped with this entry, is finalised by that loop
        # (its asyncgen finaliser schedules the close) when it runs again or
        # shuts down.


class AiohttpTransport:
    """Asyncio HTTP over aiohttp: one pooled session per event loop.

    ``limit`` bounds the connections per session (the client passes its
    ``max_concurrent_requests``, so no request in flight waits for a
    connection). ``network`` holds the proxies and CA bundle the client
    resolved once; aiohttp's own ``trust_env`` scan stays off.
    """

    def __init__(
        self,
        session: Optional[aiohttp.ClientSession] = None,
        *,
        limit: int = 100,
        trust_env: bool = False,
        ssl: Any = None,
        network: Optional[NetworkSettings] = None,
    ) -> None:
        self._given_session = session
        self._owns_session = session is None
        self._limit = limit
        self._trust_env = trust_env
        self._network = network
        self._ssl = ssl
        # Loading a CA file takes tens of milliseconds: done on first use, once.
        self._cafile = network.ca_bundle if ssl is None and network is not None else None
        self._sessions: Dict[asyncio.AbstractEventLoop, _LoopSession] = {}
        self._lock = threading.Lock()  # loops in several threads may add sessions at once
        self._timeouts: Dict[Timeout, aiohttp.ClientTimeout] = {}
        self._urls: Dict[str, yarl.URL] = {}

    @property
    def _session(self) -> Optional[aiohttp.ClientSession]:
        """The current loop's session (the given one, if any); for tests and debugging."""
        if self._given_session is not None:
            return self._given_session
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return self._session_of(loop)

    def _session_of(self, loop: asyncio.AbstractEventLoop) -> Optional[aiohttp.ClientSession]:
        """The session for ``loop`` if it has a usable one: the per-request fast path."""
        if self._given_session is not None:
            return self._given_session
        entry = self._sessions.get(loop)
        if entry is not None and not entry.session.closed:
            return entry.session
        return None

    async def _new_session(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        _settle_malloc_for_socket_reads()
        if self._cafile is not None and self._ssl is None:
            self._ssl = _ssl.create_default_context(cafile=self._cafile)
        connector = aiohttp.TCPConnector(
            limit=self._limit, ssl=self._ssl if self._ssl is not None else True
        )
        session = aiohttp.ClientSession(
            connector=connector, trust_env=self._trust_env, auto_decompress=True
        )
        keeper = _close_at_loop_shutdown(session)
        await keeper.__anext__()  # registers it with this loop's shutdown_asyncgens()
        with self._lock:
            stale = [e for e in self._sessions.values() if e.loop.is_closed()]
            for old in stale:
                del self._sessions[old.loop]
            self._sessions[loop] = _LoopSession(loop, session, keeper)
        for old in stale:  # a loop closed without shutdown_asyncgens(): tidy what is left
            old.close_from_elsewhere()
        return session

    def _timeout_for(self, limits: Timeout) -> aiohttp.ClientTimeout:
        """aiohttp's timeout for ``limits``, built once (perf: an attrs instance per call)."""
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=limits.connect, sock_read=limits.read
        )
        if len(self._timeouts) >= _CACHE_SIZE:
            self._timeouts.clear()
        self._timeouts[limits] = timeout
        return timeout

    def _url_for(self, url: str) -> yarl.URL:
        """The parsed URL, once per URL string: aiohttp would parse the str on every call."""
        parsed = yarl.URL(url)
        if len(self._urls) >= _CACHE_SIZE:
            self._urls.clear()
        self._urls[url] = parsed
        return parsed

    def _proxy(self, url: str) -> Optional[str]:
        return self._network.proxy_for(url) if self._network is not None else None

    async def send(self, request: HttpRequest) -> HttpResponse:
        loop = asyncio.get_running_loop()
        session = self._session_of(loop) or await self._new_session(loop)
        body: Any = request.body
        if body is not None and not isinstance(body, bytes):
            body = _body_chunks(body)
        timeout = self._timeouts.get(request.timeout)
        if timeout is None:
            timeout = self._timeout_for(request.timeout)
        url = self._urls.get(request.url)
        if url is None:
            url = self._url_for(request.url)
        failure: Optional[APIConnectionError] = None
        try:
            # perf: the coroutine itself, not ``request()``'s context manager around it
            # (two objects and an await layer fewer per call; aioresponses patches it too)
            response = await (session._request if _DIRECT_REQUEST else session.request)(
                request.method,
                url,
                headers=request.headers,
                data=body,
                timeout=timeout,
                proxy=self._proxy(request.url),
            )
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            failure = _translate(exc, request)
        if failure is not None:
            raise failure  # outside the except block: no __context__ holding the request
        headers = _headers_of(response.headers)
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

    def _take_sessions(self) -> List[_LoopSession]:
        with self._lock:
            entries = list(self._sessions.values())
            self._sessions.clear()
        return entries if self._owns_session else []

    def close_outside_loop(self) -> None:
        """Close every session from a thread running no event loop (a sync ``close()``)."""
        for entry in self._take_sessions():
            entry.close_from_elsewhere()

    async def aclose(self) -> None:
        """Close every session: this loop's now, the others' in (or for) their own loops."""
        entries = self._take_sessions()
        try:
            current: Optional[asyncio.AbstractEventLoop] = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for entry in entries:
            if entry.loop is current:
                await entry.aclose()
            else:
                entry.close_from_elsewhere()
