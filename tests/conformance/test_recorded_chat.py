"""Recorded chat and error exchanges from the live API, replayed through both clients.

Each test serves the recorded reply from a mock transport, sends the recorded
request's parameters, and checks what the library made of every field.
Skips (with the reason) when ../shared is absent.
"""

from __future__ import annotations

import json

import pytest

from openai_accel import AuthenticationError, BadRequestError, NotFoundError

from .._shared import recorded, recorded_names
from ..helpers import recorded_reply


def replay(make_mock_api, name, **options):
    exchange = recorded(name)
    api = make_mock_api(lambda req: recorded_reply(exchange), max_retries=0, **options)
    request_body = json.loads(exchange["request"]["body"] or "{}")
    return api, exchange, request_body


def test_chat_completion_text(make_mock_api):
    api, _exchange, sent = replay(make_mock_api, "chat_completion_text")
    response = api.call("chat", sent["messages"], model=sent["model"])
    assert response.id == "chatcmpl-CfYfn0DM5YwWUU5vO22JZWDKdWcFm"
    assert response.model == "gpt-4o-2024-08-06"
    assert response.created == 1764020767
    assert response.content == "Hello!"
    assert response.finish_reason == "stop"
    assert response.refusal is None
    assert response.system_fingerprint == "fp_c98e05ca17"
    assert response.service_tier == "default"
    usage = response.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (12, 2, 14)
    assert usage.prompt_tokens_details.cached_tokens == 0
    assert usage.completion_tokens_details.reasoning_tokens == 0
    assert usage.completion_tokens_details.accepted_prediction_tokens == 0
    assert response.request_id == "req_670507131d6c455caf0e8cbc30a1a792"
    assert response.raw["choices"][0]["message"]["annotations"] == []
    assert response.message == {"role": "assistant", "content": "Hello!"}
    sent_now = json.loads(api.client._driver.transport.requests[-1].body)
    assert sent_now == sent


def test_chat_completion_parallel_tool_calls(make_mock_api):
    api, exchange, sent = replay(make_mock_api, "chat_completion_parallel_tool_calls")
    response = api.call("chat", sent["messages"], model=sent["model"], tools=sent["tools"])
    body = json.loads(exchange["response"]["body"])
    expected = body["choices"][0]["message"]["tool_calls"]
    assert response.finish_reason == "tool_calls"
    assert response.content is None
    assert [c.to_dict() for c in response.tool_calls] == [
        {"id": c["id"], "type": c["type"], "function": c["function"]} for c in expected
    ]
    assert len(response.tool_calls) == 2
    for call in response.tool_calls:
        assert isinstance(call.function.parsed_arguments(), dict)
    assert response.message["tool_calls"] == response.raw["choices"][0]["message"]["tool_calls"]


def test_chat_completion_cached_tokens(make_mock_api):
    api, exchange, sent = replay(make_mock_api, "chat_completion_cached_tokens")
    response = api.call("chat", sent["messages"], model=sent["model"])
    body = json.loads(exchange["response"]["body"])
    assert (
        response.usage.prompt_tokens_details.cached_tokens
        == body["usage"]["prompt_tokens_details"]["cached_tokens"]
    )
    assert response.usage.prompt_tokens_details.cached_tokens > 0
    assert response.content == body["choices"][0]["message"]["content"]


def test_chat_completion_reasoning_tokens(make_mock_api):
    api, exchange, sent = replay(make_mock_api, "chat_completion_reasoning_tokens")
    response = api.call("chat", sent["messages"], model=sent["model"])
    body = json.loads(exchange["response"]["body"])
    assert (
        response.usage.completion_tokens_details.reasoning_tokens
        == body["usage"]["completion_tokens_details"]["reasoning_tokens"]
    )
    assert response.usage.completion_tokens_details.reasoning_tokens > 0
    assert response.model == body["model"]


def test_chat_completion_after_tool_results(make_mock_api):
    api, exchange, sent = replay(make_mock_api, "chat_completion_text_after_tool_results")
    response = api.call("chat", sent["messages"], model=sent["model"], tools=sent.get("tools"))
    body = json.loads(exchange["response"]["body"])
    assert response.content == body["choices"][0]["message"]["content"]
    assert response.usage.total_tokens == body["usage"]["total_tokens"]


ERROR_CASES = {
    "error_401_invalid_api_key_chat": (AuthenticationError, 401),
    "error_404_model_not_found": (NotFoundError, 404),
    "error_404_model_not_found_2025": (NotFoundError, 404),
    "error_404_chat_completion_not_found": (NotFoundError, 404),
    "error_400_unsupported_parameter": (BadRequestError, 400),
    "error_400_invalid_image_url": (BadRequestError, 400),
    "error_400_responses_model_not_found": (BadRequestError, 400),
    "error_401_invalid_api_key_responses": (AuthenticationError, 401),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_recorded_errors_become_typed_errors(make_mock_api, name):
    cls, status = ERROR_CASES[name]
    api, exchange, _ = replay(make_mock_api, name)
    with pytest.raises(cls) as info:
        api.call("chat", "Hi")
    error = info.value
    expected = json.loads(exchange["response"]["body"])["error"]
    headers = {k.lower(): v for k, v in exchange["response"]["headers"]}
    assert error.status_code == status
    assert error.message == expected["message"]
    assert error.type == expected["type"]
    assert error.code == expected["code"]
    assert error.param == expected["param"]
    assert error.request_id == headers.get("x-request-id")
    assert error.is_auth_error == (status == 401)
    assert not error.is_transient_error


def test_every_recorded_error_is_covered():
    names = [
        n
        for n in recorded_names("error_")
        if "embeddings" not in n and "transcription" not in n and "images" not in n
    ]
    if not names:
        pytest.skip("conformance recordings not found (../shared is absent)")
    assert set(names) <= set(ERROR_CASES)
