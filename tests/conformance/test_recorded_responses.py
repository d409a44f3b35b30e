"""Recorded Responses API exchanges replayed through both clients, every field checked.

Skips (with the reason) when ../shared is absent.
"""

from __future__ import annotations

import json

import pytest

from openai_accel import FunctionCallItem, MessageItem, ResponseEvent
from openai_accel.testing.pytest_plugin import TEST_CLIENT_OPTIONS
from openai_accel.transports.mock import AsyncMockTransport, MockTransport

from .._shared import recorded
from ..harness import Harness
from ..helpers import recorded_reply


def replay(make_mock_api, name):
    exchange = recorded(name)
    api = make_mock_api(lambda req: recorded_reply(exchange), max_retries=0)
    return api, exchange, json.loads(exchange["request"]["body"])


def sent_body(api):
    return json.loads(api.client._driver.transport.requests[-1].body)


def resend(api, method, sent):
    """Call ``method`` with the recorded request's fields (they all pass through)."""
    fields = {k: v for k, v in sent.items() if k != "input"}
    if method == "respond":
        return api.call(method, sent["input"], **fields)
    del fields["stream"]
    return api.stream(method, sent["input"], **fields)


def check_common(response, body, request_id):
    assert response.id == body["id"]
    assert response.object == "response"
    assert response.created_at == body["created_at"]
    assert response.status == "completed"
    assert response.model == body["model"] == "gpt-5.5-2026-04-23"
    assert response.error is None
    assert response.incomplete_details is None
    assert response.previous_response_id is None
    assert response.request_id == request_id
    assert response.raw == body
    assert response.parsed is None and response.refusal is None
    usage = body["usage"]
    assert response.usage.input_tokens == usage["input_tokens"]
    assert response.usage.output_tokens == usage["output_tokens"]
    assert response.usage.total_tokens == usage["total_tokens"]
    assert response.usage.cached_tokens == usage["input_tokens_details"]["cached_tokens"] == 0
    assert response.usage.reasoning_tokens == 0
    assert [item.raw for item in response.output] == body["output"]


def test_responses_text(make_mock_api):
    api, exchange, sent = replay(make_mock_api, "responses_text")
    response = resend(api, "respond", sent)
    body = json.loads(exchange["response"]["body"])
    check_common(response, body, "req_c6713bbdac8d4639a5ea09cb6c5eb5a9")
    (item,) = response.output
    assert isinstance(item, MessageItem)
    assert item.id == "msg_08ddf351751647d60169fab1b9828c81a0bef694acd7d53106"
    assert (item.status, item.role, item.phase) == ("completed", "assistant", "final_answer")
    assert [(p.type, p.text, p.annotations) for p in item.content] == [("output_text", "pong", [])]
    assert response.output_text == "pong"
    assert response.tool_calls == []
    assert (response.usage.input_tokens, response.usage.output_tokens) == (11, 5)
    assert sent_body(api) == sent
    recent = list(api.client.recent_requests.values())[-1]
    assert recent.request_type == "response"
    assert (recent.input_tokens, recent.output_tokens, recent.total_tokens) == (11, 5, 16)


def test_responses_function_call(make_mock_api):
    api, exchange, sent = replay(make_mock_api, "responses_function_call")
    response = resend(api, "respond", sent)
    body = json.loads(exchange["response"]["body"])
    check_common(response, body, "req_e6f3256822534dd38be1cf139234e596")
    (call,) = response.tool_calls
    assert isinstance(call, FunctionCallItem)
    assert call.id == "fc_05c01d5dceb461c50169fab1bc6a208196a8f7957526d1ef99"
    assert call.call_id == "call_nJmCK7SJe3ajdYYplIbH0KgL"
    assert (call.name, call.status) == ("multiply", "completed")
    assert call.parsed_arguments() == {"a": 1231, "b": 2331}
    assert response.output_text == ""
    assert sent_body(api) == sent


STREAMS = {
    "responses_stream_text": "req_808d2a0863014e248d080b21301d5d58",
    "responses_stream_function_call": "req_996657ef97514aeb93f449d57303514d",
}


def recorded_events(exchange):
    blocks = exchange["response"]["body"].strip().split("\n\n")
    return [json.loads(block.split("data: ", 1)[1]) for block in blocks]


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_recorded_stream_gives_every_event_and_the_completed_response(make_mock_api, name):
    api, exchange, sent = replay(make_mock_api, name)
    events, final = resend(api, "stream_response", sent)
    expected = recorded_events(exchange)
    assert all(isinstance(e, ResponseEvent) for e in events)
    assert [e.raw for e in events] == expected
    assert [e.type for e in events] == [e["type"] for e in expected]
    assert [e.sequence_number for e in events] == list(range(len(expected)))
    completed = expected[-1]["response"]
    check_common(final, completed, STREAMS[name])
    assert sent_body(api) == {**sent, "stream": True}
    deltas = [e for e in events if e.type.endswith(".delta")]
    assert deltas and all(e.item_id == final.output[0].id for e in deltas)
    if name == "responses_stream_text":
        assert "".join(e.delta for e in deltas) == final.output_text
        assert final.output_text == "1231 \u00d7 2331 = **2,869,461**"
        done = [e for e in events if e.type == "response.output_text.done"]
        assert done[0].text == final.output_text
    else:
        assert "".join(e.delta for e in deltas) == final.tool_calls[0].arguments
        assert final.tool_calls[0].call_id == "call_sVidsfFJ6zlzRpelrPkTPlpd"
        added = events[2]
        assert added.type == "response.output_item.added"
        assert isinstance(added.item, FunctionCallItem) and added.item.arguments == ""
    assert events[0].response.status == "in_progress"
    recent = list(api.client.recent_requests.values())[-1]
    assert recent.request_type == "response_stream"
    assert (recent.input_tokens, recent.output_tokens) == (
        completed["usage"]["input_tokens"],
        completed["usage"]["output_tokens"],
    )


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 100])
@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_split_into_any_chunk_size_gives_identical_results(client_kind, name, chunk_size):
    exchange = recorded(name)
    transport_cls = AsyncMockTransport if client_kind == "async" else MockTransport
    transport = transport_cls(lambda req: recorded_reply(exchange), chunk_size=chunk_size)
    options = {**TEST_CLIENT_OPTIONS, "base_url": "https://api.example.test/v1"}
    harness = Harness(client_kind, transport=transport, **options)
    try:
        events, final = harness.stream("stream_response", "hi", model="gpt-5.5")
    finally:
        harness.close()
    assert [e.raw for e in events] == recorded_events(exchange)
    assert final.raw == recorded_events(exchange)[-1]["response"]


def test_recorded_response_errors_are_typed(make_mock_api):
    from openai_accel import AuthenticationError, BadRequestError

    for name, cls in [
        ("error_400_responses_model_not_found", BadRequestError),
        ("error_401_invalid_api_key_responses", AuthenticationError),
    ]:
        api, exchange, sent = replay(make_mock_api, name)
        with pytest.raises(cls) as info:
            api.call("respond", sent["input"], model=sent["model"])
        expected = json.loads(exchange["response"]["body"])["error"]
        assert (info.value.code, info.value.param) == (expected["code"], expected["param"])
        assert info.value.message == expected["message"]
        assert sent_body(api) == {"input": sent["input"], "model": sent["model"]}
