"""Moderation on both clients: texts, omni content parts, validation."""

from __future__ import annotations

import pytest

from openai_accel import BadRequestError, ModerationResponse

from ..helpers import reply, sent_json

PARTS = [
    {"type": "text", "text": "I forgot to water my houseplants!"},
    {"type": "image_url", "image_url": {"url": "https://example.com/plant.png"}},
]


def moderation_reply(request):
    result = {
        "flagged": True,
        "categories": {"violence": True, "hate": False},
        "category_scores": {"violence": 0.91, "hate": 0.01},
        "category_applied_input_types": {"violence": ["text", "image"], "hate": ["text"]},
    }
    body = {"id": "modr-1", "model": "omni-moderation-latest", "results": [result]}
    return reply(200, body, {"x-request-id": "req_mod"})


# -- against the emulator ----------------------------------------------------


def test_one_text_gets_one_result_with_categories_and_scores(api):
    response = api.call("moderation", "I will kill all my houseplants!")
    assert isinstance(response, ModerationResponse)
    (result,) = response.results
    assert isinstance(result.flagged, bool)
    assert result.categories and set(result.categories) == set(result.category_scores)
    assert all(isinstance(score, float) for score in result.category_scores.values())


def test_each_text_of_a_list_gets_a_result(api):
    response = api.call("moderation", ["a friendly hello", "another friendly hello"])
    assert len(response.results) == 2


def test_content_parts_pass_through_and_report_applied_input_types(api, openai_emulator):
    response = api.call("moderation", PARTS, model="omni-moderation-latest")
    assert openai_emulator.requests[-1].json["input"] == PARTS
    (result,) = response.results
    applied = result.category_applied_input_types
    assert applied is not None
    assert any("image" in kinds for kinds in applied.values())


def test_model_is_left_to_the_server_by_default(api, openai_emulator):
    api.call("moderation", "hello")
    assert "model" not in openai_emulator.requests[-1].json


# -- against a mock server ---------------------------------------------------


def test_every_result_field_is_read(make_mock_api):
    api = make_mock_api(moderation_reply)
    response = api.call("moderation", PARTS, model="omni-moderation-latest")
    (result,) = response.results
    assert response.flagged is True
    assert (response.id, response.model, response.request_id) == (
        "modr-1",
        "omni-moderation-latest",
        "req_mod",
    )
    assert result.categories == {"violence": True, "hate": False}
    assert result.category_scores == {"violence": 0.91, "hate": 0.01}
    assert result.category_applied_input_types == {"violence": ["text", "image"], "hate": ["text"]}


def test_extra_keywords_go_into_the_body(make_mock_api):
    api = make_mock_api(moderation_reply)
    api.call("moderation", "hi", model="text-moderation-latest", some_new_flag=True)
    assert sent_json(api.client._driver.transport.requests[-1]) == {
        "input": "hi",
        "model": "text-moderation-latest",
        "some_new_flag": True,
    }


BAD_INPUTS = {
    "empty list": [],
    "None": None,
    "number": 5,
    "number in texts": ["a", 1],
    "text among parts": [PARTS[0], "loose text"],
    "part without type": [{"text": "no type"}],
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_before_sending(make_mock_api, name):
    api = make_mock_api(moderation_reply)
    with pytest.raises(BadRequestError) as info:
        api.call("moderation", BAD_INPUTS[name])
    assert info.value.param == "input"
    assert api.client._driver.transport.requests == []
