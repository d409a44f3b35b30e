"""Chat completion streams: SSE framing, deltas, usage chunk, streamed tool calls."""

from __future__ import annotations

import json

from .helpers import chat, sse_json, sse_payloads, tool

WEATHER = tool(
    "get_current_weather",
    "Get the current weather in a given location",
    {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
)


def stream(http, emulator, **body):
    response = chat(http, emulator, stream=True, **body)
    assert response.status_code == 200
    return response


def test_stream_has_the_sse_content_type(http, emulator):
    assert stream(http, emulator).headers["content-type"] == "text/event-stream; charset=utf-8"


def test_stream_is_data_lines_ending_with_done(http, emulator):
    payloads = sse_payloads(stream(http, emulator).content)
    assert payloads[-1] == "[DONE]"
    assert all(p.startswith("{") for p in payloads[:-1])


def test_events_are_compact_json(http, emulator):
    payloads = sse_payloads(stream(http, emulator).content)
    first = payloads[0]
    assert first == json.dumps(json.loads(first), separators=(",", ":"), ensure_ascii=False)


def test_first_delta_opens_the_assistant_message(http, emulator):
    first = sse_json(stream(http, emulator).content)[0]
    assert first["object"] == "chat.completion.chunk"
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}


def test_deltas_concatenate_to_the_non_streaming_content(http, emulator):
    chunks = sse_json(stream(http, emulator).content)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    whole = chat(http, emulator).json()["choices"][0]["message"]["content"]
    assert text == whole
    content_deltas = [c for c in chunks if c["choices"][0]["delta"].get("content")]
    assert len(content_deltas) > 1


def test_finish_reason_comes_in_its_own_empty_delta(http, emulator):
    last = sse_json(stream(http, emulator).content)[-1]
    assert last["choices"][0]["delta"] == {}
    assert last["choices"][0]["finish_reason"] == "stop"


def test_without_include_usage_no_chunk_has_a_usage_key(http, emulator):
    chunks = sse_json(stream(http, emulator).content)
    assert all("usage" not in c for c in chunks)


def test_include_usage_adds_null_usage_and_a_final_usage_chunk(http, emulator):
    chunks = sse_json(stream(http, emulator, stream_options={"include_usage": True}).content)
    assert all(c["usage"] is None for c in chunks[:-1])
    final = chunks[-1]
    assert final["choices"] == []
    assert final["usage"]["total_tokens"] == (
        final["usage"]["prompt_tokens"] + final["usage"]["completion_tokens"]
    )


def test_streamed_usage_equals_the_non_streaming_usage(http, emulator):
    chunks = sse_json(stream(http, emulator, stream_options={"include_usage": True}).content)
    assert chunks[-1]["usage"] == chat(http, emulator).json()["usage"]


def test_every_chunk_repeats_the_id_and_model(http, emulator):
    chunks = sse_json(stream(http, emulator).content)
    assert len({c["id"] for c in chunks}) == 1
    assert {c["model"] for c in chunks} == {"gpt-4o-mini-2024-07-18"}


def test_obfuscation_padding_can_be_turned_off(http, emulator):
    padded = sse_json(stream(http, emulator).content)
    assert all("obfuscation" in c for c in padded)
    plain = sse_json(stream(http, emulator, stream_options={"include_obfuscation": False}).content)
    assert all("obfuscation" not in c for c in plain)


def tool_stream(http, emulator):
    messages = [{"role": "user", "content": "What's the weather in Seattle and San Francisco?"}]
    return sse_json(stream(http, emulator, messages=messages, tools=[WEATHER]).content)


def test_tool_stream_opens_with_null_content(http, emulator):
    first = tool_stream(http, emulator)[0]
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": None}


def test_first_delta_of_each_call_carries_id_type_and_name(http, emulator):
    chunks = tool_stream(http, emulator)
    openings = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in chunks
        if "id" in (c["choices"][0]["delta"].get("tool_calls") or [{}])[0]
    ]
    assert [o["index"] for o in openings] == [0, 1]
    for opening in openings:
        assert opening["type"] == "function"
        assert opening["function"] == {"name": "get_current_weather", "arguments": ""}


def test_argument_fragments_reassemble_to_valid_json(http, emulator):
    chunks = tool_stream(http, emulator)
    arguments = {0: "", 1: ""}
    fragments = 0
    for chunk in chunks:
        for call in chunk["choices"][0]["delta"].get("tool_calls") or []:
            if "id" not in call:
                assert set(call) == {"index", "function"}
                fragments += 1
            arguments[call["index"]] += call["function"]["arguments"]
    assert json.loads(arguments[0]) == {"location": "Seattle"}
    assert json.loads(arguments[1]) == {"location": "San Francisco"}
    assert fragments > 4  # split at arbitrary points, not one fragment per call


def test_call_zero_completes_before_call_one_starts(http, emulator):
    order = [
        call["index"]
        for chunk in tool_stream(http, emulator)
        for call in chunk["choices"][0]["delta"].get("tool_calls") or []
    ]
    assert order == sorted(order)


def test_tool_stream_finishes_with_tool_calls(http, emulator):
    assert tool_stream(http, emulator)[-1]["choices"][0]["finish_reason"] == "tool_calls"
