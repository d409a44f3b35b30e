"""Calls a new user makes that used to surprise: the SDK's idioms, functions as tools.

Each is either done as the user meant or refused before anything is sent
(and billed), with an error that says what to do instead.
"""

from __future__ import annotations

from typing import Any, Callable, List

import pytest

from openai_accel import BadRequestError

from ..helpers import chat_body, reply, sent_json

OPENAI = "https://api.openai.com/v1"  # a mock transport answers; nothing leaves the process
COMPATIBLE = "http://127.0.0.1:8000/v1"  # a vLLM / llama.cpp style server


def _recording(make_mock_api: Callable[..., Any], **options: Any) -> Any:
    return make_mock_api(lambda request: reply(200, chat_body("ok")), **options)


def _sent(api: Any) -> List[Any]:
    return api.client._driver.transport.requests


def get_weather(city: str, unit: str = "celsius") -> str:
    """The weather in a city.

    Args:
        city: The city name.
        unit: celsius or fahrenheit.
    """
    return f"sunny in {city}"


# -- stream= contradicting the method ---------------------------------------------


def test_chat_with_stream_true_is_refused_before_sending(make_mock_api):
    api = _recording(make_mock_api)
    with pytest.raises(BadRequestError, match="stream_chat") as info:
        api.call("chat", "Hi", stream=True)
    assert info.value.param == "stream"
    assert _sent(api) == []


def test_stream_chat_with_stream_false_is_refused_before_sending(make_mock_api):
    api = _recording(make_mock_api)
    with pytest.raises(BadRequestError, match=r"chat\(\)"):
        api.stream("stream_chat", "Hi", stream=False)
    assert _sent(api) == []


def test_chat_with_stream_false_is_an_ordinary_chat(make_mock_api):
    api = _recording(make_mock_api)
    assert api.call("chat", "Hi", stream=False).content == "ok"


def test_chat_with_stream_true_sends_nothing_to_the_emulator(api, openai_emulator):
    with pytest.raises(BadRequestError, match="stream_chat"):
        api.call("chat", "Hi", stream=True)
    assert openai_emulator.request_count() == 0


# -- functions as tools ---------------------------------------------------------------


def test_a_function_in_tools_becomes_its_schema(make_mock_api):
    api = _recording(make_mock_api)
    api.call(
        "chat", "Weather?", tools=[get_weather, {"type": "function", "function": {"name": "x"}}]
    )
    tools = sent_json(_sent(api)[-1])["tools"]
    assert tools[0]["function"]["name"] == "get_weather"
    assert tools[0]["function"]["parameters"]["required"] == ["city"]
    assert tools[1] == {"type": "function", "function": {"name": "x"}}


@pytest.mark.parametrize(
    ("tools", "param"),
    [([42], "tools[0]"), ([lambda city: city], "tools[0]"), ("get_weather", "tools")],
)
def test_a_tool_that_is_neither_a_dict_nor_a_named_function_is_refused(make_mock_api, tools, param):
    api = _recording(make_mock_api)
    with pytest.raises(BadRequestError) as info:
        api.call("chat", "Hi", tools=tools)
    assert info.value.param == param
    assert _sent(api) == []


def test_chat_with_functions_accepts_a_list_of_functions(make_mock_api):
    answers = iter(
        [
            reply(200, chat_body(tool_calls=[("c1", "get_weather", {"city": "Oslo"})])),
            reply(200, chat_body("It is sunny.")),
        ]
    )
    api = make_mock_api(lambda request: next(answers))
    result = api.call("chat_with_functions", "Weather in Oslo?", [get_weather])
    assert result.content == "It is sunny."
    first, second = (sent_json(r) for r in _sent(api))
    assert first["tools"][0]["function"]["name"] == "get_weather"
    assert second["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": "sunny in Oslo",
    }


@pytest.mark.parametrize(
    ("functions", "match"),
    [
        ([get_weather, get_weather], "two functions are named"),
        ([1], "named function"),
        ("get_weather", "mapping"),
        ({"get_weather": "not callable"}, "callable"),
    ],
)
def test_chat_with_functions_refuses_what_it_cannot_call(make_mock_api, functions, match):
    api = _recording(make_mock_api)
    with pytest.raises(BadRequestError, match=match):
        api.call("chat_with_functions", "Hi", functions)
    assert _sent(api) == []


# -- max_tokens for reasoning models --------------------------------------------------


@pytest.mark.parametrize("model", ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"])
def test_reasoning_models_on_openai_get_max_completion_tokens(make_mock_api, model):
    api = _recording(make_mock_api, base_url=OPENAI)
    api.call("chat", "Hi", model=model, max_tokens=50)
    body = sent_json(_sent(api)[-1])
    assert body["max_completion_tokens"] == 50 and "max_tokens" not in body


@pytest.mark.parametrize("model", ["o3-mini", "gpt-5"])
def test_other_servers_keep_max_tokens(make_mock_api, model):
    """vLLM and llama.cpp ignore max_completion_tokens: renaming would lose the cap."""
    api = _recording(make_mock_api, base_url=COMPATIBLE)
    api.call("chat", "Hi", model=model, max_tokens=50)
    body = sent_json(_sent(api)[-1])
    assert body["max_tokens"] == 50 and "max_completion_tokens" not in body


@pytest.mark.parametrize("base_url", [OPENAI, COMPATIBLE])
def test_an_explicit_max_completion_tokens_is_never_doubled(make_mock_api, base_url):
    api = _recording(make_mock_api, base_url=base_url)
    api.call("chat", "Hi", model="gpt-4o", max_tokens=50, max_completion_tokens=70)
    body = sent_json(_sent(api)[-1])
    assert body["max_completion_tokens"] == 70 and "max_tokens" not in body


def test_other_models_on_openai_keep_max_tokens(make_mock_api):
    api = _recording(make_mock_api, base_url=OPENAI)
    api.call("chat", "Hi", model="gpt-4o-mini", max_tokens=50)
    assert sent_json(_sent(api)[-1])["max_tokens"] == 50
