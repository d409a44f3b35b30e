"""respond: what is sent, and bad input refused before sending, on both clients."""

from __future__ import annotations

import json

import pytest

from openai_accel import BadRequestError, InvalidResponseError, UnknownItem

from ..helpers import reply

OK = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "model": "gpt-4o-mini",
    "output": [],
}


def capture(make_mock_api, body=OK):
    seen = []

    def handler(request):
        seen.append(json.loads(request.body))
        return reply(200, body)

    return make_mock_api(handler), seen


@pytest.mark.parametrize(
    "value, param",
    [(5, "input"), ([], "input"), (None, "input"), (["text"], "input[0]"), ({"a": 1}, "input")],
)
def test_bad_input_is_refused_before_sending(make_mock_api, value, param):
    api, seen = capture(make_mock_api)
    with pytest.raises(BadRequestError) as info:
        api.call("respond", value)
    assert info.value.param == param
    assert seen == []


def test_named_options_are_sent_and_none_is_left_out(make_mock_api):
    api, seen = capture(make_mock_api)
    reasoning = {"effort": "low"}
    api.call("respond", "hi", reasoning=reasoning, max_output_tokens=50, store=False, tools=[])
    assert seen[0] == {
        "model": "gpt-4o-mini",
        "input": "hi",
        "max_output_tokens": 50,
        "reasoning": {"effort": "low"},
        "store": False,
    }
    assert reasoning == {"effort": "low"}


def test_per_call_options_do_not_reach_the_body(make_mock_api):
    api, seen = capture(make_mock_api)
    api.call("respond", "hi", timeout=5, extra_headers={"x-a": "1"}, extra_body={"user": "u"})
    assert seen[0] == {"model": "gpt-4o-mini", "input": "hi", "user": "u"}


def test_the_callers_input_items_are_not_mutated(make_mock_api):
    api, _ = capture(make_mock_api)
    items = [{"role": "user", "content": "hi"}]
    api.call("respond_with_functions", items, {})
    assert items == [{"role": "user", "content": "hi"}]


def test_unknown_output_items_are_kept(make_mock_api):
    body = {**OK, "output": [{"type": "mcp_call", "id": "mcp_1", "server_label": "x"}]}
    api, _ = capture(make_mock_api, body)
    response = api.call("respond", "hi")
    (item,) = response.output
    assert isinstance(item, UnknownItem) and item.raw["server_label"] == "x"


def test_an_output_item_without_a_type_is_an_invalid_response(make_mock_api):
    api, _ = capture(make_mock_api, {**OK, "output": [{"id": "x"}]})
    with pytest.raises(InvalidResponseError):
        api.call("respond", "hi")
