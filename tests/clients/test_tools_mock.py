"""chat_with_functions: parallel tool execution, error modes, the round cap."""

from __future__ import annotations

import asyncio
import json
import time
from enum import Enum

import pytest

from openai_accel import FunctionCallError

from ..helpers import chat_body, reply


def scripted(*bodies):
    """A handler answering each request with the next body (the last repeats)."""
    seen = []

    def handler(request):
        seen.append(json.loads(request.body))
        return reply(200, bodies[min(len(seen) - 1, len(bodies) - 1)])

    handler.seen = seen
    return handler


TWO_CALLS = chat_body(tool_calls=[("call_a", "slow_a", {"x": 1}), ("call_b", "slow_b", {"x": 2})])
FINAL = chat_body("All done")


def slow_a(x: int) -> dict:
    """Sleep and report."""
    time.sleep(0.5)
    return {"a": x}


def slow_b(x: int) -> str:
    time.sleep(0.5)
    return f"b={x}"


async def async_slow_a(x: int) -> dict:
    await asyncio.sleep(0.5)
    return {"a": x}


def test_tool_calls_of_a_round_run_in_parallel(make_mock_api):
    handler = scripted(TWO_CALLS, FINAL)
    api = make_mock_api(handler)
    started = time.monotonic()
    response = api.call("chat_with_functions", "go", {"slow_a": slow_a, "slow_b": slow_b})
    elapsed = time.monotonic() - started
    assert elapsed < 0.9, f"two 0.5 s tools took {elapsed:.2f} s: not parallel"
    assert response.content == "All done"
    tool_messages = [m for m in response.messages if m["role"] == "tool"]
    assert tool_messages == [
        {"role": "tool", "tool_call_id": "call_a", "content": '{"a": 1}'},
        {"role": "tool", "tool_call_id": "call_b", "content": "b=2"},
    ]
    assert handler.seen[1]["messages"][-3:] == response.messages[-4:-1]


def test_async_tools_run_concurrently_too(make_mock_api):
    api = make_mock_api(scripted(TWO_CALLS, FINAL))
    started = time.monotonic()
    api.call("chat_with_functions", "go", {"slow_a": async_slow_a, "slow_b": slow_b})
    assert time.monotonic() - started < 0.9


def test_schemas_are_derived_from_the_functions(make_mock_api):
    handler = scripted(FINAL)
    api = make_mock_api(handler)
    api.call("chat_with_functions", "go", {"slow_a": slow_a})
    [tool] = handler.seen[0]["tools"]
    assert tool["function"]["name"] == "slow_a"
    assert tool["function"]["description"] == "Sleep and report."
    assert tool["function"]["parameters"]["properties"] == {"x": {"type": "integer"}}
    assert tool["function"]["parameters"]["required"] == ["x"]


def test_explicit_tools_override_derived_schemas(make_mock_api):
    handler = scripted(FINAL)
    api = make_mock_api(handler)
    tools = [{"type": "function", "function": {"name": "slow_a", "parameters": {"type": "object"}}}]
    api.call("chat_with_functions", "go", {"slow_a": slow_a}, tools=tools)
    assert handler.seen[0]["tools"] == tools


def boom(x: int) -> None:
    raise RuntimeError("tool exploded")


def sleepy(x: int) -> str:
    time.sleep(1.0)
    return "late"


FAILURES = {
    "exception": (
        chat_body(tool_calls=[("c1", "boom", {"x": 1})]),
        {"boom": boom},
        "RuntimeError: tool exploded",
    ),
    "timeout": (chat_body(tool_calls=[("c1", "sleepy", {"x": 1})]), {"sleepy": sleepy}, "timeout"),
    "unknown tool": (
        chat_body(tool_calls=[("c1", "nope", {})]),
        {"boom": boom},
        "unknown function 'nope'",
    ),
    "bad json": (
        {
            **chat_body(tool_calls=[("c1", "boom", {})]),
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "boom", "arguments": "{not json"},
                            }
                        ],
                    },
                }
            ],
        },
        {"boom": boom},
        "not valid JSON",
    ),
    "bad argument name": (
        chat_body(tool_calls=[("c1", "boom", {"y": 1})]),
        {"boom": boom},
        "unexpected argument 'y'",
    ),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failures_are_reported_to_the_model_by_default(make_mock_api, case):
    first, functions, text = FAILURES[case]
    handler = scripted(first, FINAL)
    api = make_mock_api(handler)
    response = api.call("chat_with_functions", "go", functions, function_timeout=0.2)
    [tool_message] = [m for m in response.messages if m["role"] == "tool"]
    assert tool_message["tool_call_id"] == "c1"
    assert text in json.loads(tool_message["content"])["error"]
    assert response.content == "All done"


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failures_raise_with_fail_on_function_error(make_mock_api, case):
    first, functions, _text = FAILURES[case]
    api = make_mock_api(scripted(first, FINAL))
    with pytest.raises(FunctionCallError) as info:
        api.call(
            "chat_with_functions",
            "go",
            functions,
            function_timeout=0.2,
            fail_on_function_error=True,
        )
    assert info.value.function_name in ("boom", "sleepy", "nope")
    assert isinstance(info.value.cause, CAUSES[case])
    assert info.value.function_name in str(info.value)


CAUSES = {
    "exception": RuntimeError,
    "timeout": TimeoutError,
    "unknown tool": LookupError,
    "bad json": ValueError,
    "bad argument name": TypeError,
}


def test_max_rounds_caps_the_loop(make_mock_api):
    looping = chat_body(tool_calls=[("c1", "slow_b", {"x": 1})])
    handler = scripted(looping)
    api = make_mock_api(handler)
    response = api.call("chat_with_functions", "go", {"slow_b": lambda x: "ok"}, max_rounds=2)
    assert len(handler.seen) == 2
    assert response.max_rounds_reached is True
    assert response.rounds == 2
    assert response.tool_calls


class Unit(Enum):
    C = "celsius"
    F = "fahrenheit"


def test_enum_arguments_are_converted(make_mock_api):
    got = []

    def temperature(city: str, unit: Unit = Unit.C) -> str:
        got.append(unit)
        return "20"

    api = make_mock_api(
        scripted(
            chat_body(tool_calls=[("c1", "temperature", {"city": "Oslo", "unit": "fahrenheit"})]),
            FINAL,
        )
    )
    api.call("chat_with_functions", "go", {"temperature": temperature})
    assert got == [Unit.F]
