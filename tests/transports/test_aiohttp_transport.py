"""AiohttpTransport against ``aioresponses`` mocks."""

from __future__ import annotations

import asyncio
import inspect
from types import SimpleNamespace

import aiohttp
import pytest
from aioresponses import aioresponses

from openai_accel import APIConnectionError, APITimeoutError
from openai_accel._core.http import HttpRequest
from openai_accel.transports.aiohttp import AiohttpTransport

URL = "https://api.example.test/v1/chat/completions"


class CompatResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.x predates aiohttp 3.14's required ``stream_writer``
    (pnuckowski/aioresponses#289); supply a stand-in until it catches up."""

    def __init__(self, method: str, url, **kwargs) -> None:
        if "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters:
            kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


def run(coro):
    return asyncio.run(coro)


def test_sends_and_reads_reply():
    async def scenario():
        transport = AiohttpTransport()
        with aioresponses() as mocked:
            mocked.post(
                URL,
                status=200,
                payload={"ok": True},
                headers={"X-Request-ID": "req_9"},
                response_class=CompatResponse,
            )
            reply = await transport.send(
                HttpRequest("POST", URL, {"Authorization": "Bearer k"}, b'{"a":1}')
            )
            [(key, calls)] = mocked.requests.items()
            assert key[0] == "POST"
            assert calls[0].kwargs["headers"]["Authorization"] == "Bearer k"
            assert calls[0].kwargs["data"] == b'{"a":1}'
        await transport.aclose()
        return reply

    reply = run(scenario())
    assert reply.status == 200
    assert reply.headers["x-request-id"] == "req_9"
    assert reply.content == b'{"ok": true}'


def test_streamed_reply_is_read_until_eof():
    body = b"data: {}\n\n" * 50 + b"data: [DONE]\n\n"

    async def scenario():
        transport = AiohttpTransport()
        with aioresponses() as mocked:
            mocked.post(
                URL,
                status=200,
                body=body,
                content_type="text/event-stream",
                response_class=CompatResponse,
            )
            reply = await transport.send(HttpRequest("POST", URL, {}, b"{}", stream=True))
            pieces = []
            while True:
                piece = await reply.stream.read_chunk()
                if not piece:
                    break
                pieces.append(piece)
            reply.stream.close()
        await transport.aclose()
        return b"".join(pieces)

    assert run(scenario()) == body


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (aiohttp.ClientConnectionError("refused"), APIConnectionError),
        (asyncio.TimeoutError(), APITimeoutError),
    ],
)
def test_failures_are_translated(failure, expected):
    async def scenario():
        transport = AiohttpTransport()
        try:
            with aioresponses() as mocked:
                mocked.post(URL, exception=failure)
                await transport.send(HttpRequest("POST", URL, {}, b"{}"))
        finally:
            await transport.aclose()

    with pytest.raises(expected):
        run(scenario())


def test_session_is_created_lazily_inside_the_loop():
    transport = AiohttpTransport()
    assert transport._session is None
