"""Whatever a server answers, a call returns a right object or raises an OpenAIError.

Named regressions from issue 14 ("Replies that are not what the API sends"),
then property-based tests over every non-stream endpoint, on both clients.
"""

from __future__ import annotations

import base64
import contextlib
import json
import struct
from typing import Any, Callable, Dict, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_accel import (
    BadRequestError,
    InternalServerError,
    InvalidResponseError,
    OpenAIError,
    RateLimitError,
)

from ..helpers import chat_body, reply

DEEP = 10_000


def deep_array() -> bytes:
    return b"[" * DEEP + b"]" * DEEP


def deep_object(leaf: bytes = b"1") -> bytes:
    return b'{"a":' * DEEP + leaf + b"}" * DEEP


def raw_reply(content: bytes, status: int = 200, **headers: str) -> Callable[[Any], Any]:
    return lambda request: reply(status, raw=content, headers=headers)


def json_reply(body: Any, status: int = 200) -> Callable[[Any], Any]:
    return lambda request: reply(status, raw=json.dumps(body).encode())


def embeddings_body(*embeddings: Any, usage: Any = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": e} for i, e in enumerate(embeddings)
        ],
        "model": "text-embedding-3-small",
    }
    if usage is not None:
        body["usage"] = usage
    return body


# -- deep nesting ------------------------------------------------------------


def test_a_2xx_nested_10000_deep_is_an_invalid_response(make_mock_api):
    api = make_mock_api(raw_reply(deep_object()))
    with pytest.raises(InvalidResponseError, match="nested too deeply"):
        api.call("chat", "Hi")


def test_a_deep_array_reply_to_embeddings_is_an_invalid_response(make_mock_api):
    api = make_mock_api(raw_reply(deep_array()))
    with pytest.raises(InvalidResponseError):
        api.call("embedding", "Hi")


def test_an_error_body_nested_10000_deep_is_the_status_error(make_mock_api):
    api = make_mock_api(raw_reply(deep_object(), status=400))
    with pytest.raises(BadRequestError) as caught:
        api.call("chat", "Hi")
    assert isinstance(caught.value.body, str) and len(caught.value.body) < 300


def test_deeply_nested_tool_arguments_are_bad_json_not_a_recursion_error(make_mock_api):
    body = chat_body(tool_calls=[("t1", "f", {})])
    body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = "[" * DEEP
    api = make_mock_api(json_reply(body))
    response = api.call("chat", "Hi")
    with pytest.raises(ValueError, match="nested too deeply"):
        response.tool_calls[0].function.parsed_arguments()


# -- retry-after ---------------------------------------------------------------


@pytest.mark.parametrize("status, error", [(429, RateLimitError), (503, InternalServerError)])
def test_a_retry_after_date_no_calendar_holds_does_not_mask_the_error(make_mock_api, status, error):
    api = make_mock_api(
        raw_reply(
            b'{"error": {"message": "slow down"}}',
            status,
            **{"retry-after": "Mon, 01 Jan 99999 00:00:00 GMT"},
        ),
        max_retries=0,
    )
    with pytest.raises(error) as caught:
        api.call("chat", "Hi")
    assert caught.value.retry_after is None


# -- numbers -------------------------------------------------------------------


def test_a_400_digit_number_in_a_float_embedding_is_an_invalid_response(make_mock_api):
    content = json.dumps(embeddings_body([0.5, 0.25])).replace("0.25", "9" * 400).encode()
    api = make_mock_api(raw_reply(content))
    with pytest.raises(InvalidResponseError, match="too large"):
        api.call("embedding", "Hi", encoding_format="float")


def test_a_400_digit_number_where_a_base64_embedding_belongs_is_an_invalid_response(
    make_mock_api,
):
    content = json.dumps(embeddings_body("PLACEHOLDER")).replace('"PLACEHOLDER"', "9" * 400)
    api = make_mock_api(raw_reply(content.encode()))
    with pytest.raises(InvalidResponseError, match="data\\[0\\]"):
        api.call("embedding", "Hi")


def test_a_nan_in_a_base64_embedding_is_an_invalid_response(make_mock_api):
    vector = base64.b64encode(struct.pack("<3f", 0.5, float("nan"), 0.25)).decode()
    api = make_mock_api(json_reply(embeddings_body(vector)))
    with pytest.raises(InvalidResponseError, match="value 1 is nan"):
        api.call("embedding", "Hi")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_in_a_float_embedding_are_refused(make_mock_api, literal):
    content = json.dumps(embeddings_body([0.5, 0.25])).replace("0.25", literal).encode()
    api = make_mock_api(raw_reply(content))
    with pytest.raises(InvalidResponseError):
        api.call("embedding", "Hi", encoding_format="float")


