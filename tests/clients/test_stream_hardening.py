"""Whatever a server streams, ``stream_chat`` gives the right chunks or an ``OpenAIError``.

Issue 14: events of the wrong shape, JSON nested deeper than the parser's
recursion limit and a JSON reply to a stream request must end in a typed
error naming what came, never ``AttributeError``/``KeyError``/``TypeError``/
``RecursionError``; both clients.
"""

from __future__ import annotations

import json
from typing import Any, List, Tuple

import pytest

from openai_accel import InvalidResponseError, StreamError

from ..helpers import reply


def sse_body(*events: Any, done: bool = True) -> bytes:
    text = "".join(
        f"data: {event if isinstance(event, str) else json.dumps(event)}\n\n" for event in events
    )
    return (text + ("data: [DONE]\n\n" if done else "")).encode()


def stream_handler(body: bytes, content_type: str = "text/event-stream") -> Any:
    return lambda request: reply(200, raw=body, content_type=content_type)


def text_chunk(content: Any, **delta: Any) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": content, **delta}, "finish_reason": None}],
    }


def read(api: Any) -> Tuple[List[Any], Any]:
    return api.stream("stream_chat", "Hi")  # type: ignore[no-any-return]


WRONG_SHAPES = {
    "a number": "42",
    "a string": '"hello"',
    "a list": "[1, 2]",
    "choices a string": {"choices": "x"},
    "a choice that is a number": {"choices": [1]},
    "a delta that is a list": {"choices": [{"index": 0, "delta": ["content"]}]},
    "content a number": text_chunk(7),
    "content an object": text_chunk({"t": 1}),
    "tool_calls of ints": text_chunk("", tool_calls=[1, 2]),
    "tool_calls a string": text_chunk("", tool_calls="call"),
    "a tool call function that is a string": text_chunk(
        "", tool_calls=[{"index": 0, "function": "f"}]
    ),
    "tool call arguments a number": text_chunk(
        "", tool_calls=[{"index": 0, "function": {"arguments": 3}}]
    ),
    "a string index": {"choices": [{"index": "0", "delta": {"content": "x"}}]},
    "finish_reason a number": {"choices": [{"index": 0, "delta": {}, "finish_reason": 1}]},
    "id a number": {"id": 5, "choices": []},
    "usage a list": {"choices": [], "usage": [1]},
}


@pytest.mark.parametrize("event", WRONG_SHAPES.values(), ids=list(WRONG_SHAPES))
def test_an_event_of_the_wrong_shape_is_invalid_response_error(make_mock_api, event):
    api = make_mock_api(stream_handler(sse_body(text_chunk("ok"), event)))
    with pytest.raises(InvalidResponseError, match="stream chunk field"):
        read(api)


def test_the_error_names_the_field_and_what_came(make_mock_api):
    api = make_mock_api(stream_handler(sse_body(text_chunk("", tool_calls=[1]))))
    with pytest.raises(InvalidResponseError) as caught:
        read(api)
    assert "choices[].delta.tool_calls[]" in str(caught.value)
    assert "got int: 1" in str(caught.value)


def test_a_wrong_event_after_good_ones_still_frees_the_slot(make_mock_api):
    api = make_mock_api(stream_handler(sse_body(text_chunk("a"), {"choices": "x"})))
    with pytest.raises(InvalidResponseError):
        read(api)
    assert api.client.queue.running == 0
    [record] = api.client.recent_requests.values()
    assert (record.success, record.error_type) == (False, "InvalidResponseError")


def test_json_nested_ten_thousand_deep_is_a_stream_error(make_mock_api):
    deep = "[" * 10_000 + "]" * 10_000
    api = make_mock_api(stream_handler(sse_body(text_chunk("a"), deep)))
    with pytest.raises(StreamError, match="nested too deeply"):
        read(api)


def test_a_json_reply_to_a_stream_request_names_what_came(make_mock_api):
    body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "choices": []}).encode()
    api = make_mock_api(stream_handler(body, content_type="application/json"))
    with pytest.raises(InvalidResponseError) as caught:
        read(api)
    message = str(caught.value)
    assert "replied with JSON" in message and "instead of an event stream" in message
    assert '"object": "chat.completion"' in message
    assert "[DONE]" not in message


def test_a_valid_stream_still_gives_every_chunk(make_mock_api):
    api = make_mock_api(stream_handler(sse_body(text_chunk("Hel"), text_chunk("lo"))))
    chunks, final = read(api)
    assert [c.content for c in chunks] == ["Hel", "lo"]
    assert final.content == "Hello"
    assert chunks[0].raw == text_chunk("Hel")


# --- final(): one rule on both clients ------------------------------------------

TWO_CHUNKS = sse_body(text_chunk("Hel"), text_chunk("lo"))


def break_after_first(api: Any, *, inside_with: bool) -> Any:
    """Read one chunk and break out; return the stream."""

    def go(client: Any) -> Any:
        stream = client.stream_chat("Hi")
        if api.is_async:

            async def run() -> Any:
                if inside_with:
                    async with stream:
                        async for _ in stream:
                            break
                else:
                    async for _ in stream:
                        break
                return stream

            return run()
        if inside_with:
            with stream:
                for _ in stream:
                    break
        else:
            for _ in stream:
                break
        return stream

    return api.run(go)


def test_final_after_breaking_out_of_with_is_a_stream_error(make_mock_api):
    api = make_mock_api(stream_handler(TWO_CHUNKS))
    stream = break_after_first(api, inside_with=True)
    with pytest.raises(StreamError, match="closed before its end"):
        stream.final()


def test_until_done_after_breaking_out_of_with_is_a_stream_error(make_mock_api):
    api = make_mock_api(stream_handler(TWO_CHUNKS))
    stream = break_after_first(api, inside_with=True)
    with pytest.raises(StreamError, match="closed before its end"):
        api.resolve(stream.until_done())


def test_until_done_on_an_open_stream_reads_the_rest(make_mock_api):
    api = make_mock_api(stream_handler(TWO_CHUNKS))
    stream = break_after_first(api, inside_with=False)
    assert api.resolve(stream.until_done()).content == "Hello"
    assert api.client.queue.running == 0


def test_final_on_an_open_stream_reads_the_rest_or_points_at_until_done(make_mock_api):
    # The blocking stream can read the rest inside final(); the asyncio one
    # cannot without await, so it says how instead of returning no answer.
    api = make_mock_api(stream_handler(TWO_CHUNKS))
    stream = break_after_first(api, inside_with=False)
    if api.is_async:
        with pytest.raises(StreamError, match="until_done"):
            stream.final()
        assert api.resolve(stream.until_done()).content == "Hello"
    else:
        assert stream.final().content == "Hello"


def test_final_of_a_failed_stream_raises_its_error_again(make_mock_api):
    api = make_mock_api(stream_handler(sse_body(text_chunk("a"), done=False)))
    stream = api.client.stream_chat("Hi")

    async def drain_async() -> None:
        async for _ in stream:
            pass

    with pytest.raises(StreamError, match="before \\[DONE\\]") as first:
        api.resolve(drain_async()) if api.is_async else list(stream)
    with pytest.raises(StreamError) as again:
        stream.final()
    assert again.value is first.value


def test_final_twice_gives_the_same_answer(make_mock_api):
    api = make_mock_api(stream_handler(TWO_CHUNKS))
    _, final = read(api)
    stream = api.client.stream_chat("Hi")
    answer = api.resolve(stream.until_done())
    assert stream.final() is answer and answer.content == final.content
