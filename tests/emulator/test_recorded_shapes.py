"""Replay recorded real requests against the emulator and compare the replies' shapes.

The recordings live beside the repository (``../shared/conformance/recorded``);
these tests skip when it is absent. A *skeleton* keeps a body's keys in order
and the JSON type of each value, so ids, timestamps and wording may differ
while the structure a client parses may not.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

from .._shared import recorded
from .helpers import sse_json


def skeleton(value: Any) -> Any:
    if isinstance(value, dict):
        return [(key, skeleton(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [skeleton(value[0])] if value else []
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def replay(http, emulator, name: str):
    exchange = recorded(name)
    request = exchange["request"]
    body = json.loads(request["body"])
    response = http.request(request["method"], emulator.url + request["path"], json=body)
    return exchange, response


def recorded_json(exchange: Dict[str, Any]) -> Any:
    return json.loads(exchange["response"]["body"])


def recorded_events(exchange: Dict[str, Any]) -> List[Dict[str, Any]]:
    return sse_json(exchange["response"]["body"].encode("utf-8"))


def test_chat_text_reply_has_the_recorded_skeleton(http, emulator):
    exchange, response = replay(http, emulator, "chat_completion_text")
    assert response.status_code == exchange["response"]["status"]
    assert skeleton(response.json()) == skeleton(recorded_json(exchange))


def test_chat_text_reply_has_the_recorded_rate_limit_and_id_headers(http, emulator):
    exchange, response = replay(http, emulator, "chat_completion_text")
    wanted = {
        name.lower()
        for name, _ in exchange["response"]["headers"]
        if name.lower().startswith(("x-ratelimit-", "x-request-id", "openai-version"))
        and "project" not in name.lower()
    }
    assert wanted <= {name.lower() for name in response.headers}


def test_answer_after_tool_results_has_the_recorded_skeleton(http, emulator):
    exchange, response = replay(http, emulator, "chat_completion_text_after_tool_results")
    assert skeleton(response.json()) == skeleton(recorded_json(exchange))


def test_text_stream_chunks_have_the_recorded_skeletons(http, emulator):
    exchange, response = replay(http, emulator, "chat_stream_text_include_usage")
    ours, theirs = sse_json(response.content), recorded_events(exchange)
    for index in (0, 1, -2, -1):  # opening, content, finish, usage
        assert skeleton(ours[index]) == skeleton(theirs[index])


def test_tool_call_stream_chunks_have_the_recorded_skeletons(http, emulator):
    exchange, response = replay(http, emulator, "chat_stream_parallel_tool_calls_obfuscation")
    ours, theirs = sse_json(response.content), recorded_events(exchange)
    for index in (0, 1, 2, -2, -1):  # opening, call opening, fragment, finish, usage
        assert skeleton(ours[index]) == skeleton(theirs[index])


def test_embeddings_reply_has_the_recorded_skeleton(http, emulator):
    exchange, response = replay(http, emulator, "embeddings_float")
    ours, theirs = response.json(), recorded_json(exchange)
    assert skeleton(ours) == skeleton(theirs)
    assert len(ours["data"][0]["embedding"]) == len(theirs["data"][0]["embedding"])


def test_base64_embedding_has_the_recorded_length(http, emulator):
    exchange, response = replay(http, emulator, "embeddings_base64")
    theirs = recorded_json(exchange)["data"][0]["embedding"]
    assert len(response.json()["data"][0]["embedding"]) == len(theirs)


def test_moderation_reply_matches_the_recorded_verdict(http, emulator):
    exchange, response = replay(http, emulator, "moderation_omni_text")
    ours, theirs = response.json(), recorded_json(exchange)
    assert skeleton(ours) == skeleton(theirs)
    assert ours["results"][0]["categories"] == theirs["results"][0]["categories"]


def test_text_and_image_moderation_applies_the_recorded_input_types(http, emulator):
    exchange, response = replay(http, emulator, "moderation_omni_text_and_image")
    ours, theirs = response.json()["results"][0], recorded_json(exchange)["results"][0]
    assert ours["category_applied_input_types"] == theirs["category_applied_input_types"]


def test_legacy_moderation_reply_has_the_recorded_skeleton(http, emulator):
    exchange, response = replay(http, emulator, "moderation_text_legacy")
    assert skeleton(response.json()) == skeleton(recorded_json(exchange))


def test_image_url_reply_has_the_recorded_skeleton(http, emulator):
    exchange, response = replay(http, emulator, "image_generation_url")
    assert skeleton(response.json()) == skeleton(recorded_json(exchange))


@pytest.mark.parametrize(
    "name",
    [
        "error_400_embeddings_invalid_dimensions",
        "error_400_unknown_parameter_images",
        "error_400_unsupported_parameter",
        "error_404_model_not_found",
        "error_404_model_not_found_2025",
    ],
)
def test_recorded_errors_are_reproduced_exactly(http, emulator, name):
    exchange, response = replay(http, emulator, name)
    assert response.status_code == exchange["response"]["status"]
    assert response.json() == recorded_json(exchange)
