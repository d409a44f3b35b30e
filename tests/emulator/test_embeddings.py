"""Embeddings: deterministic unit vectors, sizes, encodings, validation."""

from __future__ import annotations

import base64
import math
import struct

import pytest

from .helpers import error_of


def embed(http, emulator, **body):
    payload = {"model": "text-embedding-3-small", "input": "This is a test"}
    payload.update(body)
    return http.post(emulator.base_url + "/embeddings", json=payload)


def norm(vector):
    return math.sqrt(sum(v * v for v in vector))


def test_reply_has_the_recorded_shape(http, emulator):
    body = embed(http, emulator).json()
    assert list(body) == ["object", "data", "model", "usage"]
    assert body["object"] == "list"
    assert list(body["data"][0]) == ["object", "index", "embedding"]
    assert body["data"][0]["object"] == "embedding"
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] > 0


@pytest.mark.parametrize(
    ("model", "size"),
    [
        ("text-embedding-3-small", 1536),
        ("text-embedding-3-large", 3072),
        ("text-embedding-ada-002", 1536),
    ],
)
def test_vector_size_follows_the_model(http, emulator, model, size):
    assert len(embed(http, emulator, model=model).json()["data"][0]["embedding"]) == size


def test_vectors_are_unit_length(http, emulator):
    vector = embed(http, emulator).json()["data"][0]["embedding"]
    assert norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_same_text_same_vector_different_text_different_vector(http, emulator):
    first = embed(http, emulator).json()["data"][0]["embedding"]
    again = embed(http, emulator).json()["data"][0]["embedding"]
    other = embed(http, emulator, input="Something else").json()["data"][0]["embedding"]
    assert first == again
    assert first != other


def test_batch_keeps_input_order(http, emulator):
    texts = ["hello world", "hello again", "hello world"]
    data = embed(http, emulator, input=texts).json()["data"]
    assert [d["index"] for d in data] == [0, 1, 2]
    assert data[0]["embedding"] == data[2]["embedding"] != data[1]["embedding"]


def test_token_array_inputs_are_accepted(http, emulator):
    data = embed(http, emulator, input=[[15339, 1917], [9906]]).json()["data"]
    assert len(data) == 2


def test_dimensions_truncate_and_renormalise(http, emulator):
    full = embed(http, emulator).json()["data"][0]["embedding"]
    short = embed(http, emulator, dimensions=512).json()["data"][0]["embedding"]
    assert len(short) == 512
    assert norm(short) == pytest.approx(1.0, abs=1e-5)
    scale = norm(full[:512])
    assert [round(v * scale, 5) for v in short] == [round(v, 5) for v in full[:512]]


def test_base64_is_little_endian_float32_of_the_same_vector(http, emulator):
    floats = embed(http, emulator).json()["data"][0]["embedding"]
    encoded = embed(http, emulator, encoding_format="base64").json()["data"][0]["embedding"]
    raw = base64.b64decode(encoded)
    assert len(encoded) == 8192
    assert list(struct.unpack("<1536f", raw)) == pytest.approx(floats, abs=1e-9)


def test_ada_is_answered_by_its_served_name(http, emulator):
    assert embed(http, emulator, model="text-embedding-ada-002").json()["model"] == (
        "text-embedding-ada-002-v2"
    )


def test_negative_dimensions_error_matches_the_recording(http, emulator):
    response = embed(http, emulator, input=[[1]], encoding_format="base64", dimensions=-42)
    assert response.status_code == 400
    assert error_of(response) == {
        "message": "-42 is less than the minimum of 1 - 'dimensions'",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_dimensions_are_refused_for_ada(http, emulator):
    response = embed(http, emulator, model="text-embedding-ada-002", dimensions=256)
    assert response.status_code == 400
    assert error_of(response)["param"] == "dimensions"


def test_unknown_embedding_model_is_a_404(http, emulator):
    response = embed(http, emulator, model="text-embedding-4")
    assert response.status_code == 404
    assert error_of(response)["code"] == "model_not_found"


def test_missing_input_is_a_400(http, emulator):
    response = http.post(
        emulator.base_url + "/embeddings", json={"model": "text-embedding-3-small"}
    )
    assert error_of(response)["param"] == "input"
