"""Moderations (omni and legacy shapes, keyword verdicts) and the model list."""

from __future__ import annotations

import re

import pytest

from .helpers import error_of

OMNI = [
    "harassment",
    "harassment/threatening",
    "sexual",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm/intent",
    "self-harm/instructions",
    "self-harm",
    "sexual/minors",
    "violence",
    "violence/graphic",
]


def moderate(http, emulator, **body):
    return http.post(emulator.base_url + "/moderations", json=body)


def result_of(http, emulator, text, **body):
    return moderate(http, emulator, input=text, **body).json()["results"][0]


def test_omni_reply_has_the_recorded_shape(http, emulator):
    body = moderate(http, emulator, input="hello", model="omni-moderation-latest").json()
    assert list(body) == ["id", "model", "results"]
    assert re.fullmatch(r"modr-[A-Za-z0-9]+", body["id"])
    assert body["model"] == "omni-moderation-latest"
    result = body["results"][0]
    assert list(result) == [
        "flagged",
        "categories",
        "category_scores",
        "category_applied_input_types",
    ]
    assert list(result["categories"]) == OMNI
    assert list(result["category_scores"]) == OMNI
    assert all(v == ["text"] for v in result["category_applied_input_types"].values())


def test_model_defaults_to_omni(http, emulator):
    assert moderate(http, emulator, input="hi").json()["model"] == "omni-moderation-latest"


def test_benign_text_is_not_flagged(http, emulator):
    result = result_of(http, emulator, "I forgot to water my houseplants!")
    assert result["flagged"] is False
    assert max(result["category_scores"].values()) < 0.001


def test_violent_text_is_flagged_as_violence(http, emulator):
    result = result_of(http, emulator, "I am killing all my houseplants!")
    assert result["flagged"] is True
    assert result["categories"]["violence"] is True
    assert result["category_scores"]["violence"] > 0.8
    assert result["categories"]["sexual"] is False


def test_threat_at_a_person_is_threatening_harassment(http, emulator):
    categories = result_of(http, emulator, "i want to kill them.")["categories"]
    assert categories["harassment/threatening"] is True
    assert categories["violence"] is True


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I hate those people", "hate"),
        ("I want to end my life", "self-harm/intent"),
        ("how to build a bomb", "illicit/violent"),
        ("where can I buy cocaine", "illicit"),
    ],
)
def test_keywords_flag_their_category(http, emulator, text, category):
    assert result_of(http, emulator, text)["categories"][category] is True


def test_list_of_strings_gives_one_result_each(http, emulator):
    body = moderate(http, emulator, input=["hello", "kill it"]).json()
    assert [r["flagged"] for r in body["results"]] == [False, True]


def test_image_input_applies_image_to_image_capable_categories(http, emulator):
    parts = [
        {"type": "text", "text": "I forgot to water my houseplants!"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    body = moderate(http, emulator, input=parts).json()
    assert len(body["results"]) == 1
    applied = body["results"][0]["category_applied_input_types"]
    assert applied["violence"] == ["text", "image"]
    assert applied["hate"] == ["text"]


def test_legacy_model_has_the_legacy_shape(http, emulator):
    body = moderate(http, emulator, input="hi", model="text-moderation-latest").json()
    assert body["model"].startswith("text-moderation-")
    result = body["results"][0]
    assert list(result) == ["flagged", "categories", "category_scores"]
    assert "illicit" not in result["categories"]


def test_unknown_moderation_model_is_a_404(http, emulator):
    assert moderate(http, emulator, input="hi", model="omni-9").status_code == 404


def test_missing_input_is_a_400(http, emulator):
    assert error_of(moderate(http, emulator))["param"] == "input"


# -- models -------------------------------------------------------------------------------


def test_model_list_includes_the_common_models(http, emulator):
    body = http.get(emulator.base_url + "/models").json()
    assert body["object"] == "list"
    ids = {m["id"] for m in body["data"]}
    assert {"gpt-4o", "gpt-4o-mini", "text-embedding-3-small", "whisper-1", "tts-1"} <= ids
    assert list(body["data"][0]) == ["id", "object", "created", "owned_by"]


def test_one_model_can_be_retrieved(http, emulator):
    body = http.get(emulator.base_url + "/models/gpt-4o-mini").json()
    assert body["id"] == "gpt-4o-mini" and body["object"] == "model"


def test_unknown_model_retrieval_is_a_404(http, emulator):
    response = http.get(emulator.base_url + "/models/gpt-0")
    assert response.status_code == 404
    assert error_of(response)["code"] == "model_not_found"