@pytest.mark.parametrize("value", ["0.5", None, [0.5], {"v": 1}])
def test_a_value_that_is_not_a_number_in_a_float_embedding_is_refused(make_mock_api, value):
    api = make_mock_api(json_reply(embeddings_body([0.5, value])))
    with pytest.raises(InvalidResponseError, match="not numbers"):
        api.call("embedding", "Hi", encoding_format="float")


@pytest.mark.parametrize("bits", [0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001])
def test_every_non_finite_float32_in_base64_is_refused(make_mock_api, bits):
    vector = base64.b64encode(struct.pack("<fIf", 0.5, bits, 3.4e38)).decode()
    api = make_mock_api(json_reply(embeddings_body(vector)))
    with pytest.raises(InvalidResponseError, match="value 1 is"):
        api.call("embedding", "Hi")


def test_extreme_finite_float32_values_in_base64_are_kept(make_mock_api):
    values = [3.4e38, -3.4e38, 1e-45, -0.0]
    vector = base64.b64encode(struct.pack("<4f", *values)).decode()
    api = make_mock_api(json_reply(embeddings_body(vector)))
    assert api.call("embedding", "Hi")[0] == pytest.approx(values, rel=1e-6)


def test_a_400_digit_usage_count_in_embeddings_is_an_invalid_response(make_mock_api):
    content = json.dumps(embeddings_body([0.5], usage={"prompt_tokens": 1, "total_tokens": 2}))
    content = content.replace('"total_tokens": 2', '"total_tokens": ' + "9" * 400)
    api = make_mock_api(raw_reply(content.encode()))
    with pytest.raises(InvalidResponseError, match="total_tokens"):
        api.call("embedding", "Hi", encoding_format="float")


def test_a_400_digit_usage_count_in_chat_is_an_invalid_response(make_mock_api):
    content = json.dumps(chat_body("hi")).replace(
        '"total_tokens": 7', '"total_tokens": ' + "9" * 400
    )
    assert "9" * 400 in content
    api = make_mock_api(raw_reply(content.encode()))
    with pytest.raises(InvalidResponseError, match=r"usage\.total_tokens"):
        api.call("chat", "Hi")


@pytest.mark.parametrize(
    "method, args, kwargs, body",
    [
        ("text_to_image", ("a cat",), {}, {"created": 1, "data": [{"url": "https://x.test/a"}]}),
        ("speech_to_text", (b"RIFF0000WAVE",), {"filename": "a.wav"}, {"text": "hi"}),
    ],
    ids=["images", "transcription"],
)
def test_a_400_digit_usage_count_in_a_plain_usage_dict_is_an_invalid_response(
    make_mock_api, method, args, kwargs, body
):
    content = json.dumps({**body, "usage": {"total_tokens": 1}}).replace(
        ": 1}", ": " + "9" * 400 + "}"
    )
    api = make_mock_api(raw_reply(content.encode()))
    with pytest.raises(InvalidResponseError, match=r"usage.*total_tokens"):
        api.call(method, *args, **kwargs)


def test_a_nan_literal_in_a_chat_reply_is_an_invalid_response(make_mock_api):
    content = json.dumps(chat_body("hi")).replace('"created": ', '"created": NaN, "x": ').encode()
    api = make_mock_api(raw_reply(content))
    with pytest.raises(InvalidResponseError, match="NaN is not a JSON number"):
        api.call("chat", "Hi")


# -- types and shapes ------------------------------------------------------------


def with_message(**message: Any) -> Dict[str, Any]:
    body = chat_body("hi")
    body["choices"][0]["message"] = {"role": "assistant", **message}
    return body


def test_an_object_as_content_is_refused_with_its_path(make_mock_api):
    api = make_mock_api(json_reply(with_message(content={"t": 1})))
    with pytest.raises(InvalidResponseError, match=r"choices\[0\]\.message\.content"):
        api.call("chat", "Hi")


def test_the_string_false_is_not_a_flag(make_mock_api):
    body = {"id": "m", "model": "omni", "results": [{"flagged": "false", "categories": {}}]}
    api = make_mock_api(json_reply(body))
    with pytest.raises(InvalidResponseError, match=r"results\[0\]\.flagged"):
        api.call("moderation", "Hi")


def test_choices_as_a_string_is_refused(make_mock_api):
    body = chat_body("hi")
    body["choices"] = "x"
    api = make_mock_api(json_reply(body))
    with pytest.raises(InvalidResponseError, match="choices: expected an array"):
        api.call("chat", "Hi")


def test_a_reply_without_choices_is_refused(make_mock_api):
    body = chat_body("hi")
    del body["choices"]
    api = make_mock_api(json_reply(body))
    with pytest.raises(InvalidResponseError, match="choices"):
        api.call("chat", "Hi")


