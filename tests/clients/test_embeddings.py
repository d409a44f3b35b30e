"""Embeddings on both clients: base64 by default, float fallback, order, validation."""

from __future__ import annotations

import base64
import struct

import pytest

from openai_accel import BadRequestError, InvalidResponseError

from ..helpers import reply, sent_json


def b64(*values: float) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def embedding_reply(*items, model="text-embedding-3-small"):
    data = [{"object": "embedding", "index": i, "embedding": e} for i, e in items]
    body = {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": 3, "total_tokens": 3},
    }
    return lambda request: reply(200, body, {"x-request-id": "req_emb"})


# -- against the emulator ----------------------------------------------------


def test_one_text_gives_one_vector_of_the_model_size(api):
    vectors = api.call("embedding", "hello world")
    assert len(vectors) == 1
    assert len(vectors[0]) == 1536
    assert all(isinstance(value, float) for value in vectors[0])


def test_base64_is_requested_by_default(api, openai_emulator):
    api.call("embedding", "hello world")
    assert openai_emulator.requests[-1].json["encoding_format"] == "base64"


def test_float_is_sent_when_asked_and_gives_the_same_vector(api, openai_emulator):
    decoded = api.call("embedding", "same text")[0]
    floats = api.call("embedding", "same text", encoding_format="float")[0]
    assert openai_emulator.requests[-1].json["encoding_format"] == "float"
    assert floats == pytest.approx(decoded, abs=1e-6)


def test_batch_vectors_come_back_in_input_order(api):
    batch = api.call("embedding", ["first text", "second text", "third text"])
    singles = [
        api.call("embedding", text)[0] for text in ("first text", "second text", "third text")
    ]
    assert batch == singles
    assert batch[0] != batch[1]


def test_dimensions_shorten_the_vector(api, openai_emulator):
    vectors = api.call("embedding", "hello", dimensions=256)
    assert len(vectors[0]) == 256
    assert openai_emulator.requests[-1].json["dimensions"] == 256


def test_token_arrays_pass_through_unchanged(api, openai_emulator):
    vectors = api.call("embedding", [[15339, 1917], [9906]])
    assert len(vectors) == 2
    assert openai_emulator.requests[-1].json["input"] == [[15339, 1917], [9906]]


def test_one_token_array_is_one_input(api, openai_emulator):
    vectors = api.call("embedding", [15339, 1917])
    assert len(vectors) == 1
    assert openai_emulator.requests[-1].json["input"] == [15339, 1917]


def test_embedding_metrics_record_the_tokens(api):
    api.call("embedding", "count my tokens")
    (metrics,) = api.client.recent_requests.values()
    assert metrics.request_type == "embedding"
    assert metrics.success is True
    assert metrics.input_tokens and metrics.input_tokens > 0


# -- against a mock server ---------------------------------------------------


def test_a_server_answering_floats_to_a_base64_request_still_works(make_mock_api):
    api = make_mock_api(embedding_reply((0, [0.5, -1.25, 2.0])))
    assert api.call("embedding", "hi") == [[0.5, -1.25, 2.0]]
    assert sent_json(api.client._driver.transport.requests[-1])["encoding_format"] == "base64"


def test_base64_is_decoded_as_little_endian_float32(make_mock_api):
    api = make_mock_api(embedding_reply((0, b64(0.5, -1.25, 3.0e-7))))
    (vector,) = api.call("embedding", "hi")
    assert vector == list(struct.unpack("<3f", struct.pack("<3f", 0.5, -1.25, 3.0e-7)))


def test_vectors_are_sorted_by_index(make_mock_api):
    api = make_mock_api(embedding_reply((2, b64(3.0)), (0, b64(1.0)), (1, [2.0])))
    assert api.call("embedding", ["a", "b", "c"]) == [[1.0], [2.0], [3.0]]


def test_options_and_extra_keywords_shape_the_body(make_mock_api):
    api = make_mock_api(embedding_reply((0, b64(1.0))))
    api.call("embedding", "hi", model="text-embedding-3-large", dimensions=8, user="u-1")
    assert sent_json(api.client._driver.transport.requests[-1]) == {
        "input": "hi",
        "model": "text-embedding-3-large",
        "encoding_format": "base64",
        "dimensions": 8,
        "user": "u-1",
    }


@pytest.mark.parametrize(
    "items",
    [
        [(0, b64(1.0))],  # one vector for two inputs
        [(0, b64(1.0)), (0, b64(2.0))],  # a duplicated index
        [(0, b64(1.0)), (5, b64(2.0))],  # an index out of range
    ],
    ids=["missing", "duplicate", "out-of-range"],
)
def test_a_reply_not_matching_the_inputs_is_an_error(make_mock_api, items):
    api = make_mock_api(embedding_reply(*items))
    with pytest.raises(InvalidResponseError) as info:
        api.call("embedding", ["a", "b"])
    assert info.value.request_id == "req_emb"


def test_a_broken_base64_vector_is_an_error(make_mock_api):
    api = make_mock_api(embedding_reply((0, "AAAA#")))
    with pytest.raises(InvalidResponseError, match="base64"):
        api.call("embedding", "hi")


def test_a_base64_vector_of_partial_floats_is_an_error(make_mock_api):
    api = make_mock_api(embedding_reply((0, base64.b64encode(b"\x00" * 6).decode())))
    with pytest.raises(InvalidResponseError, match="float32"):
        api.call("embedding", "hi")


BAD_INPUTS = {
    "empty string": ("", {}, "input"),
    "empty list": ([], {}, "input"),
    "None": (None, {}, "input"),
    "bytes": (b"hi", {}, "input"),
    "number in texts": (["a", 1], {}, "input"),
    "empty text in list": (["a", ""], {}, "input"),
    "empty token array": ([[1], []], {}, "input[1]"),
    "bool token": ([True, 2], {}, "input"),
    "negative token": ([-1], {}, "input"),
    "zero dimensions": ("hi", {"dimensions": 0}, "dimensions"),
    "negative dimensions": ("hi", {"dimensions": -42}, "dimensions"),
    "too many dimensions": ("hi", {"dimensions": 4096}, "dimensions"),
    "unknown encoding": ("hi", {"encoding_format": "hex"}, "encoding_format"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_before_sending(make_mock_api, name):
    value, options, param = BAD_INPUTS[name]
    api = make_mock_api(embedding_reply((0, b64(1.0))))
    with pytest.raises(BadRequestError) as info:
        api.call("embedding", value, **options)
    assert info.value.param == param
    assert api.client._driver.transport.requests == []


def test_a_served_error_keeps_its_fields(make_mock_api):
    body = {
        "error": {"message": "bad", "type": "invalid_request_error", "param": "input", "code": None}
    }
    api = make_mock_api(lambda request: reply(400, body, {"x-request-id": "req_bad"}))
    with pytest.raises(BadRequestError) as info:
        api.call("embedding", "hi")
    assert (info.value.status_code, info.value.param, info.value.request_id) == (
        400,
        "input",
        "req_bad",
    )
    assert len(api.client._driver.transport.requests) == 1  # a 400 is not retried
