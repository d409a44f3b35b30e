"""The blocking transport, on one ``requests.Session`` per client (connection reuse)."""

from __future__ import annotations

import weakref
from typing import Any, Dict, Generator, Iterator, Optional

import requests
import requests.adapters
import urllib3

from .._core.http import Headers, HttpRequest, HttpResponse, StreamingBody
from .._core.network import NetworkSettings
from ..errors import APIConnectionError, APITimeoutError
from ._requests_direct import DirectSender, can_send_directly
from ._sanitise import redact, with_sanitised_cause

__all__ = ["RequestsTransport"]


class _BodyReader:
    """Adapts a StreamingBody to the file-like object requests streams from.

    ``__len__`` lets requests send a Content-Length instead of chunking.
    """

    def __init__(self, body: StreamingBody) -> None:
        self._length = body.content_length
        self._chunks = body.chunks()
        self._buffer = b""

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        if self._buffer:
            yield self._buffer
            self._buffer = b""
        yield from self._chunks

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _translate(exc: BaseException, request: HttpRequest) -> APIConnectionError:
    """The typed error for ``exc``, whose cause is a redacted copy (see ``_sanitise``).

    Raise the result outside the ``except`` block: requests' exceptions hold
    the PreparedRequest, Authorization header included.
    """
    where = f"{request.method} {request.url.split('?', 1)[0]}"
    if isinstance(exc, requests.Timeout):
        error: APIConnectionError = APITimeoutError(f"request timed out: {where}")
    else:
        error = APIConnectionError(
            f"connection error: {where}: {type(exc).__name__}: {redact(str(exc), request)}"
        )
    return with_sanitised_cause(error, exc, request)


_READ1_SIZE = 64 * 1024
_HAS_READ1 = int(str(getattr(urllib3, "__version__", "1")).split(".")[0]) >= 2


def _chunked_reads(raw: Any) -> bool:
    """Whether urllib3 can hand out this body chunk by chunk (``read_chunked``)."""
    try:
        return bool(raw.chunked) and bool(raw.supports_chunked_reads())
    except AttributeError:  # a test double standing in for urllib3's response
        return False


class _RequestsByteStream:
    def __init__(self, response: requests.Response, request: HttpRequest) -> None:
        self._response = response
        self._request = request
        self._chunks = response.iter_content(chunk_size=None)
        # Files and batch jobs (issue 10): iter_content(None) reads a body that has a
        # Content-Length in ONE piece (a 60 MB batch output file at once). urllib3 2's
        # read1 returns what has arrived, at most _READ1_SIZE: bounded memory, and no
        # waiting for a full buffer, which SSE needs.
        read1 = getattr(response.raw, "read1", None)
        self._read1 = read1 if callable(read1) and _HAS_READ1 else None
        # perf: a chunked body (every SSE stream) is read one HTTP chunk per
        # step of urllib3's read_chunked generator, at most _READ1_SIZE at a
        # time: its error-catching context is entered once per body, where each
        # read1() call paid it (and a decoded-buffer round trip) per event.
        self._pieces: Optional[Generator[bytes, None, None]] = None
        if self._read1 is not None and _chunked_reads(response.raw):
            self._pieces = response.raw.read_chunked(_READ1_SIZE, decode_content=True)

    def read_chunk(self) -> bytes:
        try:
            pieces = self._pieces
            if pieces is not None:
                return next(pieces, b"")
            if self._read1 is not None:
                return bytes(self._read1(_READ1_SIZE, decode_content=True))
            for chunk in self._chunks:
                if chunk:
                    return bytes(chunk)
        except requests.RequestException as exc:
            failure = _translate(exc, self._request)
        except urllib3.exceptions.ReadTimeoutError as exc:  # read1 bypasses requests' wrapping
            failure = _translate(requests.ReadTimeout(exc), self._request)
        except urllib3.exceptions.HTTPError as exc:
            failure = _translate(requests.ConnectionError(exc), self._request)
        else:
            return b""
        raise failure  # outside the except block: no __context__ holding the request

    def close(self) -> None:
        # At the end of the body urllib3 has already returned the connection to
        # the pool; before it, close() drops the connection (it cannot be reused).
        if self._pieces is not None:
            self._pieces.close()  # a suspended read_chunked must not outlive the response
        self._response.close()


class RequestsTransport:
    """Blocking HTTP over ``requests``.

    ``trust_env`` is off unless asked for: requests' environment scan (proxies,
    netrc, CA bundle variables) costs hundreds of microseconds per request.
    The client resolves the same variables once (``network``, see
    ``openai_accel._core.network``) and this transport passes the result
    explicitly on each request.
    """

    def __init__(
        self,
        session: Optional[requests.Session] = None,
        *,
        trust_env: bool = False,
        pool_maxsize: int = 32,
        verify: Any = True,
        proxies: Optional[dict[str, str]] = None,
        network: Optional[NetworkSettings] = None,
    ) -> None:
        self._owns_session = session is None
        self._network = network
        if session is None:
            session = requests.Session()
            session.trust_env = trust_env or bool(proxies)
            adapter = requests.adapters.HTTPAdapter(pool_maxsize=pool_maxsize, pool_connections=4)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            if verify is True and network is not None and network.ca_bundle:
                verify = network.ca_bundle
            session.verify = verify
            if proxies:
                session.proxies.update(proxies)
        self.session = session
        #: Sessions made here skip Session.request's per-call merging (_requests_direct).
        self._direct = DirectSender(session) if self._owns_session else None
        # Streams still being read hold a connection outside the pool; close()
        # must reach them too, or their sockets stay ESTABLISHED until GC.
        self._open_streams: weakref.WeakSet[_RequestsByteStream] = weakref.WeakSet()

    def _proxies(self, url: str) -> Optional[Dict[str, str]]:
        network = self._network
        if network is None or not network.proxies:
            return None
        proxy = network.proxy_for(url)
        scheme = url.partition(":")[0].lower()
        # An empty mapping means "direct" (NO_PROXY matched); requests reads the
        # environment only with trust_env, which stays off.
        return {scheme: proxy} if proxy is not None else {}

    def send(self, request: HttpRequest) -> HttpResponse:
        body: Any = request.body
        if body is not None and not isinstance(body, bytes):
            body = _BodyReader(body)
        timeout = (request.timeout.connect, request.timeout.read)
        try:
            if self._direct is not None and can_send_directly(self.session, body):
                response = self._direct.send(
                    request.method,
                    request.url,
                    request.headers,
                    body,
                    timeout,
                    request.stream,
                    self._proxies(request.url),
                )
            else:
                response = self.session.request(
                    request.method,
                    request.url,
                    headers=request.headers,
                    data=body,
                    timeout=timeout,
                    stream=request.stream,
                    allow_redirects=True,
                    proxies=self._proxies(request.url),
                )
            headers = Headers.from_pairs(response.headers.items())
            if request.stream:
                stream = _RequestsByteStream(response, request)
                self._open_streams.add(stream)
                return HttpResponse(response.status_code, headers, stream=stream)
            return HttpResponse(response.status_code, headers, content=response.content)
        except requests.RequestException as exc:
            failure = _translate(exc, request)
        raise failure  # outside the except block: no __context__ holding the request

    def close(self) -> None:
        """Close every connection: the idle ones in the pools and those of open streams.

        A stream still being read when its client is closed breaks off (its
        next read is a ``StreamError``) instead of keeping a socket open.
        """
        for stream in list(self._open_streams):
            stream.close()
        self._open_streams.clear()
        if self._owns_session:
            self.session.close()
