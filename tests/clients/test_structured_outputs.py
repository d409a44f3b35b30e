"""chat(response_format=C) and respond(text_format=C): strict schema out, ``.parsed`` in."""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Any, List, Optional

import attrs
import pytest
from typing_extensions import Literal, TypedDict

from openai_accel import BadRequestError, InvalidResponseError, LengthFinishReasonError

from ..helpers import chat_body, reply


class Size(enum.Enum):
    SMALL = "small"
    LARGE = "large"


@attrs.define
class Ingredient:
    name: str
    grams: Optional[int]


@attrs.define
class AttrsRecipe:
    title: str
    size: Size
    ingredients: List[Ingredient]


@dataclasses.dataclass
class DataRecipe:
    title: str
    kind: Literal["sweet", "savoury"]
    ingredients: List[str]


class DictRecipe(TypedDict):
    title: str
    servings: int


CASES = [
    (
        AttrsRecipe,
        {"title": "Cake", "size": "large", "ingredients": [{"name": "flour", "grams": 200}]},
        AttrsRecipe("Cake", Size.LARGE, [Ingredient("flour", 200)]),
    ),
    (
        DataRecipe,
        {"title": "Soup", "kind": "savoury", "ingredients": ["leek"]},
        DataRecipe("Soup", "savoury", ["leek"]),
    ),
    (DictRecipe, {"title": "Tea", "servings": 2}, {"title": "Tea", "servings": 2}),
]


def capture(body):
    seen = []

    def handler(request):
        seen.append(json.loads(request.body))
        return reply(200, body)

    handler.seen = seen
    return handler


def response_body(text=None, *, refusal=None, status="completed", incomplete=None):
    part = (
        {"type": "refusal", "refusal": refusal}
        if refusal is not None
        else {"type": "output_text", "text": text, "annotations": []}
    )
    return {
        "id": "resp_s",
        "object": "response",
        "status": status,
        "model": "gpt-4o-mini",
        "incomplete_details": incomplete,
        "output": [{"id": "msg_s", "type": "message", "role": "assistant", "content": [part]}],
        "usage": {"input_tokens": 9, "output_tokens": 4, "total_tokens": 13},
    }


@pytest.mark.parametrize("cls, answer, expected", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_chat_parses_each_class_kind(make_mock_api, cls, answer, expected):
    handler = capture(chat_body(json.dumps(answer)))
    api = make_mock_api(handler)
    response = api.call("chat", "a recipe", response_format=cls)
    assert response.parsed == expected
    fmt = handler.seen[0]["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == cls.__name__
    assert fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["required"] == list(schema["properties"])
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("cls, answer, expected", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_respond_parses_each_class_kind(make_mock_api, cls, answer, expected):
    handler = capture(response_body(json.dumps(answer)))
    api = make_mock_api(handler)
    response = api.call("respond", "a recipe", text_format=cls, text={"verbosity": "low"})
    assert response.parsed == expected
    text = handler.seen[0]["text"]
    assert text["verbosity"] == "low"
    assert text["format"]["type"] == "json_schema"
    assert text["format"]["strict"] is True
    assert text["format"]["name"] == cls.__name__
    assert "text_format" not in handler.seen[0]


def test_chat_refusal_sets_refusal_and_leaves_parsed_none(make_mock_api):
    body = chat_body(None)
    body["choices"][0]["message"]["refusal"] = "I can't help with that."
    api = make_mock_api(capture(body))
    response = api.call("chat", "x", response_format=DictRecipe)
    assert response.refusal == "I can't help with that."
    assert response.parsed is None


def test_respond_refusal_sets_refusal_and_leaves_parsed_none(make_mock_api):
    api = make_mock_api(capture(response_body(refusal="No.")))
    response = api.call("respond", "x", text_format=DictRecipe)
    assert (response.refusal, response.parsed) == ("No.", None)


def test_chat_cut_by_length_raises(make_mock_api):
    body = chat_body('{"title": "Te')
    body["choices"][0]["finish_reason"] = "length"
    api = make_mock_api(capture(body))
    with pytest.raises(LengthFinishReasonError):
        api.call("chat", "x", response_format=DictRecipe)


def test_incomplete_response_raises(make_mock_api):
    body = response_body(
        '{"title"', status="incomplete", incomplete={"reason": "max_output_tokens"}
    )
    api = make_mock_api(capture(body))
    with pytest.raises(LengthFinishReasonError):
        api.call("respond", "x", text_format=DictRecipe, max_output_tokens=5)


def test_a_reply_that_does_not_fit_is_invalid_response_error(make_mock_api):
    api = make_mock_api(capture(chat_body('{"title": "Tea", "servings": "two"}')))
    with pytest.raises(InvalidResponseError) as info:
        api.call("chat", "x", response_format=DataRecipe)
    assert "DataRecipe" in info.value.message


@dataclasses.dataclass
class Vague:
    payload: Any


def test_a_schema_strict_mode_cannot_express_fails_before_sending(make_mock_api):
    handler = capture(chat_body("{}"))
    api = make_mock_api(handler)
    with pytest.raises(BadRequestError) as info:
        api.call("chat", "x", response_format=Vague)
    with pytest.raises(BadRequestError):
        api.call("respond", "x", text_format=Vague)
    assert "Vague.payload" in info.value.message
    assert handler.seen == []


def test_a_dict_response_format_passes_through_unchanged(make_mock_api):
    handler = capture(chat_body('{"a": 1}'))
    api = make_mock_api(handler)
    fmt = {"type": "json_object"}
    response = api.call("chat", "x", response_format=fmt)
    assert handler.seen[0]["response_format"] == {"type": "json_object"}
    assert response.parsed is None
    handler2 = capture(response_body("{}"))
    api2 = make_mock_api(handler2)
    api2.call("respond", "x", text_format={"type": "json_object"})
    assert handler2.seen[0]["text"] == {"format": {"type": "json_object"}}


def test_stream_chat_parses_the_final_answer(api):
    _, final = api.stream("stream_chat", "a recipe", response_format=DictRecipe)
    assert set(final.parsed) == {"title", "servings"}
    assert isinstance(final.parsed["servings"], int)


def test_stream_response_parses_the_final_answer(api):
    _, final = api.stream("stream_response", "a recipe", text_format=DataRecipe)
    assert isinstance(final.parsed, DataRecipe)
    assert final.parsed.kind in ("sweet", "savoury")
