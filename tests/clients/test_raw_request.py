"""``client.request(...)``: any endpoint through the same pipeline, on both clients."""

from __future__ import annotations

import pytest

from openai_accel import BadRequestError, NotFoundError
from openai_accel.testing import Fault

from ..helpers import reply


def test_a_get_returns_status_headers_and_json(api, openai_emulator):
    result = api.call("request", "GET", "/models")
    assert result.status_code == 200
    assert result.json()["object"] == "list"
    assert result.headers["content-type"].startswith("application/json")
    assert result.request_id == openai_emulator.requests[-1].request_id
    assert result.text == result.content.decode()


def test_a_post_sends_json_and_params(api, openai_emulator):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    result = api.call("request", "post", "chat/completions", json=body, params={"trace": "1"})
    assert result.json()["object"] == "chat.completion"
    assert result.rate_limits.limit_tokens is not None
    sent = openai_emulator.requests[-1]
    assert (sent.method, sent.path, sent.query) == ("POST", "/v1/chat/completions", {"trace": "1"})
    assert sent.json == body
    assert sent.headers["authorization"].startswith("Bearer ")


def test_raw_requests_are_retried_and_counted(api, openai_emulator):
    openai_emulator.inject(Fault(status=503), count=1)
    assert api.call("request", "GET", "/models").status_code == 200
    assert openai_emulator.request_count() == 2
    (metrics,) = api.client.recent_requests.values()
    assert metrics.request_type == "request" and metrics.retry_count == 1


def test_an_error_reply_raises_the_typed_error(api):
    with pytest.raises(NotFoundError):
        api.call("request", "GET", "/no/such/endpoint")


def test_a_4xx_body_is_not_retried(make_mock_api):
    calls = []

    def handler(req):
        calls.append(req)
        return reply(400, {"error": {"message": "nope", "type": "invalid_request_error"}})

    api = make_mock_api(handler)
    with pytest.raises(BadRequestError, match="nope"):
        api.call("request", "POST", "/anything", json={})
    assert len(calls) == 1


@pytest.mark.parametrize(
    "args, kwargs, error",
    [
        (("GET", "https://evil.example/steal"), {}, ValueError),
        (("GET", "//evil.example/steal"), {}, ValueError),
        (("FETCH", "/models"), {}, ValueError),
        (("GET", ""), {}, ValueError),
        (("POST", "/x"), {"json": [1, 2]}, TypeError),
        (("GET", "/models"), {"bogus": 1}, TypeError),
    ],
)
def test_bad_arguments_fail_before_sending(api, openai_emulator, args, kwargs, error):
    with pytest.raises(error):
        api.call("request", *args, **kwargs)
    assert openai_emulator.request_count() == 0
