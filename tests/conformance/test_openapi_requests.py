"""The request bodies the library sends, validated against the official OpenAPI spec.

The spec (``../shared/openapi/openai-openapi.yaml``, OpenAPI 3.1, so its
schemas are JSON Schema 2020-12) is loaded once; each test captures the JSON
body a call sends through a mock transport and validates it against the
spec's request schema for that endpoint. Skips when ../shared is absent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
from typing import List, Optional

import pytest
from typing_extensions import TypedDict

from openai_accel import InvalidResponseError, StreamError

from .._shared import SHARED_DIR
from ..helpers import chat_body, reply

jsonschema = pytest.importorskip("jsonschema")
yaml = pytest.importorskip("yaml")

SPEC = SHARED_DIR / "openapi" / "openai-openapi.yaml"


@pytest.fixture(scope="module")
def components():
    if not SPEC.is_file():
        pytest.skip(f"OpenAPI spec not found at {SPEC} (../shared is absent)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)["components"]


def validator(components, name):
    """A 2020-12 validator that reads the spec's ``oneOf`` as ``anyOf``.

    The spec uses ``oneOf`` for alternatives that overlap (a user message with
    a content list is both an ``EasyInputMessage`` and an input ``Item``); the
    API tells them apart by ``type``/``role`` like a discriminator, so "at
    least one" is the rule it actually applies.
    """
    base = jsonschema.Draft202012Validator
    lenient = jsonschema.validators.extend(base, {"oneOf": base.VALIDATORS["anyOf"]})
    schema = {"$ref": f"#/components/schemas/{name}", "components": components}
    return lenient(schema)


def assert_conforms(components, name, body):
    errors = sorted(validator(components, name).iter_errors(body), key=str)
    assert not errors, f"{name}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5]
    )


RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "model": "gpt-4o-mini",
    "output": [
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": '{"city": "Paris", "rank": 1}'}],
        }
    ],
}


def capture(make_mock_api, body):
    seen = []

    def handler(request):
        seen.append(json.loads(request.body))
        return reply(200, body)

    return make_mock_api(handler), seen


class Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


@dataclasses.dataclass
class Place:
    city: str
    rank: int
    level: Optional[Level] = None
    tags: List[str] = dataclasses.field(default_factory=list)


class Pair(TypedDict):
    left: str
    right: Optional[Place]


def tool(x: int, unit: Level = Level.LOW) -> int:
    """Scale a number.

    Args:
        x: the number
    """
    return x


RESPOND_CASES = {
    "text": (("Hello",), {}),
    "items": (
        (
            [
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
                {"type": "function_call", "call_id": "c1", "name": "tool", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c1", "output": "1"},
            ],
        ),
        {},
    ),
    "options": (
        ("Hello",),
        dict(
            model="o3",
            instructions="Be kind.",
            max_output_tokens=100,
            reasoning={"effort": "high", "summary": "auto"},
            previous_response_id="resp_0",
            store=False,
            include=["reasoning.encrypted_content"],
            metadata={"k": "v"},
            background=False,
            tool_choice="auto",
        ),
    ),
    "text_format_dataclass": (("Where?",), dict(text_format=Place)),
    "text_format_typeddict": (("Which?",), dict(text_format=Pair)),
}


@pytest.mark.parametrize("case", sorted(RESPOND_CASES))
def test_respond_bodies_conform(make_mock_api, components, case):
    args, kwargs = RESPOND_CASES[case]
    api, seen = capture(make_mock_api, RESPONSE)
    with contextlib.suppress(InvalidResponseError):  # the canned answer need not fit
        api.call("respond", *args, **kwargs)
    assert_conforms(components, "CreateResponse", seen[-1])


def test_the_stream_body_conforms(make_mock_api, components):
    api, seen = capture(make_mock_api, RESPONSE)
    with pytest.raises(StreamError):  # a JSON reply is no event stream; the body is the point
        api.stream("stream_response", "Hello", text_format=Place)
    assert seen[-1]["stream"] is True
    assert_conforms(components, "CreateResponse", seen[-1])


def test_respond_with_functions_bodies_conform(make_mock_api, components):
    call = {"type": "function_call", "call_id": "c1", "name": "tool", "arguments": '{"x": 2}'}
    first = {**RESPONSE, "output": [{**call, "id": "fc_1", "status": "completed"}]}
    bodies = iter([first, RESPONSE])
    seen = []

    def handler(request):
        seen.append(json.loads(request.body))
        return reply(200, next(bodies))

    api = make_mock_api(handler)
    api.call("respond_with_functions", "Scale 2", {"tool": tool})
    assert len(seen) == 2
    for body in seen:
        assert_conforms(components, "CreateResponse", body)
    assert seen[1]["input"][-1] == {"type": "function_call_output", "call_id": "c1", "output": "2"}


@pytest.mark.parametrize("cls", [Place, Pair])
def test_chat_response_format_conforms(make_mock_api, components, cls):
    api, seen = capture(make_mock_api, chat_body('{"city": "Paris", "rank": 1}'))
    with contextlib.suppress(InvalidResponseError):  # the canned answer need not fit
        api.call("chat", "Where?", response_format=cls)
    assert seen[-1]["response_format"]["type"] == "json_schema"
    assert_conforms(components, "CreateChatCompletionRequest", seen[-1])


def test_the_validator_does_reject_a_bad_body(components):
    with pytest.raises(AssertionError):
        assert_conforms(components, "CreateResponse", {"model": "gpt-4o", "input": 5})
    with pytest.raises(AssertionError):
        assert_conforms(
            components,
            "CreateChatCompletionRequest",
            {"model": "gpt-4o", "messages": [], "response_format": {"type": "json_schema"}},
        )
