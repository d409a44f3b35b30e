"""Tests for folding streamed chat.completion.chunk objects into a chat.completion body."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from openai_accel._core.chat_stream import ChatStreamAccumulator
from openai_accel._core.json_stream import JSONStreamDecoder
from tests._shared import recorded

# --------------------------------------------------------------------------- helpers


def chunk(
    *choices: Dict[str, Any],
    usage: Any = None,
    **top: Any,
) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-test",
        "system_fingerprint": "fp_1",
        "choices": list(choices),
    }
    body.update(top)
    if usage is not None:
        body["usage"] = usage
    return body


def choice(
    index: int = 0, finish_reason: Optional[str] = None, logprobs: Any = None, **delta: Any
) -> Dict[str, Any]:
    return {"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish_reason}


def call_delta(index: int, **fields: Any) -> Dict[str, Any]:
    return {"index": index, **fields}


def assemble(*chunks: Dict[str, Any]) -> Dict[str, Any]:
    accumulator = ChatStreamAccumulator()
    for item in chunks:
        accumulator.add(item)
    return accumulator.final_body()


def assemble_recording(name: str) -> Dict[str, Any]:
    decoder = JSONStreamDecoder()
    accumulator = ChatStreamAccumulator()
    for item in decoder.feed(recorded(name)["response"]["body"].encode("utf-8")):
        accumulator.add(item)
    decoder.finish()
    return accumulator.final_body()


def key_tree(value: Any) -> Any:
    """The nested key structure of a JSON value, ignoring the values themselves."""
    if isinstance(value, dict):
        return {key: key_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [key_tree(item) for item in value]
    return None


# --------------------------------------------------------------------------- recordings


def test_text_recording_with_usage_assembles_message() -> None:
    body = assemble_recording("chat_stream_text_include_usage")
    assert body["choices"] == [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "This is a test. How can I assist you further?",
                "refusal": None,
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]


def test_text_recording_with_usage_keeps_top_level_fields() -> None:
    body = assemble_recording("chat_stream_text_include_usage")
    assert {k: v for k, v in body.items() if k not in ("choices", "usage")} == {
        "id": "chatcmpl-CnMGGNmSdY4yYxO9NmV7cSVxXZ5ci",
        "object": "chat.completion",
        "created": 1765879680,
        "model": "gpt-4o-mini-2024-07-18",
        "service_tier": "default",
        "system_fingerprint": "fp_644f11dd4d",
    }


def test_text_recording_with_usage_carries_usage() -> None:
    usage = assemble_recording("chat_stream_text_include_usage")["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]) == (
        12,
        12,
        24,
    )
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 0


def test_text_recording_without_usage_has_null_usage() -> None:
    body = assemble_recording("chat_stream_text_no_usage")
    assert body["usage"] is None
    assert body["system_fingerprint"] is None
    assert body["model"] == "gpt-3.5-turbo-0125"
    message = body["choices"][0]["message"]
    assert message["content"] == (
        "Why did Opentelemetry break up with its girlfriend? Because it couldn't handle the"
        " baggage of their outdated monitoring tools!"
    )
    assert body["choices"][0]["finish_reason"] == "stop"


def test_parallel_tool_call_recording_assembles_both_calls() -> None:
    body = assemble_recording("chat_stream_parallel_tool_calls")
    message = body["choices"][0]["message"]
    assert message["content"] is None
    assert message["refusal"] is None
    calls = message["tool_calls"]
    assert [(c["id"], c["type"], c["function"]["name"]) for c in calls] == [
        ("call_fHCjJqt9Pysde6vcJcvbXGBx", "function", "get_current_weather"),
        ("call_3J9foSw3CUb48lrqIXoTky6U", "function", "get_current_weather"),
    ]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"location": "Seattle, WA"},
        {"location": "San Francisco, CA"},
    ]
    assert body["choices"][0]["finish_reason"] == "tool_calls"


def test_parallel_tool_call_recording_usage_and_no_service_tier() -> None:
    body = assemble_recording("chat_stream_parallel_tool_calls")
    assert body["usage"]["total_tokens"] == 126
    assert (body["usage"]["prompt_tokens"], body["usage"]["completion_tokens"]) == (75, 51)
    assert "service_tier" not in body  # The 2024 chunks never carried it.


def test_parallel_tool_call_recording_matches_non_streaming_shape() -> None:
    # Same test suite, same request, recorded without stream=true.
    streamed = assemble_recording("chat_stream_parallel_tool_calls")
    plain = json.loads(recorded("chat_completion_parallel_tool_calls")["response"]["body"])
    assert key_tree(streamed) == key_tree(plain)


def test_obfuscated_tool_call_recording_assembles_calls() -> None:
    body = assemble_recording("chat_stream_parallel_tool_calls_obfuscation")
    calls = body["choices"][0]["message"]["tool_calls"]
    assert [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in calls] == [
        ("call_q2UyBRP7eXNTzAoR8lEhjc9Z", "get_country", "{}"),
        ("call_b51ijcpFkDiTQG1bQzsrmtW5", "get_product_name", "{}"),
    ]
    assert body["usage"]["total_tokens"] == 404
    assert body["model"] == "gpt-4o-2024-08-06"
    assert "obfuscation" not in body


# --------------------------------------------------------------------------- content


def test_content_fragments_are_joined() -> None:
    body = assemble(
        chunk(choice(role="assistant", content="")),
        chunk(choice(content="Hel")),
        chunk(choice(content="lo")),
        chunk(choice(finish_reason="stop")),
    )
    assert body["choices"][0]["message"]["content"] == "Hello"


def test_empty_answer_keeps_empty_content() -> None:
    body = assemble(
        chunk(choice(role="assistant", content="")), chunk(choice(finish_reason="stop"))
    )
    assert body["choices"][0]["message"]["content"] == ""


def test_no_content_delta_gives_null_content() -> None:
    body = assemble(chunk(choice(role="assistant")), chunk(choice(finish_reason="length")))
    assert body["choices"][0]["message"]["content"] is None


def test_role_defaults_to_assistant() -> None:
    body = assemble(chunk(choice(content="x")))
    assert body["choices"][0]["message"]["role"] == "assistant"


def test_refusal_fragments_are_joined_and_content_is_null() -> None:
    body = assemble(
        chunk(choice(role="assistant", content="", refusal=None)),
        chunk(choice(refusal="I can't ")),
        chunk(choice(refusal="help with that.")),
        chunk(choice(finish_reason="stop")),
    )
    message = body["choices"][0]["message"]
    assert (message["content"], message["refusal"]) == (None, "I can't help with that.")


def test_unknown_keys_are_ignored() -> None:
    body = assemble(
        chunk(choice(content="a", future_field=[1]), obfuscation="xyz", something_new={"a": 1})
    )
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "a", "refusal": None}
    assert "obfuscation" not in body and "something_new" not in body


def test_tool_calls_key_omitted_without_tool_calls() -> None:
    body = assemble(chunk(choice(content="a")))
    assert "tool_calls" not in body["choices"][0]["message"]


def test_null_delta_is_tolerated() -> None:
    body = assemble(
        chunk(choice(content="a")),
        chunk({"index": 0, "delta": None, "logprobs": None, "finish_reason": "stop"}),
    )
    assert body["choices"][0]["finish_reason"] == "stop"


# --------------------------------------------------------------------------- tool calls


def _function(name: Optional[str] = None, arguments: Optional[str] = None) -> Dict[str, Any]:
    fields: Dict[str, Any] = {}
    if name is not None:
        fields["name"] = name
    if arguments is not None:
        fields["arguments"] = arguments
    return fields


def test_tool_call_arguments_split_anywhere_are_joined() -> None:
    body = assemble(
        chunk(choice(role="assistant", content=None)),
        chunk(
            choice(
                tool_calls=[
                    call_delta(0, id="call_a", type="function", function=_function("f", ""))
                ]
            )
        ),
        chunk(choice(tool_calls=[call_delta(0, function=_function(arguments='{"x'))])),
        chunk(choice(tool_calls=[call_delta(0, function=_function(arguments='": [1, '))])),
        chunk(choice(tool_calls=[call_delta(0, function=_function(arguments="2]}"))])),
    )
    (call,) = body["choices"][0]["message"]["tool_calls"]
    assert call == {
        "id": "call_a",
        "type": "function",
        "function": {"name": "f", "arguments": '{"x": [1, 2]}'},
    }


def test_interleaved_tool_call_indexes_are_kept_apart() -> None:
    body = assemble(
        chunk(
            choice(
                tool_calls=[
                    call_delta(0, id="call_a", type="function", function=_function("f", ""))
                ]
            )
        ),
        chunk(
            choice(
                tool_calls=[
                    call_delta(1, id="call_b", type="function", function=_function("g", ""))
                ]
            )
        ),
        chunk(choice(tool_calls=[call_delta(0, function=_function(arguments='{"a"'))])),
        chunk(choice(tool_calls=[call_delta(1, function=_function(arguments='{"b"'))])),
        chunk(
            choice(
                tool_calls=[
                    call_delta(1, function=_function(arguments=": 2}")),
                    call_delta(0, function=_function(arguments=": 1}")),
                ]
            )
        ),
    )
    calls = body["choices"][0]["message"]["tool_calls"]
    assert [(c["id"], c["function"]["arguments"]) for c in calls] == [
        ("call_a", '{"a": 1}'),
        ("call_b", '{"b": 2}'),
    ]


def test_tool_calls_are_ordered_by_index_not_arrival() -> None:
    body = assemble(
        chunk(choice(tool_calls=[call_delta(1, id="call_b", function=_function("g", "{}"))])),
        chunk(choice(tool_calls=[call_delta(0, id="call_a", function=_function("f", "{}"))])),
    )
    calls = body["choices"][0]["message"]["tool_calls"]
    assert [c["id"] for c in calls] == ["call_a", "call_b"]


def test_whole_tool_call_in_one_delta() -> None:
    body = assemble(
        chunk(
            choice(
                tool_calls=[
                    call_delta(
                        0, id="call_a", type="function", function=_function("f", '{"q": "v"}')
                    )
                ]
            )
        ),
        chunk(choice(finish_reason="tool_calls")),
    )
    (call,) = body["choices"][0]["message"]["tool_calls"]
    assert call["function"] == {"name": "f", "arguments": '{"q": "v"}'}


def test_repeated_id_and_name_are_not_concatenated() -> None:
    # Some compatible servers repeat id/type/name in every delta.
    body = assemble(
        chunk(
            choice(
                tool_calls=[
                    call_delta(0, id="call_a", type="function", function=_function("f", '{"q"'))
                ]
            )
        ),
        chunk(
            choice(
                tool_calls=[
                    call_delta(0, id="call_a", type="function", function=_function("f", ": 1}"))
                ]
            )
        ),
    )
    (call,) = body["choices"][0]["message"]["tool_calls"]
    assert (call["id"], call["function"]["name"], call["function"]["arguments"]) == (
        "call_a",
        "f",
        '{"q": 1}',
    )


def test_tool_call_deltas_without_index_are_grouped_by_id() -> None:
    body = assemble(
        chunk(choice(tool_calls=[{"id": "call_a", "function": _function("f", '{"a"')}])),
        chunk(choice(tool_calls=[{"function": _function(arguments=": 1}")}])),
        chunk(choice(tool_calls=[{"id": "call_b", "function": _function("g", "{}")}])),
    )
    calls = body["choices"][0]["message"]["tool_calls"]
    assert [(c["id"], c["function"]["arguments"]) for c in calls] == [
        ("call_a", '{"a": 1}'),
        ("call_b", "{}"),
    ]


def test_missing_type_defaults_to_function() -> None:
    body = assemble(chunk(choice(tool_calls=[call_delta(0, id="c", function=_function("f", ""))])))
    assert body["choices"][0]["message"]["tool_calls"][0]["type"] == "function"


def test_empty_content_with_tool_calls_becomes_null() -> None:
    body = assemble(
        chunk(choice(role="assistant", content="")),
        chunk(choice(tool_calls=[call_delta(0, id="c", function=_function("f", "{}"))])),
    )
    assert body["choices"][0]["message"]["content"] is None


def test_text_alongside_tool_calls_is_kept() -> None:
    body = assemble(
        chunk(choice(role="assistant", content="Checking.")),
        chunk(choice(tool_calls=[call_delta(0, id="c", function=_function("f", "{}"))])),
    )
    assert body["choices"][0]["message"]["content"] == "Checking."


# --------------------------------------------------------------------------- choices, usage


def test_multiple_choices_are_kept_apart_and_sorted() -> None:
    body = assemble(
        chunk(choice(1, role="assistant", content="B"), choice(0, role="assistant", content="A")),
        chunk(choice(0, content="a")),
        chunk(choice(1, content="b", finish_reason="length")),
        chunk(choice(0, finish_reason="stop")),
    )
    assert [(c["index"], c["message"]["content"], c["finish_reason"]) for c in body["choices"]] == [
        (0, "Aa", "stop"),
        (1, "Bb", "length"),
    ]


def test_usage_chunk_with_empty_choices_sets_usage() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    body = assemble(chunk(choice(content="a")), chunk(usage=usage))
    assert body["usage"] == usage
    assert len(body["choices"]) == 1


def test_null_top_level_value_does_not_erase_earlier_one() -> None:
    body = assemble(
        chunk(choice(content="a"), system_fingerprint="fp_x"),
        chunk(choice(content="b"), system_fingerprint=None),
    )
    assert body["system_fingerprint"] == "fp_x"


def test_logprobs_are_concatenated_across_chunks() -> None:
    first = {"token": "Hel", "logprob": -0.1, "bytes": [72, 101, 108], "top_logprobs": []}
    second = {"token": "lo", "logprob": -0.2, "bytes": [108, 111], "top_logprobs": []}
    body = assemble(
        chunk(choice(content="Hel", logprobs={"content": [first], "refusal": None})),
        chunk(choice(content="lo", logprobs={"content": [second], "refusal": None})),
        chunk(choice(finish_reason="stop")),
    )
    assert body["choices"][0]["logprobs"] == {"content": [first, second], "refusal": None}


def test_logprobs_merge_does_not_mutate_the_chunks() -> None:
    first: List[Any] = [{"token": "a"}]
    assemble(
        chunk(choice(content="a", logprobs={"content": first})),
        chunk(choice(content="b", logprobs={"content": [{"token": "b"}]})),
    )
    assert first == [{"token": "a"}]


def test_final_body_can_be_called_twice() -> None:
    accumulator = ChatStreamAccumulator()
    accumulator.add(chunk(choice(content="a")))
    assert accumulator.final_body() == accumulator.final_body()


def test_final_body_reflects_chunks_added_after_a_snapshot() -> None:
    accumulator = ChatStreamAccumulator()
    accumulator.add(chunk(choice(content="a")))
    accumulator.final_body()
    accumulator.add(chunk(choice(content="b")))
    assert accumulator.final_body()["choices"][0]["message"]["content"] == "ab"


def test_chunks_counts_added_chunks() -> None:
    accumulator = ChatStreamAccumulator()
    assert accumulator.chunks == 0
    accumulator.add(chunk(choice(content="a")))
    accumulator.add(chunk(usage={"total_tokens": 1}))
    assert accumulator.chunks == 2
