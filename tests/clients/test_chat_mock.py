"""Chat completions through a mock transport: request shape and reply parsing."""

from __future__ import annotations

import json

import pytest

from openai_accel import BadRequestError, ChatResponse

from ..helpers import chat_body, reply, sent_json


def test_chat_returns_content_usage_and_request_id(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body("Hi there"), {"x-request-id": "req_abc"}))
    response = api.call("chat", [{"role": "user", "content": "Hello"}])
    assert isinstance(response, ChatResponse)
    assert response.content == "Hi there"
    assert response.finish_reason == "stop"
    assert response.usage.total_tokens == 7
    assert response.request_id == "req_abc"
    assert response.tool_calls is None


def test_chat_sends_model_messages_and_options(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body()))
    api.call(
        "chat", [{"role": "user", "content": "Hi"}], model="gpt-4o", temperature=0.2, max_tokens=5
    )
    request = api.client._driver.transport.requests[-1]
    assert request.method == "POST"
    assert request.url == "https://api.example.test/v1/chat/completions"
    assert sent_json(request) == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 0.2,
        "max_tokens": 5,
    }
    assert request.headers["Authorization"] == "Bearer sk-test-emulator"
    assert request.headers["Content-Type"] == "application/json"


def test_reasoning_models_get_max_completion_tokens(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body()), base_url="https://api.openai.com/v1")
    api.call("chat", "Hi", model="o3-mini", max_tokens=50)
    body = sent_json(api.client._driver.transport.requests[-1])
    assert body["max_completion_tokens"] == 50
    assert "max_tokens" not in body


def test_unknown_keyword_arguments_go_into_the_body(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body()))
    api.call("chat", "Hi", seed=7, response_format={"type": "json_object"}, user="u1")
    body = sent_json(api.client._driver.transport.requests[-1])
    assert body["seed"] == 7
    assert body["response_format"] == {"type": "json_object"}
    assert body["user"] == "u1"


def test_per_call_options_do_not_leak_into_the_body(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body()))
    api.call(
        "chat",
        "Hi",
        timeout=3.5,
        extra_headers={"X-Trace": "t1"},
        extra_query={"api-version": "2024"},
        extra_body={"metadata": {"k": "v"}},
    )
    request = api.client._driver.transport.requests[-1]
    body = sent_json(request)
    assert set(body) == {"model", "messages", "metadata"}
    assert request.headers["X-Trace"] == "t1"
    assert request.url.endswith("/chat/completions?api-version=2024")
    assert request.timeout.connect == request.timeout.read == 3.5


def test_a_string_is_one_user_message(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body()))
    api.call("chat", "Hello")
    assert sent_json(api.client._driver.transport.requests[-1])["messages"] == [
        {"role": "user", "content": "Hello"}
    ]


@pytest.mark.parametrize("messages", [[], [{"content": "no role"}], ["just a string"], 42])
def test_bad_messages_raise_before_sending(make_mock_api, messages):
    api = make_mock_api(lambda req: reply(200, chat_body()))
    with pytest.raises(BadRequestError) as info:
        api.call("chat", messages)
    assert info.value.param.startswith("messages")
    assert api.client._driver.transport.requests == []


def test_tool_calls_and_message_ready_to_append(make_mock_api):
    body = chat_body(tool_calls=[("call_1", "get_weather", {"city": "Paris"})])
    api = make_mock_api(lambda req: reply(200, body))
    response = api.call(
        "chat", "Weather?", tools=[{"type": "function", "function": {"name": "get_weather"}}]
    )
    assert response.finish_reason == "tool_calls"
    [call] = response.tool_calls
    assert (call.id, call.function.name) == ("call_1", "get_weather")
    assert call.function.parsed_arguments() == {"city": "Paris"}
    assert response.message == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})},
            }
        ],
    }


def test_unknown_fields_are_kept_in_raw_and_are_not_errors(make_mock_api):
    body = chat_body("ok", brand_new_field={"x": 1})
    body["choices"][0]["message"]["annotations"] = [{"type": "url_citation"}]
    body["usage"]["future_details"] = {"a": 1}
    api = make_mock_api(lambda req: reply(200, body))
    response = api.call("chat", "Hi")
    assert response.content == "ok"
    assert response.raw["brand_new_field"] == {"x": 1}
    assert response.raw["choices"][0]["message"]["annotations"] == [{"type": "url_citation"}]


def test_a_body_that_is_not_json_is_a_typed_error(make_mock_api):
    from openai_accel import InvalidResponseError

    api = make_mock_api(lambda req: reply(200, raw=b"<html>oops</html>", content_type="text/html"))
    with pytest.raises(InvalidResponseError) as info:
        api.call("chat", "Hi")
    assert "oops" in str(info.value)


def test_a_body_of_the_wrong_shape_is_a_typed_error(make_mock_api):
    from openai_accel import InvalidResponseError

    api = make_mock_api(lambda req: reply(200, {"choices": 5}))
    with pytest.raises(InvalidResponseError):
        api.call("chat", "Hi")
