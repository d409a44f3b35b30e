"""Property-based tests of the whole stream path, on both clients.

Arbitrary bytes, arbitrary JSON events and arbitrary splits of a valid stream
go through a client's ``stream_chat`` (mock transport, real decoder, real
accumulator, real chunk building): the result is the right chunks or an
``OpenAIError``, never another exception.
"""

from __future__ import annotations

import json
from typing import Any, Callable, List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_accel import OpenAIError
from openai_accel._core.http import Headers, HttpResponse

EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "choices",
                    "delta",
                    "content",
                    "index",
                    "tool_calls",
                    "id",
                    "function",
                    "arguments",
                    "name",
                    "usage",
                    "finish_reason",
                    "role",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


def chunk_event(content: str, index: int = 0) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": index, "delta": {"content": content}, "finish_reason": None}],
    }


class _Pieces:
    def __init__(self, pieces: List[bytes]) -> None:
        self._pieces = iter(pieces)

    def read_chunk(self) -> bytes:
        return next(self._pieces, b"")

    def close(self) -> None:
        pass


class _AsyncPieces(_Pieces):
    async def read_chunk(self) -> bytes:  # type: ignore[override]
        return next(self._pieces, b"")


class Server:
    """Answers every request with the current ``pieces`` (one read each)."""

    def __init__(self, is_async: bool) -> None:
        self.pieces: List[bytes] = []
        self._stream_type = _AsyncPieces if is_async else _Pieces

    def __call__(self, request: Any) -> HttpResponse:
        headers = Headers({"content-type": "text/event-stream"})
        return HttpResponse(200, headers, stream=self._stream_type(list(self.pieces)))


def harness(make_mock_api: Callable[..., Any], client_kind: str) -> Any:
    server = Server(client_kind == "async")
    api = make_mock_api(server, max_retries=0)
    return api, server


def outcome(api: Any) -> Any:
    """The chunks' raw payloads and the final content, or the OpenAIError raised."""
    try:
        chunks, final = api.stream("stream_chat", "Hi")
    except OpenAIError as exc:
        return exc
    return [c.raw for c in chunks], final.content


@EXAMPLES
@given(body=st.binary(max_size=300))
def test_arbitrary_bytes_give_chunks_or_an_openai_error(make_mock_api, client_kind, body):
    api, server = harness(make_mock_api, client_kind)
    server.pieces = [body]
    outcome(api)  # any other exception fails the test
    assert api.client.queue.running == 0


@EXAMPLES
@given(events=st.lists(json_values, max_size=4))
def test_arbitrary_json_events_give_their_chunks_or_an_openai_error(
    make_mock_api, client_kind, events
):
    api, server = harness(make_mock_api, client_kind)
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    server.pieces = [body.encode()]
    result = outcome(api)
    if not isinstance(result, OpenAIError):
        raws, _ = result
        assert raws == events
    assert api.client.queue.running == 0


@EXAMPLES
@given(
    contents=st.lists(st.text(max_size=6), min_size=1, max_size=6),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12),
)
def test_any_split_of_a_valid_stream_gives_the_same_chunks(
    make_mock_api, client_kind, contents, cuts
):
    api, server = harness(make_mock_api, client_kind)
    events = [chunk_event(text) for text in contents]
    body = ("".join(f"data: {json.dumps(e)}\r\n\r\n" for e in events) + "data: [DONE]\n\n").encode()
    points = sorted({min(cut, len(body)) for cut in cuts} | {0, len(body)})
    server.pieces = [body[a:b] for a, b in zip(points, points[1:]) if b > a]
    raws, content = outcome(api)
    assert raws == events
    assert content == "".join(contents)
