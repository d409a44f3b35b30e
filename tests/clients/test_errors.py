"""Every error status becomes its class, with the attributes callers rely on."""

from __future__ import annotations

import pickle

import pytest

from openai_accel import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from openai_accel.errors import error_from_response, parse_retry_after

from ..helpers import error_body, reply

STATUS_CLASSES = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (502, InternalServerError),
    (503, InternalServerError),
    (418, APIStatusError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_status_maps_to_class_with_attributes(make_mock_api, status, cls):
    body = error_body("went wrong", "some_type", code="some_code", param="model")
    api = make_mock_api(
        lambda req: reply(status, body, {"x-request-id": "req_err", "retry-after": "0"}),
        max_retries=0,
    )
    with pytest.raises(cls) as info:
        api.call("chat", "Hi")
    error = info.value
    assert type(error) is cls
    assert isinstance(error, OpenAIError)
    assert error.status_code == status
    assert error.message == "went wrong"
    assert (error.type, error.code, error.param) == ("some_type", "some_code", "model")
    assert error.request_id == "req_err"
    assert error.body == body
    assert error.is_auth_error == (status in (401, 403))
    assert error.is_rate_limit_error == (status == 429)
    assert error.is_transient_error == (status in (409, 429) or status >= 500)


def test_html_error_page_from_a_proxy_is_still_typed():
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>"
    error = error_from_response(502, {"content-type": "text/html"}, page)
    assert isinstance(error, InternalServerError)
    assert "502 Bad Gateway" in error.message
    assert error.type is None and error.code is None


def test_empty_error_body_gives_a_message():
    error = error_from_response(503, {}, b"")
    assert isinstance(error, InternalServerError)
    assert "503" in error.message


def test_error_string_from_a_compatible_server():
    error = error_from_response(400, {}, b'{"error": "bad things"}')
    assert error.message == "bad things"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "7"}, 7.0),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"}, 30.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_in_all_forms(headers, expected):
    now = 1445412480.0  # 2015-10-21 07:28:00 GMT
    assert parse_retry_after(headers, now=now) == expected


def test_rate_limit_error_carries_retry_after(make_mock_api):
    api = make_mock_api(
        lambda req: reply(
            429, error_body("slow down", "requests", "rate_limit_exceeded"), {"retry-after": "120"}
        ),
        max_retries=3,
        max_retry_delay=60.0,
    )
    with pytest.raises(RateLimitError) as info:
        api.call("chat", "Hi")
    assert info.value.retry_after == 120.0
    assert info.value.is_rate_limit_error


def test_errors_survive_pickling():
    error = error_from_response(
        404, {"x-request-id": "r1"}, b'{"error": {"message": "nope", "code": "model_not_found"}}'
    )
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is NotFoundError
    assert (clone.message, clone.code, clone.request_id) == ("nope", "model_not_found", "r1")


def test_the_sdk_error_names_exist_and_keep_old_handlers_working():
    import openai_accel

    error = error_from_response(422, {}, b'{"error": {"message": "unprocessable"}}')
    assert isinstance(error, openai_accel.UnprocessableEntityError)
    assert isinstance(error, BadRequestError), "code catching BadRequestError still catches 422"
    assert openai_accel.APIError is openai_accel.OpenAIError
    assert isinstance(openai_accel.APIConnectionError("x"), openai_accel.APIError)
