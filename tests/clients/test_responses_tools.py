"""respond_with_functions: the Responses tool loop shares chat's parallel tool execution."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from openai_accel import BadRequestError, FunctionCallError

from ..helpers import reply


def scripted(*bodies):
    seen = []

    def handler(request):
        seen.append(json.loads(request.body))
        return reply(200, bodies[min(len(seen) - 1, len(bodies) - 1)])

    handler.seen = seen
    return handler


def response_body(*output, status="completed"):
    return {
        "id": "resp_1",
        "object": "response",
        "status": status,
        "model": "gpt-4o-mini",
        "output": list(output),
        "usage": {"input_tokens": 5, "output_tokens": 3, "total_tokens": 8},
    }


def call_item(call_id, name, arguments):
    return {
        "id": "fc_" + call_id,
        "type": "function_call",
        "status": "completed",
        "call_id": call_id,
        "name": name,
        "arguments": json.dumps(arguments),
    }


def message_item(text):
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


TWO_CALLS = response_body(
    call_item("call_a", "slow_a", {"x": 1}), call_item("call_b", "slow_b", {"x": 2})
)
FINAL = response_body(message_item("All done"))


def slow_a(x: int) -> dict:
    """Sleep and report.

    Args:
        x: the number to report
    """
    time.sleep(0.5)
    return {"a": x}


def slow_b(x: int) -> str:
    time.sleep(0.5)
    return f"b={x}"


async def async_slow_a(x: int) -> dict:
    await asyncio.sleep(0.5)
    return {"a": x}


def test_function_calls_run_in_parallel_and_answer_with_their_call_ids(make_mock_api):
    handler = scripted(TWO_CALLS, FINAL)
    api = make_mock_api(handler)
    started = time.monotonic()
    response = api.call("respond_with_functions", "go", {"slow_a": slow_a, "slow_b": slow_b})
    elapsed = time.monotonic() - started
    assert elapsed < 0.9, f"two 0.5 s tools took {elapsed:.2f} s: not parallel"
    assert response.output_text == "All done"
    assert (response.rounds, response.max_rounds_reached) == (2, False)
    second = handler.seen[1]["input"]
    assert second[0] == {"role": "user", "content": "go"}
    assert second[1:3] == TWO_CALLS["output"]
    assert second[3:] == [
        {"type": "function_call_output", "call_id": "call_a", "output": '{"a": 1}'},
        {"type": "function_call_output", "call_id": "call_b", "output": "b=2"},
    ]
    assert response.messages == second + FINAL["output"]


def test_coroutine_functions_run_concurrently_too(make_mock_api):
    api = make_mock_api(scripted(TWO_CALLS, FINAL))
    started = time.monotonic()
    api.call("respond_with_functions", "go", {"slow_a": async_slow_a, "slow_b": slow_b})
    assert time.monotonic() - started < 0.9


def test_tools_are_derived_in_the_flat_responses_shape(make_mock_api):
    handler = scripted(FINAL)
    api = make_mock_api(handler)
    api.call("respond_with_functions", "go", {"slow_a": slow_a})
    (tool,) = handler.seen[0]["tools"]
    assert tool == {
        "type": "function",
        "name": "slow_a",
        "description": "Sleep and report.",
        "parameters": {
            "type": "object",
            "properties": {"x": {"type": "integer", "description": "the number to report"}},
            "required": ["x"],
            "additionalProperties": False,
        },
        "strict": True,  # every parameter is required: strict mode can guarantee them
    }


def test_a_tool_with_optional_parameters_is_not_sent_strict(make_mock_api):
    def scale(x: int, factor: int = 2) -> int:
        return x * factor

    handler = scripted(FINAL)
    api = make_mock_api(handler)
    api.call("respond_with_functions", "go", {"scale": scale})
    (tool,) = handler.seen[0]["tools"]
    assert tool["strict"] is False
    assert tool["parameters"]["required"] == ["x"]


def test_a_failing_function_is_reported_to_the_model(make_mock_api):
    def broken(x: int) -> int:
        raise RuntimeError("boom")

    handler = scripted(response_body(call_item("call_z", "broken", {"x": 1})), FINAL)
    api = make_mock_api(handler)
    api.call("respond_with_functions", "go", {"broken": broken})
    output = handler.seen[1]["input"][-1]
    assert output["call_id"] == "call_z"
    assert json.loads(output["output"]) == {"error": "RuntimeError: boom", "tool": "broken"}


def test_fail_on_function_error_raises(make_mock_api):
    api = make_mock_api(scripted(response_body(call_item("call_u", "nope", {})), FINAL))
    with pytest.raises(FunctionCallError) as info:
        api.call("respond_with_functions", "go", {"slow_a": slow_a}, fail_on_function_error=True)
    assert info.value.function_name == "nope"


def test_a_timed_out_function_becomes_a_timeout_error_for_the_model(make_mock_api):
    def hang(x: int) -> int:
        time.sleep(1.0)
        return x

    handler = scripted(response_body(call_item("call_t", "hang", {"x": 1})), FINAL)
    api = make_mock_api(handler)
    started = time.monotonic()
    api.call("respond_with_functions", "go", {"hang": hang}, function_timeout=0.1)
    assert time.monotonic() - started < 0.9
    assert "timeout" in json.loads(handler.seen[1]["input"][-1]["output"])["error"]


def test_max_rounds_returns_the_pending_calls_unrun(make_mock_api):
    ran = []

    def record(x: int) -> None:
        ran.append(x)

    handler = scripted(TWO_CALLS)
    api = make_mock_api(handler)
    response = api.call(
        "respond_with_functions", "go", {"slow_a": record, "slow_b": record}, max_rounds=1
    )
    assert response.max_rounds_reached and response.rounds == 1
    assert [c.call_id for c in response.tool_calls] == ["call_a", "call_b"]
    assert ran == [] and len(handler.seen) == 1


def test_max_rounds_below_one_is_refused_before_sending(make_mock_api):
    handler = scripted(FINAL)
    api = make_mock_api(handler)
    with pytest.raises(BadRequestError):
        api.call("respond_with_functions", "go", {}, max_rounds=0)
    assert handler.seen == []


def test_other_options_pass_through_every_round(make_mock_api):
    handler = scripted(TWO_CALLS, FINAL)
    api = make_mock_api(handler)
    api.call(
        "respond_with_functions",
        [{"role": "user", "content": "go"}],
        {"slow_a": lambda x: x, "slow_b": lambda x: x},
        model="o3",
        reasoning={"effort": "low"},
        store=False,
        instructions="be brief",
    )
    for body in handler.seen:
        assert body["model"] == "o3"
        assert body["reasoning"] == {"effort": "low"}
        assert body["store"] is False
        assert body["instructions"] == "be brief"
