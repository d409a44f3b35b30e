"""Recorded embeddings, moderation, image and audio exchanges, replayed through both clients.

Each test serves the recorded reply from a mock transport, sends what the
recorded request sent, checks that the library's request says the same
(plus only what the library adds on purpose), and checks what it made of
every field of the reply. Skips (with the reason) when ../shared is absent.
"""

from __future__ import annotations

import base64
import json
import struct

import attrs
import pytest

from openai_accel import BadRequestError, Transcription, Translation
from openai_accel.testing._multipart import boundary_of, parse_multipart

from .._shared import recorded
from ..helpers import recorded_reply, reply, sent_json

MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64  # the audio was not recorded
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def replay(make_mock_api, name):
    exchange = recorded(name)
    api = make_mock_api(lambda request: recorded_reply(exchange), max_retries=0)
    return api, exchange


def sent_requests(api):
    return api.client._driver.transport.requests


def request_json(exchange):
    return json.loads(exchange["request"]["body"])


def response_json(exchange):
    return json.loads(exchange["response"]["body"])


def response_header(exchange, name):
    headers = {key.lower(): value for key, value in exchange["response"]["headers"]}
    return headers.get(name)


def form(body, content_type):
    fields = parse_multipart(body, boundary_of(content_type))
    upload = fields.pop("file")
    return fields, upload


def recorded_form(exchange):
    headers = {key.lower(): value for key, value in exchange["request"]["headers"]}
    return form(exchange["request"]["body"].encode("utf-8"), headers["content-type"])


def sent_form(api):
    request = sent_requests(api)[-1]
    return form(request.body, request.headers["Content-Type"])


def base_name(filename):
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


def only_metrics(api):
    (metrics,) = api.client.recent_requests.values()
    return metrics


# -- embeddings --------------------------------------------------------------


def test_embeddings_float_reply_to_the_default_base64_request(make_mock_api):
    api, exchange = replay(make_mock_api, "embeddings_float")
    sent, body = request_json(exchange), response_json(exchange)
    vectors = api.call("embedding", sent["input"], model=sent["model"])
    assert sent_json(sent_requests(api)[-1]) == {**sent, "encoding_format": "base64"}
    assert vectors == [body["data"][0]["embedding"]]
    assert len(vectors[0]) == 1536
    metrics = only_metrics(api)
    assert (metrics.input_tokens, metrics.total_tokens) == (
        body["usage"]["prompt_tokens"],
        body["usage"]["total_tokens"],
    )
    assert metrics.model == sent["model"]


def test_embeddings_base64(make_mock_api):
    api, exchange = replay(make_mock_api, "embeddings_base64")
    sent, body = request_json(exchange), response_json(exchange)
    (vector,) = api.call("embedding", sent["input"], model=sent["model"])
    assert sent_json(sent_requests(api)[-1]) == sent
    raw = base64.b64decode(body["data"][0]["embedding"])
    assert vector == list(struct.unpack(f"<{len(raw) // 4}f", raw))
    assert len(vector) == 1536
    assert only_metrics(api).input_tokens == body["usage"]["prompt_tokens"]


def test_embeddings_float_batch_of_two_in_index_order(make_mock_api):
    api, exchange = replay(make_mock_api, "embeddings_float_batch2")
    sent, body = request_json(exchange), response_json(exchange)
    vectors = api.call("embedding", sent["input"], model=sent["model"], user=sent["user"])
    assert sent_json(sent_requests(api)[-1]) == {**sent, "encoding_format": "base64"}
    by_index = sorted(body["data"], key=lambda item: item["index"])
    assert vectors == [item["embedding"] for item in by_index]
    assert [len(vector) for vector in vectors] == [1536, 1536]
    assert vectors[0] != vectors[1]
    assert only_metrics(api).total_tokens == body["usage"]["total_tokens"]


def test_embeddings_float_with_512_dimensions(make_mock_api):
    api, exchange = replay(make_mock_api, "embeddings_float_dimensions_512")
    sent, body = request_json(exchange), response_json(exchange)
    vectors = api.call(
        "embedding", sent["input"], model=sent["model"], dimensions=sent["dimensions"]
    )
    assert sent_json(sent_requests(api)[-1]) == {**sent, "encoding_format": "base64"}
    assert vectors == [body["data"][0]["embedding"]]
    assert len(vectors[0]) == 512


