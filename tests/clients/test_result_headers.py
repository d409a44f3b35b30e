"""Every result carries the reply's ``.headers`` and ``.rate_limits``, on both clients."""

from __future__ import annotations

import json
import pickle

import pytest

from openai_accel.models._result import AudioBytes, EmbeddingVectors, ResultList, ResultStr
from openai_accel.testing import ScriptedResponse

from ..helpers import chat_body, reply

LIMITS = {
    "x-ratelimit-limit-requests": "500",
    "x-ratelimit-remaining-requests": "499",
    "x-ratelimit-reset-requests": "120ms",
    "x-ratelimit-limit-tokens": "200000",
    "x-ratelimit-remaining-tokens": "199000",
    "x-ratelimit-reset-tokens": "6m0s",
}


def test_a_chat_reply_has_headers_and_parsed_rate_limits(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body(), headers=LIMITS))
    result = api.call("chat", "Hi")
    assert result.headers["x-ratelimit-limit-requests"] == "500"
    limits = result.rate_limits
    assert (limits.limit_requests, limits.remaining_tokens) == (500, 199000)
    assert limits.reset_requests == pytest.approx(0.12)
    assert limits.reset_tokens == pytest.approx(360.0)


def test_a_streamed_chat_final_has_headers(api):
    _, final = api.stream("stream_chat", "Hi")
    assert final.headers["x-request-id"] == final.request_id
    assert final.rate_limits.limit_tokens is not None


def test_embedding_vectors_stay_a_list_with_headers_model_and_usage(api):
    vectors = api.call("embedding", ["a", "b"])
    assert isinstance(vectors, list) and isinstance(vectors, EmbeddingVectors)
    assert len(vectors) == 2 and all(isinstance(v, list) for v in vectors)
    assert vectors == [list(v) for v in vectors]
    assert vectors.rate_limits.remaining_requests is not None
    assert vectors.model and vectors.usage["prompt_tokens"] > 0
    assert json.loads(json.dumps(vectors)) == [list(v) for v in vectors]


def test_speech_stays_bytes_with_headers(api, tmp_path):
    audio = api.call("text_to_speech", "Hello there")
    assert isinstance(audio, bytes) and isinstance(audio, AudioBytes)
    assert audio.rate_limits.limit_requests == 10000
    assert audio.content == audio.read() == bytes(audio)
    target = tmp_path / "out.mp3"
    audio.write_to_file(target)
    assert target.read_bytes() == audio


def test_a_text_transcript_stays_a_str_with_headers(api):
    audio = api.call("text_to_speech", "Hello there", response_format="wav")
    text = api.call("speech_to_text", audio, response_format="text", filename="a.wav")
    assert isinstance(text, str) and isinstance(text, ResultStr)
    assert text.headers.get("x-request-id") == text.request_id is not None


def test_models_moderation_and_images_have_headers(api):
    models = api.call("list_models")
    assert isinstance(models, ResultList) and models.data is models
    assert models.request_id
    assert api.call("moderation", "Hi").headers["x-request-id"]
    assert api.call("text_to_image", "a cat").headers["x-request-id"]


def test_a_reply_without_rate_limit_headers_says_nothing(api):
    assert not api.call("moderation", "Hi").rate_limits.known


def test_value_results_survive_pickling():
    values = [
        EmbeddingVectors([[1.0]], {"x-request-id": "r"}),
        AudioBytes(b"abc", {"x-request-id": "r"}),
        ResultStr("t", {"x-request-id": "r"}),
    ]
    for value in values:
        copy = pickle.loads(pickle.dumps(value))
        assert copy == value and copy.headers == {"x-request-id": "r"}


def test_the_json_of_a_model_is_to_dict_and_model_dump(api, openai_emulator):
    openai_emulator.enqueue(ScriptedResponse(json={**chat_body(), "brand_new": {"x": 1}}))
    result = api.call("chat", "Hi")
    assert result.to_dict() == result.model_dump() == result.raw
    assert result.to_dict()["brand_new"] == {"x": 1}
    dumped = result.to_dict()
    dumped["choices"].clear()
    assert result.raw["choices"], "to_dict returns a copy"
    assert json.loads(result.model_dump_json()) == result.raw
