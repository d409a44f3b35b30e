"""Strict JSON schemas derived from attrs classes, dataclasses and TypedDicts."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Dict, List, Optional, Set

import attrs
import pytest
from typing_extensions import Literal, TypedDict

from openai_accel import BadRequestError, InvalidResponseError, LengthFinishReasonError
from openai_accel._core.structured import chat_response_format, parse_structured, strict_format


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@attrs.define
class Address:
    """Where someone lives.

    Attributes:
        city: the city name
    """

    city: str
    zip_code: Optional[str] = None


@dataclasses.dataclass
class Person:
    name: str
    age: int
    address: Address
    colour: Colour
    tags: List[str]
    mood: Literal["happy", "sad"] = "happy"
    previous: List[Address] = dataclasses.field(default_factory=list)


class Point(TypedDict):
    x: float
    y: float


@dataclasses.dataclass
class Node:
    value: int
    children: List[Node]


ADDRESS = {
    "type": "object",
    "description": "Where someone lives.",
    "properties": {
        "city": {"type": "string", "description": "the city name"},
        "zip_code": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["city", "zip_code"],
    "additionalProperties": False,
}


def test_nested_classes_go_to_defs_and_every_property_is_required():
    fmt = strict_format(Person)
    assert fmt.name == "Person"
    assert fmt.schema == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "address": {"$ref": "#/$defs/Address"},
            "colour": {"type": "string", "enum": ["red", "blue"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "mood": {"type": "string", "enum": ["happy", "sad"]},
            "previous": {"type": "array", "items": {"$ref": "#/$defs/Address"}},
        },
        "required": ["name", "age", "address", "colour", "tags", "mood", "previous"],
        "additionalProperties": False,
        "$defs": {"Address": ADDRESS},
    }


def test_chat_format_is_strict_json_schema():
    assert chat_response_format(strict_format(Point)) == {
        "type": "json_schema",
        "json_schema": {
            "name": "Point",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                "required": ["x", "y"],
                "additionalProperties": False,
            },
        },
    }


def test_recursive_class_refers_to_the_root():
    schema = strict_format(Node).schema
    assert schema["properties"]["children"] == {"type": "array", "items": {"$ref": "#"}}
    assert "$defs" not in schema


@dataclasses.dataclass
class Loose:
    anything: Any


@dataclasses.dataclass
class Mapping_:
    extra: Dict[str, int]


@dataclasses.dataclass
class Sets:
    ids: Set[int]


@pytest.mark.parametrize(
    "cls, words",
    [(Loose, "Loose.anything accepts any value"), (Mapping_, "Mapping_.extra"), (Sets, "set")],
)
def test_what_strict_mode_cannot_express_is_refused_clearly(cls, words):
    with pytest.raises(BadRequestError) as info:
        strict_format(cls)
    assert words in info.value.message
    assert info.value.param == "response_format"


def test_a_non_class_is_refused():
    with pytest.raises(BadRequestError):
        strict_format(int)


def test_parsing_builds_the_class_with_the_converter():
    text = (
        '{"name": "Ada", "age": 36, "address": {"city": "London", "zip_code": null},'
        ' "colour": "blue", "tags": ["x"], "mood": "sad", "previous": []}'
    )
    person = parse_structured(text, Person, truncated=False, request_id=None, body={})
    assert person == Person("Ada", 36, Address("London"), Colour.BLUE, ["x"], "sad", [])


def test_a_reply_that_does_not_fit_is_invalid_response_error():
    with pytest.raises(InvalidResponseError):
        parse_structured('{"x": "far"}', Point, truncated=False, request_id="r", body={})
    with pytest.raises(InvalidResponseError):
        parse_structured('{"x": 1', Point, truncated=False, request_id="r", body={})


def test_a_truncated_answer_is_length_error():
    with pytest.raises(LengthFinishReasonError) as info:
        parse_structured('{"x": 1', Point, truncated=True, request_id="r", body={})
    assert info.value.request_id == "r"


@attrs.define
class Conversation:
    """A caller's class whose field names the library also uses on its own replies."""

    messages: List[str]
    rounds: int
    raw: Optional[str]


def test_a_callers_fields_named_like_library_fields_are_parsed():
    text = '{"messages": ["hi"], "rounds": 2, "raw": null}'
    parsed = parse_structured(text, Conversation, truncated=False, request_id=None, body={})
    assert parsed == Conversation(["hi"], 2, None)


def test_library_replies_still_ignore_spoofed_library_fields():
    from openai_accel.models._base import structure
    from openai_accel.models.chat import ChatResponse

    parse_structured(
        '{"messages": [], "rounds": 1, "raw": null}',
        Conversation,
        truncated=False,
        request_id=None,
        body={},
    )
    reply = structure({"id": "x", "choices": [], "rounds": 99, "messages": ["spoof"]}, ChatResponse)
    assert reply.rounds == 1 and reply.messages is None