# -- moderation --------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["moderation_omni_text", "moderation_omni_text_and_image", "moderation_text_legacy"]
)
def test_moderation(make_mock_api, name):
    api, exchange = replay(make_mock_api, name)
    sent, body = request_json(exchange), response_json(exchange)
    response = api.call("moderation", sent["input"], model=sent["model"])
    assert sent_json(sent_requests(api)[-1]) == sent
    assert (response.id, response.model) == (body["id"], body["model"])
    assert response.request_id == response_header(exchange, "x-request-id")
    assert response.raw == body
    assert len(response.results) == len(body["results"])
    for result, expected in zip(response.results, body["results"]):
        assert result.flagged is expected["flagged"]
        assert result.categories == expected["categories"]
        assert result.category_scores == expected["category_scores"]
        assert result.category_applied_input_types == expected.get("category_applied_input_types")
    assert response.flagged is any(r["flagged"] for r in body["results"])


def test_omni_moderation_reports_image_input_types(make_mock_api):
    api, exchange = replay(make_mock_api, "moderation_omni_text_and_image")
    sent = request_json(exchange)
    (result,) = api.call("moderation", sent["input"], model=sent["model"]).results
    kinds = result.category_applied_input_types.values()
    assert ["text", "image"] in kinds and ["text"] in kinds


# -- images ------------------------------------------------------------------


def test_image_generation_url_and_its_unauthenticated_download(make_mock_api):
    exchange = recorded("image_generation_url")
    body = response_json(exchange)
    blob_url = body["data"][0]["url"]

    def handler(request):
        if request.url == blob_url:
            return reply(200, raw=PNG, content_type="image/png")
        return recorded_reply(exchange)

    api = make_mock_api(handler, max_retries=0)
    sent = request_json(exchange)
    response = api.call(
        "text_to_image", sent["prompt"], model=sent["model"], n=sent["n"], size=sent["size"]
    )
    assert sent_json(sent_requests(api)[-1]) == sent
    assert response.created == body["created"]
    (image,) = response.data
    assert (image.url, image.b64_json, image.revised_prompt) == (blob_url, None, None)
    assert response.usage is None
    assert response.request_id == response_header(exchange, "x-request-id")
    assert response.raw == body
    assert api.call("get_image_bytes", image) == PNG
    download = sent_requests(api)[-1]
    assert (download.method, download.url) == ("GET", blob_url)
    assert not any(name.lower() == "authorization" for name in download.headers)


def test_image_generation_b64_json(make_mock_api):
    api, exchange = replay(make_mock_api, "image_generation_b64_json")
    sent, body = request_json(exchange), response_json(exchange)
    response = api.call(
        "text_to_image",
        sent["prompt"],
        model="dall-e-2",
        n=sent["n"],
        size=sent["size"],
        response_format=sent["response_format"],
        user=sent["user"],
    )
    assert sent_json(sent_requests(api)[-1]) == {**sent, "model": "dall-e-2"}
    assert response.created == body["created"]
    (image,) = response.data
    assert (image.b64_json, image.url, image.revised_prompt) == (
        body["data"][0]["b64_json"],
        None,
        None,
    )
    assert response.request_id == response_header(exchange, "x-request-id")
    data = api.call("get_image_bytes", image)
    assert data == base64.b64decode(body["data"][0]["b64_json"])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(sent_requests(api)) == 1  # decoding b64_json needs no request


# -- audio -------------------------------------------------------------------


def check_segments(segments, expected):
    assert [attrs.asdict(segment) for segment in segments] == expected


def test_transcription_verbose_json_with_words_and_segments(make_mock_api):
    api, exchange = replay(make_mock_api, "audio_transcription_verbose_json_words_segments")
    fields, upload = recorded_form(exchange)
    body = response_json(exchange)
    result = api.call(
        "speech_to_text",
        MP3,
        filename=base_name(upload.filename),
        model=fields["model"],
        response_format=fields["response_format"],
        temperature=float(fields["temperature"]),
        timestamp_granularities=fields["timestamp_granularities[]"],
    )
    our_fields, our_upload = sent_form(api)
    assert our_fields == fields
    assert (our_upload.filename, our_upload.data) == ("audio_hello_world.mp3", MP3)
    assert isinstance(result, Transcription)
    assert (result.task, result.language, result.duration, result.text) == (
        body["task"],
        body["language"],
        body["duration"],
        body["text"],
    )
    check_segments(result.segments, body["segments"])
    assert [(w.word, w.start, w.end) for w in result.words] == [
        (w["word"], w["start"], w["end"]) for w in body["words"]
    ]
    assert all(word.probability is None for word in result.words)
    assert result.usage == body["usage"]
    assert result.request_id == response_header(exchange, "x-request-id")
    assert result.raw == body