def test_a_message_without_content_or_tool_calls_is_refused(make_mock_api):
    api = make_mock_api(json_reply(with_message()))
    with pytest.raises(InvalidResponseError, match=r"choices\[0\]\.message"):
        api.call("chat", "Hi")


def test_a_lone_surrogate_in_content_is_refused(make_mock_api):
    content = json.dumps(chat_body("hi")).replace('"hi"', '"a\\ud800"').encode()
    api = make_mock_api(raw_reply(content))
    with pytest.raises(InvalidResponseError, match="lone surrogate"):
        api.call("chat", "Hi")


def test_embeddings_data_that_is_not_a_list_is_refused(make_mock_api):
    api = make_mock_api(json_reply({"object": "list", "data": {"0": [0.5]}}))
    with pytest.raises(InvalidResponseError, match="'data' list"):
        api.call("embedding", "Hi")


def test_a_model_list_entry_without_an_id_is_refused(make_mock_api):
    api = make_mock_api(json_reply({"object": "list", "data": [{"object": "model"}]}))
    with pytest.raises(InvalidResponseError, match="'id'"):
        api.call("list_models")


# -- property-based: every non-stream endpoint -------------------------------------

ENDPOINT_CALLS: Dict[str, Tuple[str, Tuple[Any, ...], Dict[str, Any]]] = {
    "chat": ("chat", ("Hi",), {}),
    "embeddings-float": ("embedding", (["a", "b"],), {"encoding_format": "float"}),
    "embeddings-base64": ("embedding", (["a", "b"],), {}),
    "moderation": ("moderation", ("Hi",), {}),
    "images": ("text_to_image", ("a cat",), {}),
    "transcription-json": ("speech_to_text", (b"RIFF0000WAVE",), {"filename": "a.wav"}),
    "transcription-verbose": (
        "speech_to_text",
        (b"RIFF0000WAVE",),
        {"filename": "a.wav", "response_format": "verbose_json"},
    ),
    "translation-json": ("translate_audio", (b"RIFF0000WAVE",), {"filename": "a.wav"}),
    "translation-verbose": (
        "translate_audio",
        (b"RIFF0000WAVE",),
        {"filename": "a.wav", "response_format": "verbose_json"},
    ),
    "models": ("list_models", (), {}),
}

KEYS = [
    "choices", "message", "content", "tool_calls", "function", "name", "arguments", "index",
    "usage", "total_tokens", "results", "flagged", "categories", "category_scores", "data",
    "embedding", "url", "b64_json", "text", "words", "segments", "start", "end", "tokens",
    "id", "created", "error", "x",
]  # fmt: skip

leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["AAAAAAAAgD8=", "\ud800", "AAA", ""])
)
json_like = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=5)
    ),
    max_leaves=20,
)


def encode(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8", errors="surrogatepass")


bodies = (
    json_like.map(encode)
    | st.binary(max_size=40)
    | st.sampled_from(
        [deep_array(), deep_object(), b"NaN", b'{"data": [{"index": 0, "embedding": 1e999}]}']
    )
)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINT_CALLS))
def test_any_reply_body_is_a_result_or_an_openai_error(make_mock_api, endpoint):
    method, args, kwargs = ENDPOINT_CALLS[endpoint]
    current: Dict[str, Any] = {}
    api = make_mock_api(lambda request: current["reply"], max_retries=0)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=bodies, status=st.sampled_from([200, 200, 200, 400, 429, 500]))
    def check(body: bytes, status: int) -> None:
        current["reply"] = reply(status, raw=body)
        with contextlib.suppress(OpenAIError):  # anything else fails the test
            api.call(method, *args, **kwargs)

    check()


# -- error bodies of the wrong shape ------------------------------------------------


def test_an_error_message_that_is_not_text_is_not_stringified(make_mock_api):
    body = {"error": {"message": {"t": 1}, "type": ["x"], "code": {"c": 1}, "param": True}}
    api = make_mock_api(json_reply(body, status=400))
    with pytest.raises(BadRequestError) as caught:
        api.call("chat", "Hi")
    error = caught.value
    assert "{'t': 1}" not in str(error)
    assert (error.type, error.code, error.param) == (None, None, None)
    assert error.body == body


def test_a_lone_surrogate_in_an_error_message_can_still_be_printed(make_mock_api):
    api = make_mock_api(raw_reply(b'{"error": {"message": "bad \\ud800 input"}}', status=400))
    with pytest.raises(BadRequestError) as caught:
        api.call("chat", "Hi")
    str(caught.value).encode("utf-8")  # would raise UnicodeEncodeError with the raw surrogate
    assert "\\ud800" in caught.value.message
