"""Image generation: real PNGs, URL or base64, and per-model validation."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from .helpers import error_of


def generate(http, emulator, **body):
    payload = {"prompt": "a white siamese cat", "model": "dall-e-2", "size": "256x256"}
    payload.update(body)
    return http.post(emulator.base_url + "/images/generations", json=payload)


def png_chunks(data):
    """(type, payload) of every chunk, checking the signature and each CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks = []
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        payload = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + payload)
        chunks.append((kind, payload))
        position += 12 + length
    return chunks


def check_png(data, width, height):
    chunks = png_chunks(data)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    w, h, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (w, h, depth, colour) == (width, height, 8, 2)
    pixels = zlib.decompress(b"".join(p for k, p in chunks if k == b"IDAT"))
    assert len(pixels) == height * (1 + 3 * width)


def test_url_reply_points_at_a_png_the_emulator_serves(http, emulator):
    body = generate(http, emulator).json()
    assert list(body) == ["created", "data"]
    url = body["data"][0]["url"]
    assert url.startswith(emulator.url + "/v1/_files/images/img-")
    image = http.get(url)
    assert image.headers["content-type"] == "image/png"
    check_png(image.content, 256, 256)


def test_b64_json_reply_is_a_valid_png_of_the_requested_size(http, emulator):
    body = generate(http, emulator, response_format="b64_json", size="512x512").json()
    check_png(base64.b64decode(body["data"][0]["b64_json"]), 512, 512)


def test_same_prompt_draws_the_same_picture(http, emulator):
    first = generate(http, emulator, response_format="b64_json").json()["data"][0]
    second = generate(http, emulator, response_format="b64_json").json()["data"][0]
    other = generate(http, emulator, response_format="b64_json", prompt="a dog").json()["data"][0]
    assert first == second != other


def test_n_images_for_dall_e_2(http, emulator):
    assert len(generate(http, emulator, n=3).json()["data"]) == 3


def test_dall_e_3_adds_a_revised_prompt(http, emulator):
    body = generate(http, emulator, model="dall-e-3", size="1792x1024").json()
    item = body["data"][0]
    assert list(item) == ["revised_prompt", "url"]
    assert "siamese cat" in item["revised_prompt"]


def test_dall_e_3_allows_only_one_image(http, emulator):
    response = generate(http, emulator, model="dall-e-3", size="1024x1024", n=2)
    assert response.status_code == 400
    assert error_of(response)["param"] == "n"


@pytest.mark.parametrize(("model", "size"), [("dall-e-2", "1792x1024"), ("dall-e-3", "256x256")])
def test_size_is_validated_per_model(http, emulator, model, size):
    response = generate(http, emulator, model=model, size=size)
    assert response.status_code == 400
    assert error_of(response)["param"] == "size"


def test_quality_for_dall_e_2_is_an_unknown_parameter_as_recorded(http, emulator):
    response = generate(http, emulator, n=1, quality="standard")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": "Unknown parameter: 'quality'.",
            "type": "invalid_request_error",
            "param": "quality",
            "code": "unknown_parameter",
        }
    }


def test_gpt_image_always_answers_base64_with_usage(http, emulator):
    body = generate(http, emulator, model="gpt-image-1", size="1024x1024").json()
    assert "b64_json" in body["data"][0] and "url" not in body["data"][0]
    assert body["usage"]["total_tokens"] > 0
    assert body["size"] == "1024x1024"


def test_missing_stored_image_is_a_404(http, emulator):
    assert http.get(emulator.base_url + "/_files/images/img-none.png").status_code == 404
