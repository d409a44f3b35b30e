"""Fault injection: each kind of misbehaviour, and which requests it hits."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests

from openai_accel.testing import Fault, parse_fault_spec

from .helpers import chat, error_of, sse_payloads

CHAT = "/v1/chat/completions"


def test_status_fault_answers_that_status_with_the_error_shape(http, emulator):
    emulator.inject(Fault(status=500))
    response = chat(http, emulator)
    assert response.status_code == 500
    assert error_of(response)["type"] == "server_error"
    assert response.headers["x-request-id"].startswith("req_")


def test_rate_limit_fault_carries_retry_after_seconds(http, emulator):
    emulator.inject(Fault(status=429, retry_after=2))
    response = chat(http, emulator)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert error_of(response)["code"] == "rate_limit_exceeded"


def test_retry_after_ms_header(http, emulator):
    emulator.inject(Fault(status=503, retry_after_ms=1500))
    assert chat(http, emulator).headers["retry-after-ms"] == "1500"


def test_retry_after_as_an_http_date(http, emulator):
    emulator.inject(Fault(status=429, retry_after=30, retry_after_date=True))
    header = chat(http, emulator).headers["retry-after"]
    moment = email.utils.parsedate_to_datetime(header).timestamp()
    assert 25 <= moment - time.time() <= 31


def test_retry_hint_without_status_means_429(http, emulator):
    emulator.inject(Fault(retry_after=1))
    assert chat(http, emulator).status_code == 429


def test_should_retry_header(http, emulator):
    emulator.inject(Fault(status=500, should_retry=False))
    assert chat(http, emulator).headers["x-should-retry"] == "false"


def test_502_is_a_proxy_html_page(http, emulator):
    emulator.inject(Fault(status=502))
    response = chat(http, emulator)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in response.text


def test_reset_fault_breaks_the_connection(http, emulator):
    emulator.inject(Fault(reset=True))
    with pytest.raises(requests.ConnectionError):
        chat(http, emulator)


def test_latency_fault_delays_the_reply(http, emulator):
    emulator.inject(Fault(latency=0.3))
    started = time.monotonic()
    assert chat(http, emulator).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_emulator_latency_delays_every_reply(http, emulator):
    emulator.latency = 0.15
    started = time.monotonic()
    chat(http, emulator)
    chat(http, emulator)
    assert time.monotonic() - started >= 0.3


def test_count_limits_how_many_requests_are_hit(http, emulator):
    emulator.inject(Fault(status=503), count=2)
    statuses = [chat(http, emulator).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_count_none_hits_every_request_until_reset(http, emulator):
    emulator.inject(Fault(status=503), count=None)
    assert [chat(http, emulator).status_code for _ in range(4)] == [503] * 4
    emulator.reset()
    assert chat(http, emulator).status_code == 200


def test_route_restricts_the_fault(http, emulator):
    emulator.inject(Fault(status=503), route="/v1/embeddings")
    assert chat(http, emulator).status_code == 200
    response = http.post(
        emulator.base_url + "/embeddings", json={"model": "text-embedding-3-small", "input": "x"}
    )
    assert response.status_code == 503


def test_probability_is_reproducible_with_the_seed(http, emulator):
    def run():
        emulator.reset()
        emulator.inject(Fault(status=503), count=None, probability=0.3)
        return [chat(http, emulator).status_code for _ in range(40)]

    first = run()
    assert 4 <= first.count(503) <= 24
    assert run() == first


def test_faulted_requests_are_recorded(http, emulator):
    emulator.inject(Fault(status=503), count=2)
    for _ in range(3):
        chat(http, emulator)
    assert emulator.request_count(CHAT) == 3


def test_reset_requests_are_recorded_too(http, emulator):
    emulator.inject(Fault(reset=True))
    with pytest.raises(requests.ConnectionError):
        chat(http, emulator)
    assert emulator.requests[-1].json["model"] == "gpt-4o-mini"


def test_cut_stream_sends_n_events_then_drops_without_done(http, emulator):
    emulator.inject(Fault(cut_stream_after=3))
    response = chat(http, emulator, lazy=True, stream=True, stream_options={"include_usage": True})
    assert response.status_code == 200
    received = b""
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for chunk in response.iter_content(chunk_size=None):
            received += chunk
    events = [e for e in received.decode().split("\n\n") if e]
    assert len(events) == 3
    assert "[DONE]" not in received.decode()


def test_stream_faults_skip_non_streaming_requests(http, emulator):
    emulator.inject(Fault(cut_stream_after=1))
    assert chat(http, emulator).status_code == 200
    response = chat(http, emulator, lazy=True, stream=True)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        response.content  # noqa: B018 - reading the body is the point


def test_error_event_is_sent_in_the_stream(http, emulator):
    emulator.inject(Fault(error_event=True))
    response = chat(http, emulator, stream=True)
    payloads = sse_payloads(response.content)
    assert "[DONE]" not in payloads
    assert payloads[-1].startswith('{"error":{"message":')
    assert len(payloads) == 2


def test_fault_spec_examples_parse():
    assert parse_fault_spec("status=503,count=3") == Fault(status=503, count=3)
    assert parse_fault_spec("status=429,retry_after=2,route=/v1/chat/completions") == Fault(
        status=429, retry_after=2.0, route="/v1/chat/completions"
    )
    assert parse_fault_spec("reset,count=1") == Fault(reset=True, count=1)
    assert parse_fault_spec("latency=0.5") == Fault(latency=0.5)
    assert parse_fault_spec("cut_stream_after=3") == Fault(cut_stream_after=3)
    assert parse_fault_spec("error_event") == Fault(error_event=True)
    assert parse_fault_spec("should_retry=false,status=500") == Fault(
        should_retry=False, status=500
    )


def test_fault_spec_count_forever_and_probability():
    fault = parse_fault_spec("status=503, count=forever, probability=0.3")
    assert (fault.count, fault.probability) == (None, 0.3)


@pytest.mark.parametrize(
    "spec", ["status", "bogus=1", "status=abc", "count=0", "probability=2", "reset=maybe"]
)
def test_bad_fault_specs_are_rejected(spec):
    with pytest.raises(ValueError):
        parse_fault_spec(spec)


def test_should_retry_alone_marks_a_normal_reply(http, emulator):
    emulator.inject(Fault(should_retry=True))
    response = chat(http, emulator)
    assert response.status_code == 200
    assert response.headers["x-should-retry"] == "true"
