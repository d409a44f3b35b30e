"""Chat, streaming and tools against the emulator: real sockets, both clients."""

from __future__ import annotations

import json
import time

import pytest

import openai_accel._core.tools  # noqa: F401 - imports tool_schema too; see below
from openai_accel import AuthenticationError, NotFoundError, StreamError
from openai_accel.testing import Fault

# The tool machinery is imported at the first chat_with_functions (it is not
# part of ``import openai_accel``); it is imported here so that the timed
# parallel-tools test measures the tools, not a first import on a busy machine.


def test_chat_round_trip(api, openai_emulator):
    reply = api.call("chat", [{"role": "user", "content": "hello there"}], model="gpt-4o")
    assert reply.content == "You said: hello there"
    assert reply.model.startswith("gpt-4o-")
    assert reply.finish_reason == "stop"
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    assert reply.request_id == openai_emulator.requests[-1].request_id
    received = openai_emulator.requests[-1]
    assert received.headers["authorization"] == "Bearer sk-test-emulator"
    assert received.json == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hello there"}],
    }


def test_unknown_model_is_not_found(api):
    with pytest.raises(NotFoundError) as info:
        api.call("chat", "Hi", model="no-such-model")
    assert info.value.code == "model_not_found"
    assert "no-such-model" in info.value.message
    assert info.value.request_id


def test_a_wrong_key_is_an_authentication_error(make_api, openai_emulator):
    openai_emulator.api_key = "sk-the-right-one"
    try:
        api = make_api(api_key="sk-wrong-key")
        with pytest.raises(AuthenticationError) as info:
            api.call("chat", "Hi")
        assert info.value.code == "invalid_api_key"
        assert info.value.is_auth_error
        assert "sk-wrong-key" not in str(info.value)  # the server masks it
    finally:
        openai_emulator.api_key = None


def test_stream_round_trip(api):
    chunks, final = api.stream("stream_chat", "hello there")
    assert "".join(c.content or "" for c in chunks) == "You said: hello there"
    assert final.content == "You said: hello there"
    assert final.usage is not None and final.usage.total_tokens > 0


def test_connections_are_reused_after_streams(api, openai_emulator):
    for _ in range(5):
        api.stream("stream_chat", "hello")
    api.call("chat", "hello")
    assert openai_emulator.connections_opened == 1


def test_a_stream_cut_mid_way_raises_stream_error(api, openai_emulator):
    openai_emulator.inject(Fault(cut_stream_after=3))
    with pytest.raises(StreamError, match=r"\[DONE\]|connection|ended|broke off"):
        api.stream("stream_chat", "hello there my friend")
    assert api.client.queue.running == 0
    # part of the answer had reached the caller: the stream is not re-sent
    assert openai_emulator.request_count("/v1/chat/completions") == 1


def test_a_stream_refused_before_its_first_byte_is_retried(api, openai_emulator):
    openai_emulator.inject(Fault(status=503), count=1)
    _, final = api.stream("stream_chat", "hello")
    assert final.content == "You said: hello"
    assert openai_emulator.request_count("/v1/chat/completions") == 2


def test_an_error_event_in_a_stream_raises_stream_error(api, openai_emulator):
    openai_emulator.inject(Fault(error_event=True))
    with pytest.raises(StreamError):
        api.stream("stream_chat", "hello")


def weather(city: str) -> dict:
    """Current weather for a city."""
    time.sleep(0.3)
    return {"city": city, "temperature": 21}


def clock(city: str) -> str:
    """Local time in a city."""
    time.sleep(0.3)
    return f"14:05 in {city}"


def test_tool_loop_against_the_emulator_runs_tools_in_parallel(api, openai_emulator):
    started = time.monotonic()
    reply = api.call(
        "chat_with_functions",
        "What is the weather and the time in Paris?",
        {"get_weather": weather, "get_time": clock},
    )
    elapsed = time.monotonic() - started
    assert elapsed < 0.55, f"two 0.3 s tools took {elapsed:.2f} s"
    tool_messages = [m for m in reply.messages if m["role"] == "tool"]
    assert len(tool_messages) == 2
    assert reply.finish_reason == "stop"
    assert "14:05 in Paris" in reply.content
    second = openai_emulator.requests[-1].json["messages"]
    assert [m["role"] for m in second[-3:]] == ["assistant", "tool", "tool"]


def test_streamed_tool_calls_assemble_into_valid_json(api):
    tools = [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "description": "weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    chunks, final = api.stream("stream_chat", "What is the weather in Paris?", tools=tools)
    assert final.finish_reason == "tool_calls"
    [call] = final.tool_calls
    assert call.function.name == "weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)
    fragments = [c for c in chunks if c.tool_calls]
    assert len(fragments) > 1  # the arguments arrived in pieces


def test_list_models(api):
    models = api.call("list_models")
    ids = [m.id for m in models]
    assert "gpt-4o-mini" in ids and "whisper-1" in ids
    assert all(m.owned_by for m in models)
