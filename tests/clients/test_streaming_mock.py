"""Streaming chat through a mock transport: chunks, final(), truncation, early close."""

from __future__ import annotations

import json

import pytest

from openai_accel import ChatChunk, StreamError

from .._shared import recorded
from ..helpers import recorded_reply, reply


def sse(*events: object, done: bool = True) -> bytes:
    text = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    return (text + ("data: [DONE]\n\n" if done else "")).encode()


def chunk(content=None, finish=None, role=None):
    delta = {}
    if role:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


USAGE = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}
TEXT_STREAM = sse(
    chunk("", role="assistant"), chunk("Hel"), chunk("lo"), chunk(finish="stop"), USAGE
)


def stream_reply(body: bytes):
    return lambda req: reply(200, raw=body, content_type="text/event-stream; charset=utf-8")


def test_chunks_and_final(make_mock_api):
    api = make_mock_api(stream_reply(TEXT_STREAM))
    chunks, final = api.stream("stream_chat", "Hi")
    assert all(isinstance(c, ChatChunk) for c in chunks)
    assert "".join(c.content or "" for c in chunks) == "Hello"
    assert chunks[-1].usage.total_tokens == 5
    assert final.content == "Hello"
    assert final.finish_reason == "stop"
    assert final.usage.total_tokens == 5


def test_usage_is_requested_by_default_and_overridable(make_mock_api):
    api = make_mock_api(stream_reply(TEXT_STREAM))
    api.stream("stream_chat", "Hi")
    body = json.loads(api.client._driver.transport.requests[-1].body)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    api.stream("stream_chat", "Hi", stream_options={"include_usage": False})
    body = json.loads(api.client._driver.transport.requests[-1].body)
    assert body["stream_options"] == {"include_usage": False}


def test_stream_without_done_raises_stream_error(make_mock_api):
    api = make_mock_api(stream_reply(sse(chunk("", role="assistant"), chunk("Hel"), done=False)))
    with pytest.raises(StreamError, match=r"\[DONE\]"):
        api.stream("stream_chat", "Hi")


def test_error_event_in_stream_raises_typed_error(make_mock_api):
    body = sse(
        chunk("Hel"),
        {"error": {"message": "overloaded", "type": "server_error", "code": "x"}},
        done=False,
    )
    api = make_mock_api(stream_reply(body))
    with pytest.raises(StreamError) as info:
        api.stream("stream_chat", "Hi")
    assert info.value.message == "overloaded"
    assert info.value.type == "server_error"


def test_breaking_early_closes_the_stream_and_frees_the_slot(make_mock_api):
    api = make_mock_api(stream_reply(TEXT_STREAM))

    def read_one(client):
        stream = client.stream_chat("Hi")
        if api.is_async:

            async def go():
                async with stream:
                    async for _ in stream:
                        break
                return stream

            return go()
        with stream:
            for _ in stream:
                break
        return stream

    api.run(read_one)
    assert api.client.queue.running == 0
    [record] = api.client.recent_requests.values()
    assert record.success is False and record.error_type == "StreamError"


@pytest.mark.parametrize(
    "name",
    [
        "chat_stream_text_include_usage",
        "chat_stream_text_no_usage",
        "chat_stream_parallel_tool_calls",
        "chat_stream_parallel_tool_calls_obfuscation",
    ],
)
def test_recorded_streams_assemble(make_mock_api, name):
    exchange = recorded(name)
    api = make_mock_api(lambda req: recorded_reply(exchange))
    chunks, final = api.stream("stream_chat", "Hi")
    events = [
        json.loads(line[6:])
        for line in exchange["response"]["body"].splitlines()
        if line.startswith("data: {")
    ]
    assert len(chunks) == len(events)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in events if c["choices"])
    assert (final.content or "") == text
    finishes = [
        c["choices"][0]["finish_reason"]
        for c in events
        if c["choices"] and c["choices"][0]["finish_reason"]
    ]
    assert final.finish_reason == finishes[-1]
    usage = [c["usage"] for c in events if c.get("usage")]
    assert (final.usage.total_tokens if final.usage else None) == (
        usage[-1]["total_tokens"] if usage else None
    )
    if "tool_calls" in name:
        assert len(final.tool_calls) == 2
        for call in final.tool_calls:
            assert call.id.startswith("call_")
            assert isinstance(call.function.parsed_arguments(), dict)


def test_stream_metrics_have_tokens_and_time_to_first_token(make_mock_api):
    api = make_mock_api(stream_reply(TEXT_STREAM))
    api.stream("stream_chat", "Hi")
    [record] = api.client.recent_requests.values()
    assert record.request_type == "chat_stream"
    assert record.success is True
    assert (record.input_tokens, record.output_tokens, record.total_tokens) == (3, 2, 5)
    assert record.time_to_first_token is not None
    assert record.response_size == len(TEXT_STREAM)


def test_chunks_before_a_malformed_one_in_the_same_read_reach_the_caller(make_mock_api):
    from openai_accel import InvalidResponseError

    bad = chunk("!")
    bad["choices"][0]["delta"]["content"] = 7  # a number where text belongs
    one_read = sse(chunk("", role="assistant"), chunk("Hel"), bad, chunk("lo"))
    api = make_mock_api(stream_reply(one_read))
    api.client._driver.transport.chunk_size = len(one_read)  # the whole reply in one read
    seen = []

    def read(client):
        stream = client.stream_chat("Hi")
        if not api.is_async:
            with pytest.raises(InvalidResponseError, match="content"):
                for item in stream:
                    seen.append(item.content)
            return None

        async def collect():
            with pytest.raises(InvalidResponseError, match="content"):
                async for item in stream:
                    seen.append(item.content)

        return collect()

    api.run(read)
    assert seen == ["", "Hel"]
