"""The API key appears nowhere in what a failed call raises, on both clients.

Real transports against small servers on 127.0.0.1: every failure a network
can produce (refused, timed out, malformed reply, error status, stream cut)
is checked through the whole ``__cause__`` / ``__context__`` chain: ``str``,
``repr`` and the formatted traceback.
"""

from __future__ import annotations

import socket
import threading
import traceback
from typing import Any, Callable, Iterator, List

import aiohttp
import pytest
import requests
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from openai_accel import OpenAIError
from openai_accel._core.http import HttpRequest, Timeout
from openai_accel.transports._sanitise import TransportErrorDetail
from openai_accel.transports.aiohttp import _translate as aiohttp_translate
from openai_accel.transports.requests import _translate as requests_translate

from ..harness import Harness

SECRET = "sk-secret-4f9b2c7e1d0a"


def chain(error: BaseException) -> List[BaseException]:
    seen: List[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__]  # type: ignore[list-item]
    return seen


def assert_no_secret(error: BaseException) -> None:
    formatted = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert SECRET not in formatted
    for link in chain(error):
        assert SECRET not in str(link), link
        assert SECRET not in repr(link), link
        assert SECRET not in repr(getattr(link, "args", ())), link


class TinyServer:
    """Accepts connections; ``respond(conn)`` decides what each one gets."""

    def __init__(self, respond: Callable[[socket.socket], None]) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.respond = respond
        self.open: List[socket.socket] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.open.append(conn)
            conn.settimeout(5)
            try:
                conn.recv(65536)
                self.respond(conn)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()
        for conn in self.open:
            conn.close()


def sends(payload: bytes, *, close: bool = True) -> Callable[[socket.socket], None]:
    def respond(conn: socket.socket) -> None:
        conn.sendall(payload)
        if close:
            conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    return respond


def silent(conn: socket.socket) -> None:
    """Reads the request and never answers (the connection stays open)."""


@pytest.fixture
def serve(client_kind: str) -> Iterator[Callable[..., Harness]]:
    servers: List[TinyServer] = []
    harnesses: List[Harness] = []

    def make(respond: Any = None, *, base_url: Any = None) -> Harness:
        if respond is not None:
            server = TinyServer(respond)
            servers.append(server)
            base_url = server.base_url
        harness = Harness(
            client_kind, api_key=SECRET, base_url=base_url, max_retries=0, timeout=0.5
        )
        harnesses.append(harness)
        return harness

    yield make
    for harness in harnesses:
        harness.close()
    for server in servers:
        server.close()


def failure(api: Harness, call: Callable[[Harness], Any]) -> OpenAIError:
    with pytest.raises(OpenAIError) as caught:
        call(api)
    return caught.value


def chat(api: Harness) -> Any:
    return api.call("chat", "Hi")


def read_stream(api: Harness) -> Any:
    return api.stream("stream_chat", "Hi")


def closed_port() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/v1"


def test_connection_refused_shows_no_key(serve):
    assert_no_secret(failure(serve(base_url=closed_port()), chat))


def test_timeout_shows_no_key(serve):
    assert_no_secret(failure(serve(silent), chat))


@pytest.mark.parametrize(
    "payload",
    [
        b"this is not HTTP\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n[[[[[",
    ],
    ids=["not-http", "bad-length", "cut-body", "bad-json"],
)
def test_a_malformed_reply_shows_no_key(serve, payload):
    assert_no_secret(failure(serve(sends(payload)), chat))


@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_an_error_status_shows_no_key(serve, status):
    body = b'{"error": {"message": "no", "type": "invalid_request_error"}}'
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
    payload = head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    error = failure(serve(sends(payload)), chat)
    assert error.status_code == status
    assert_no_secret(error)


def test_a_stream_cut_mid_chunk_shows_no_key(serve):
    event = b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
    payload = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(event):x}\r\n".encode()
        + event
        + b"\r\nff\r\ndata: {"
    )
    assert_no_secret(failure(serve(sends(payload)), read_stream))


def test_the_cause_still_names_what_failed_underneath(serve):
    error = failure(serve(base_url=closed_port()), chat)
    cause = error.__cause__
    assert isinstance(cause, TransportErrorDetail)
    assert "aiohttp." in str(cause) or "requests." in str(cause)


def key_request() -> HttpRequest:
    return HttpRequest(
        "POST",
        "https://api.example.test/v1/chat/completions?api-key=" + SECRET,
        {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"},
        b"{}",
        Timeout(1.0, 1.0),
        False,
    )


def test_aiohttp_client_response_error_is_not_chained():
    """Its repr prints the RequestInfo headers: ``Authorization: Bearer sk-...``."""
    request = key_request()
    info = aiohttp.RequestInfo(
        yarl.URL(request.url), "POST", CIMultiDictProxy(CIMultiDict(request.headers))
    )
    original = aiohttp.ClientResponseError(info, (), status=400, message="Invalid header")
    assert SECRET in repr(original)
    assert_no_secret(aiohttp_translate(original, request))


def test_requests_errors_holding_the_prepared_request_are_not_chained():
    request = key_request()
    prepared = requests.Request("POST", request.url, headers=request.headers).prepare()
    original = requests.ConnectionError(f"failed for {request.url}", request=prepared)
    assert_no_secret(requests_translate(original, request))
