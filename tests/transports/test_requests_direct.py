"""The direct send path of RequestsTransport sends what Session.request would have sent."""

from __future__ import annotations

import pytest
import requests
import responses

from openai_accel._core.http import HttpRequest
from openai_accel.transports._requests_direct import can_send_directly
from openai_accel.transports.requests import RequestsTransport

BASE = "https://api.example.test/v1"
URL = BASE + "/chat/completions"


def _post(transport: RequestsTransport, url: str = URL, body: bytes = b'{"a":1}'):
    return transport.send(HttpRequest("POST", url, {"Authorization": "Bearer k"}, body))


@responses.activate
def test_the_sessions_default_headers_go_under_the_calls_own():
    responses.post(URL, json={})
    transport = RequestsTransport()
    transport.session.headers["X-Team"] = "search"
    transport.session.headers["Accept-Encoding"] = None  # None: not sent, as requests does
    _post(transport)
    sent = responses.calls[0].request.headers
    assert sent["X-Team"] == "search" and sent["Authorization"] == "Bearer k"
    assert sent["Content-Length"] == "7"
    assert "Accept-Encoding" not in sent


@responses.activate
def test_a_body_less_post_says_content_length_zero():
    responses.post(URL, json={})
    RequestsTransport().send(HttpRequest("POST", URL, {}, None))
    assert responses.calls[0].request.headers["Content-Length"] == "0"


@responses.activate
def test_a_307_is_followed_with_the_same_body():
    moved = BASE + "/v2/chat/completions"
    responses.post(URL, status=307, headers={"Location": moved})
    responses.post(moved, json={"ok": True})
    reply = _post(RequestsTransport())
    assert reply.status == 200 and reply.content == b'{"ok": true}'
    assert [call.request.url for call in responses.calls] == [URL, moved]
    assert responses.calls[1].request.body == b'{"a":1}'


@responses.activate
def test_cookies_the_server_sets_are_sent_back():
    responses.post(URL, json={}, headers={"Set-Cookie": "__cf_bm=abc; Path=/"})
    transport = RequestsTransport()
    _post(transport)
    _post(transport)
    assert "Cookie" not in responses.calls[0].request.headers
    assert responses.calls[1].request.headers["Cookie"] == "__cf_bm=abc"


@responses.activate
def test_the_url_is_prepared_as_requests_prepares_it():
    responses.get(BASE + "/files?purpose=batch%20jobs", json={})
    transport = RequestsTransport()
    transport.send(HttpRequest("GET", BASE + "/files?purpose=batch jobs", {}, None))
    assert responses.calls[0].request.url == BASE + "/files?purpose=batch%20jobs"


@responses.activate
def test_a_callers_session_keeps_session_request_and_its_hooks():
    responses.post(URL, json={})
    seen = []
    session = requests.Session()
    session.hooks["response"].append(lambda response, **_: seen.append(response.status_code))
    _post(RequestsTransport(session=session))
    assert seen == [200]


@pytest.mark.parametrize(
    "change",
    [
        lambda s: setattr(s, "auth", ("user", "pass")),
        lambda s: s.hooks["response"].append(lambda r, **_: r),
        lambda s: setattr(s, "trust_env", True),
        lambda s: s.params.update({"api-version": "1"}),
    ],
    ids=["auth", "hooks", "trust_env", "params"],
)
def test_a_session_changed_after_construction_falls_back_to_session_request(change):
    transport = RequestsTransport()
    assert can_send_directly(transport.session, b"{}")
    change(transport.session)
    assert not can_send_directly(transport.session, b"{}")


def test_a_streamed_upload_body_takes_session_request():
    assert not can_send_directly(RequestsTransport().session, iter([b"x"]))
