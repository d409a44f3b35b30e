"""The strict converter: every reply model takes the API's types and nothing else.

A value of the wrong type is an InvalidResponseError naming the field path;
extra keys stay tolerated and kept in ``.raw``.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_accel import InvalidResponseError
from openai_accel.errors import parse_retry_after
from openai_accel.models import (
    ChatChunk,
    ChatResponse,
    ImageResponse,
    ModelCard,
    ModerationResponse,
    Transcription,
    Translation,
)
from openai_accel.models._base import structure

REPLY_MODELS = [
    ChatResponse,
    ChatChunk,
    ModerationResponse,
    ImageResponse,
    Transcription,
    Translation,
    ModelCard,
]


def chat(message: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return {"id": "c1", "model": "gpt-4o", "created": 1, "choices": [choice], **extra}


def fault(data: Any, cls: type) -> str:
    with pytest.raises(InvalidResponseError) as caught:
        structure(data, cls)
    return caught.value.message


# -- strings ---------------------------------------------------------------


def test_an_object_where_a_string_belongs_is_refused_with_its_path():
    message = fault(chat({"role": "assistant", "content": {"t": 1}}), ChatResponse)
    assert "choices[0].message.content" in message
    assert "expected a string, got an object" in message


def test_a_number_where_a_string_belongs_is_refused():
    assert "choices[0].message.content" in fault(chat({"content": 42}), ChatResponse)


def test_a_lone_surrogate_in_content_is_refused():
    data = json.loads('{"choices": [{"message": {"content": "a\\ud800b"}}]}')
    assert "lone surrogate" in fault(data, ChatResponse)


def test_non_ascii_text_is_kept_as_sent():
    response = structure(chat({"content": "héllo 🌍 日本"}), ChatResponse)
    assert response.content == "héllo 🌍 日本"


# -- booleans, integers, floats --------------------------------------------


def test_the_string_false_is_not_a_boolean():
    data = {"results": [{"flagged": "false", "categories": {}, "category_scores": {}}]}
    assert "results[0].flagged: expected a boolean" in fault(data, ModerationResponse)


def test_a_category_that_is_not_a_boolean_names_its_key():
    data = {"results": [{"flagged": False, "categories": {"hate": 0}}]}
    assert "results[0].categories['hate']" in fault(data, ModerationResponse)


def test_a_boolean_is_not_an_integer():
    data = chat({"content": "x"}, usage={"prompt_tokens": True})
    assert "usage.prompt_tokens: expected an integer" in fault(data, ChatResponse)


def test_a_float_with_a_fraction_is_not_an_integer():
    assert "created" in fault({**chat({"content": "x"}), "created": 1.5}, ChatResponse)


def test_a_whole_float_is_an_integer():
    response = structure({**chat({"content": "x"}), "created": 1700000000.0}, ChatResponse)
    assert response.created == 1700000000 and type(response.created) is int


def test_a_400_digit_usage_count_is_refused():
    data = chat({"content": "x"}, usage={"prompt_tokens": 10**400})
    assert "usage.prompt_tokens" in fault(data, ChatResponse)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 10**400, True])
def test_a_score_must_be_a_finite_number(value):
    data = {"results": [{"flagged": False, "category_scores": {"hate": value}}]}
    assert "results[0].category_scores['hate']" in fault(data, ModerationResponse)


def test_an_integer_score_becomes_a_float():
    data = {"results": [{"flagged": False, "category_scores": {"hate": 0}}]}
    score = structure(data, ModerationResponse).results[0].category_scores["hate"]
    assert score == 0.0 and type(score) is float


# -- arrays, objects, required keys ----------------------------------------


def test_choices_as_a_string_is_not_a_list_of_default_choices():
    assert "choices: expected an array, got a string" in fault({"choices": "x"}, ChatResponse)


def test_a_choice_that_is_not_an_object_is_refused():
    assert "choices[0]: expected an object" in fault({"choices": ["x"]}, ChatResponse)


def test_a_reply_without_choices_is_refused():
    assert "'choices'" in fault({"id": "c1", "object": "chat.completion"}, ChatResponse)


def test_a_message_without_content_and_without_tool_calls_is_refused():
    assert "choices[0].message" in fault(chat({"role": "assistant"}), ChatResponse)


def test_a_message_with_null_content_beside_tool_calls_is_accepted():
    call = {"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    response = structure(chat({"content": None, "tool_calls": [call]}), ChatResponse)
    assert response.tool_calls[0].function.name == "f"


def test_a_tool_call_with_arguments_as_an_object_is_refused():
    call = {"id": "t1", "function": {"name": "f", "arguments": {"x": 1}}}
    message = fault(chat({"content": None, "tool_calls": [call]}), ChatResponse)
    assert "choices[0].message.tool_calls[0].function.arguments" in message


def test_an_image_without_url_or_base64_is_refused():
    assert "data[0]" in fault({"created": 1, "data": [{}]}, ImageResponse)


def test_a_transcription_without_text_is_refused():
    assert "'text'" in fault({"language": "en"}, Transcription)


def test_a_model_card_without_an_id_is_refused():
    assert "'id'" in fault({"object": "model"}, ModelCard)


def test_unknown_extra_fields_are_tolerated_and_kept_in_raw():
    data = chat({"content": "x", "annotations": []}, brand_new={"nested": [1, 2]})
    response = structure(data, ChatResponse)
    assert response.content == "x"
    assert response.raw["brand_new"] == {"nested": [1, 2]}


def test_a_reply_nested_too_deeply_is_refused_not_a_recursion_error():
    deep: Any = "x"
    for _ in range(5000):
        deep = {"a": deep}
    data = chat({"content": "x"})
    data["choices"][0]["message"]["content"] = deep
    assert "choices[0].message.content" in fault(data, ChatResponse)


# -- property-based: arbitrary JSON is a model or a typed error ---------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(["", "\ud800", "x" * 5]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "choices",
                    "message",
                    "content",
                    "tool_calls",
                    "function",
                    "name",
                    "arguments",
                    "index",
                    "usage",
                    "prompt_tokens",
                    "results",
                    "flagged",
                    "categories",
                    "category_scores",
                    "data",
                    "url",
                    "b64_json",
                    "text",
                    "words",
                    "segments",
                    "start",
                    "end",
                    "tokens",
                    "id",
                    "created",
                    "delta",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@pytest.mark.parametrize("cls", REPLY_MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=50, deadline=None)
@given(data=json_values)
def test_arbitrary_json_is_a_model_or_an_invalid_response_error(cls, data):
    try:
        obj = structure(data, cls)
    except InvalidResponseError:
        return
    assert isinstance(obj, cls)
    assert obj.raw is data
    assert_faithful(obj, data)


def assert_faithful(value: Any, wire: Any, loose: bool = False) -> None:
    """``value`` is exactly what came on the wire: same kinds, same values, nothing made up.

    ``loose``: under a field typed ``Any``, which takes whatever came as it came.
    """
    if loose:
        assert value is wire or value == wire  # containers compare items by identity first
    elif attrs.has(type(value)):
        assert type(wire) is dict
        for field in attrs.fields(type(value)):
            if field.name in wire and field.eq:  # eq=False: library fields, not from the body
                any_typed = "Any" in str(field.type)
                assert_faithful(getattr(value, field.name), wire[field.name], any_typed)
    elif isinstance(value, list):
        assert type(wire) is list and len(wire) == len(value)
        for item, wire_item in zip(value, wire):
            assert_faithful(item, wire_item)
    elif isinstance(value, dict):
        assert type(wire) is dict and wire.keys() == value.keys()
        for key in value:
            assert_faithful(value[key], wire[key])
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        assert type(wire) is type(value) and wire == value
    else:
        assert type(value) in (int, float)
        assert type(wire) in (int, float) and math.isfinite(wire) and wire == value


@settings(max_examples=100, deadline=None)
@given(value=st.text(max_size=40) | st.floats().map(repr) | st.integers().map(str))
def test_parse_retry_after_never_raises(value):
    for name in ("retry-after", "retry-after-ms"):
        result = parse_retry_after({name: value}, now=0.0)
        assert result is None or (result >= 0 and result == result and result != float("inf"))


@pytest.mark.parametrize(
    "value",
    ["Mon, 01 Jan 99999 00:00:00 GMT", "1" * 400, "nan", "NaN", "-1", "inf", "1e400", "1_0"],
)
def test_garbage_retry_after_is_none(value):
    assert parse_retry_after({"retry-after": value}) is None
    assert parse_retry_after({"retry-after-ms": value}) is None


def test_a_plain_retry_after_is_read():
    assert parse_retry_after({"retry-after": " 2.5 "}) == 2.5
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5


# -- the fast hooks agree with the plain ones -----------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**64)
    | st.integers(min_value=-(2**64), max_value=-(2**62))
    | st.floats()
    | st.text()
    | st.sampled_from(["", "\ud800", "é\udfff", "ok", 3.0, -(2**63), 2**63 - 1, 2**63])
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)
)


def _outcome(hook: Any, value: Any) -> Any:
    try:
        return ("ok", type(hook(value, None)), hook(value, None))
    except Exception as exc:
        return ("error", type(exc), str(exc))


@pytest.mark.parametrize("detailed", [False, True], ids=["fast", "detailed"])
@pytest.mark.parametrize("inner", [str, int], ids=lambda t: t.__name__)
@settings(max_examples=200, deadline=None)
@given(value=scalars)
def test_the_optional_fast_paths_agree_with_the_inner_hook(detailed, inner, value):
    """``Optional[str]`` / ``Optional[int]``: same value, or same error, as ``None``-or-X."""
    from typing import Optional

    from openai_accel.models import _base

    conv = _base._detailed_converter() if detailed else _base.converter()
    optional_hook = _base._dispatch(conv, Optional[inner])
    inner_hook = _base._dispatch(conv, inner)
    expected = ("ok", type(None), None) if value is None else _outcome(inner_hook, value)
    assert _outcome(optional_hook, value) == expected
