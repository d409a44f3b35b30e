"""Image generation and image bytes on both clients; the key never reaches blob storage."""

from __future__ import annotations

import base64

import pytest

from openai_accel import BadRequestError, ImageResponse, InvalidResponseError
from openai_accel.models import ImageData

from ..helpers import reply, sent_json

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BLOB_URL = "https://blob.example.test/private/img-1.png?st=2026&sig=abc"


def image_api(request):
    if request.url.startswith("https://blob.example.test/"):
        return reply(200, raw=PNG, content_type="image/png")
    return reply(
        200, {"created": 1700000000, "data": [{"url": BLOB_URL, "revised_prompt": "a cat"}]}
    )


def has_authorization(headers):
    return any(name.lower() == "authorization" for name in headers)


# -- against the emulator ----------------------------------------------------


def test_url_image_downloads_as_png_without_the_api_key(api, openai_emulator):
    response = api.call("text_to_image", "a white siamese cat", size="1024x1024")
    assert isinstance(response, ImageResponse)
    (image,) = response.data
    assert image.url
    data = api.call("get_image_bytes", image)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    generation, download = openai_emulator.requests[-2:]
    assert has_authorization(generation.headers)
    assert download.method == "GET"
    assert not has_authorization(download.headers)


def test_b64_json_image_decodes_without_a_request(api, openai_emulator):
    response = api.call("text_to_image", "a white siamese cat", response_format="b64_json")
    (image,) = response.data
    assert image.b64_json and image.url is None
    before = len(openai_emulator.requests)
    data = api.call("get_image_bytes", image)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(openai_emulator.requests) == before


def test_only_given_options_are_sent(api, openai_emulator):
    api.call("text_to_image", "a cat", model="dall-e-2", n=2, size="256x256")
    assert openai_emulator.requests[-1].json == {
        "prompt": "a cat",
        "model": "dall-e-2",
        "n": 2,
        "size": "256x256",
    }


# -- against a mock server ---------------------------------------------------


def test_the_download_goes_to_the_url_unauthenticated(make_mock_api):
    api = make_mock_api(image_api)
    response = api.call("text_to_image", "a cat")
    assert response.data[0].revised_prompt == "a cat"
    assert api.call("get_image_bytes", response.data[0]) == PNG
    generation, download = api.client._driver.transport.requests
    assert generation.headers["Authorization"] == "Bearer sk-test-emulator"
    assert download.url == BLOB_URL
    assert download.body is None
    assert not has_authorization(download.headers)


def test_the_download_carries_none_of_the_clients_headers(make_mock_api):
    api = make_mock_api(
        image_api, organization="org-1", project="proj-1", default_headers={"X-Internal": "secret"}
    )
    api.call("get_image_bytes", ImageData(url=BLOB_URL))
    (download,) = api.client._driver.transport.requests
    names = {name.lower() for name in download.headers}
    assert not names & {"authorization", "openai-organization", "openai-project", "x-internal"}


def test_a_failing_download_does_not_count_against_the_api_breaker(make_mock_api):
    from openai_accel import BreakerState, CircuitBreaker, InternalServerError

    breaker = CircuitBreaker(failure_threshold=1)
    api = make_mock_api(
        lambda request: reply(503, {"error": {"message": "blob store down"}}),
        circuit_breaker=breaker,
        max_retries=0,
    )
    with pytest.raises(InternalServerError):
        api.call("get_image_bytes", ImageData(url=BLOB_URL))
    assert breaker.state is BreakerState.CLOSED


def test_the_download_is_retried_like_any_request(make_mock_api):
    answers = [
        reply(503, {"error": {"message": "busy"}}),
        reply(200, raw=PNG, content_type="image/png"),
    ]
    api = make_mock_api(lambda request: answers.pop(0))
    assert api.call("get_image_bytes", ImageData(url=BLOB_URL)) == PNG
    assert len(api.client._driver.transport.requests) == 2


def test_the_download_is_measured_as_image_download(make_mock_api):
    api = make_mock_api(image_api)
    api.call("get_image_bytes", ImageData(url=BLOB_URL))
    (metrics,) = api.client.recent_requests.values()
    assert metrics.request_type == "image_download"
    assert metrics.response_size == len(PNG)


def test_an_empty_download_is_an_error(make_mock_api):
    api = make_mock_api(lambda request: reply(200, raw=b"", content_type="image/png"))
    with pytest.raises(InvalidResponseError):
        api.call("get_image_bytes", ImageData(url=BLOB_URL))


def test_b64_json_wins_over_url(make_mock_api):
    api = make_mock_api(image_api)
    image = ImageData(url=BLOB_URL, b64_json=base64.b64encode(b"inline").decode())
    assert api.call("get_image_bytes", image) == b"inline"
    assert api.client._driver.transport.requests == []


BAD_IMAGES = {
    "nothing": (ImageData(), "image"),
    "not base64": (ImageData(b64_json="@@@"), "b64_json"),
    "file url": (ImageData(url="file:///etc/passwd"), "url"),
    "relative url": (ImageData(url="/v1/images/abc"), "url"),
}


@pytest.mark.parametrize("name", sorted(BAD_IMAGES))
def test_unusable_image_data_is_refused_before_sending(make_mock_api, name):
    image, param = BAD_IMAGES[name]
    api = make_mock_api(image_api)
    with pytest.raises(BadRequestError) as info:
        api.call("get_image_bytes", image)
    assert info.value.param == param
    assert api.client._driver.transport.requests == []


BAD_REQUESTS = {
    "empty prompt": ("", {}, "prompt"),
    "blank prompt": ("   ", {}, "prompt"),
    "zero images": ("a cat", {"n": 0}, "n"),
    "unknown format": ("a cat", {"response_format": "png"}, "response_format"),
}


@pytest.mark.parametrize("name", sorted(BAD_REQUESTS))
def test_bad_generation_input_is_refused_before_sending(make_mock_api, name):
    prompt, options, param = BAD_REQUESTS[name]
    api = make_mock_api(image_api)
    with pytest.raises(BadRequestError) as info:
        api.call("text_to_image", prompt, **options)
    assert info.value.param == param
    assert api.client._driver.transport.requests == []


def test_extra_keywords_go_into_the_body(make_mock_api):
    api = make_mock_api(image_api)
    api.call("text_to_image", "a cat", style="vivid", quality="hd", background="transparent")
    assert sent_json(api.client._driver.transport.requests[-1]) == {
        "prompt": "a cat",
        "model": "dall-e-3",
        "style": "vivid",
        "quality": "hd",
        "background": "transparent",
    }