def test_transcription_verbose_json_segments_only(make_mock_api):
    api, exchange = replay(make_mock_api, "audio_transcription_verbose_json_segments_only")
    fields, upload = recorded_form(exchange)
    body = response_json(exchange)
    result = api.call(
        "speech_to_text", MP3, filename=base_name(upload.filename), response_format="verbose_json"
    )
    assert sent_form(api)[0] == fields
    assert (result.task, result.language, result.duration, result.text) == (
        body["task"],
        body["language"],
        body["duration"],
        body["text"],
    )
    check_segments(result.segments, body["segments"])
    assert result.words is None
    assert result.usage == body["usage"]
    assert result.raw == body


def test_transcription_text_is_returned_as_sent(make_mock_api):
    api, exchange = replay(make_mock_api, "audio_transcription_text")
    fields, upload = recorded_form(exchange)
    result = api.call(
        "speech_to_text", MP3, filename=base_name(upload.filename), response_format="text"
    )
    assert sent_form(api)[0] == fields
    assert result == exchange["response"]["body"]
    assert result == "Hello, world! This is a test.\n"
    assert only_metrics(api).request_type == "stt"


def test_translation_json(make_mock_api):
    api, exchange = replay(make_mock_api, "audio_translation_json")
    body = response_json(exchange)
    result = api.call("translate_audio", MP3, filename="speech.mp3", response_format="json")
    assert sent_form(api)[0] == {"model": "whisper-1", "response_format": "json"}
    assert isinstance(result, Translation)
    assert result.text == body["text"]
    assert (result.language, result.duration, result.segments, result.task) == (
        None,
        None,
        None,
        None,
    )
    assert result.raw == body
    assert result.request_id == response_header(exchange, "x-request-id")
    assert only_metrics(api).request_type == "translation"


def test_translation_verbose_json(make_mock_api):
    api, exchange = replay(make_mock_api, "audio_translation_verbose_json")
    body = response_json(exchange)
    result = api.call("translate_audio", MP3, filename="speech.mp3", response_format="verbose_json")
    assert (result.task, result.language, result.duration, result.text) == (
        "translate",
        body["language"],
        body["duration"],
        body["text"],
    )
    check_segments(result.segments, body["segments"])
    assert result.raw == body


# -- errors ------------------------------------------------------------------


def check_error(error, exchange):
    expected = response_json(exchange)["error"]
    assert isinstance(error, BadRequestError)
    assert error.status_code == exchange["response"]["status"] == 400
    assert (error.message, error.type, error.code, error.param) == (
        expected["message"],
        expected["type"],
        expected["code"],
        expected["param"],
    )
    assert error.request_id == response_header(exchange, "x-request-id")
    assert error.body == response_json(exchange)
    assert not error.is_transient_error


def test_embeddings_invalid_dimensions_error(make_mock_api):
    api, exchange = replay(make_mock_api, "error_400_embeddings_invalid_dimensions")
    sent = request_json(exchange)
    with pytest.raises(BadRequestError) as info:
        # extra_body gets -42 past the local check, to send exactly what was recorded.
        api.call(
            "embedding",
            sent["input"],
            model=sent["model"],
            extra_body={"dimensions": sent["dimensions"]},
        )
    assert sent_json(sent_requests(api)[-1]) == sent
    check_error(info.value, exchange)
    assert len(sent_requests(api)) == 1


def test_embeddings_invalid_dimensions_are_caught_locally(make_mock_api):
    api, exchange = replay(make_mock_api, "error_400_embeddings_invalid_dimensions")
    sent = request_json(exchange)
    with pytest.raises(BadRequestError) as info:
        api.call("embedding", sent["input"], model=sent["model"], dimensions=sent["dimensions"])
    assert (info.value.param, info.value.status_code) == ("dimensions", None)
    assert sent_requests(api) == []


def test_images_unknown_parameter_error(make_mock_api):
    api, exchange = replay(make_mock_api, "error_400_unknown_parameter_images")
    sent = request_json(exchange)
    with pytest.raises(BadRequestError) as info:
        api.call(
            "text_to_image",
            sent["prompt"],
            model=sent["model"],
            n=sent["n"],
            quality=sent["quality"],
            size=sent["size"],
        )
    assert sent_json(sent_requests(api)[-1]) == sent
    check_error(info.value, exchange)


def test_transcription_invalid_language_error(make_mock_api):
    api, exchange = replay(make_mock_api, "error_400_transcription_invalid_language")
    fields, upload = recorded_form(exchange)
    with pytest.raises(BadRequestError) as info:
        api.call(
            "speech_to_text", MP3, filename=base_name(upload.filename), language=fields["language"]
        )
    assert sent_form(api)[0] == {**fields, "response_format": "json"}
    check_error(info.value, exchange)
    assert only_metrics(api).success is False
