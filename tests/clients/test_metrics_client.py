"""Per-request metrics as a client keeps them."""

from __future__ import annotations

import pytest

from ..helpers import chat_body, error_body, reply


def test_every_request_leaves_a_record_with_sizes_and_tokens(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body(), {"x-request-id": "req_srv"}))
    api.call("chat", "Hi", model="gpt-4o")
    [(key, record)] = api.client.recent_requests.items()
    assert key == record.request_id
    assert record.request_type == "chat"
    assert record.model == "gpt-4o"
    assert record.success is True and record.status_code == 200
    assert (record.input_tokens, record.output_tokens, record.total_tokens) == (5, 2, 7)
    assert record.request_size == len(api.client._driver.transport.requests[0].body)
    assert record.response_size > 0
    assert record.duration >= 0 and record.end_time >= record.start_time
    assert record.server_request_id == "req_srv"
    assert record.retry_count == 0 and record.error_type is None


def test_failures_are_recorded_with_their_error_type(make_mock_api):
    api = make_mock_api(lambda req: reply(400, error_body("bad")), max_retries=0)
    with pytest.raises(Exception, match="bad"):
        api.call("chat", "Hi")
    [record] = api.client.recent_requests.values()
    assert (record.success, record.error_type, record.status_code) == (
        False,
        "BadRequestError",
        400,
    )


def test_request_tracking_off_records_nothing(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body()), request_tracking=False)
    api.call("chat", "Hi")
    assert dict(api.client.recent_requests) == {}
    assert api.client.metrics_summary()["requests"] == 0


def test_the_entry_cap_bounds_memory(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body()), metrics_max_entries=5)
    for _ in range(12):
        api.call("chat", "Hi")
    assert len(api.client.recent_requests) == 5


def test_summary_has_counts_error_rate_latency_and_tokens(make_mock_api):
    answers = [reply(200, chat_body()), reply(200, chat_body()), reply(400, error_body("x"))]
    api = make_mock_api(lambda req: answers.pop(0), max_retries=0)
    api.call("chat", "Hi")
    api.call("chat", "Hi")
    with pytest.raises(Exception, match="x"):
        api.call("chat", "Hi")
    stats = api.client.metrics_summary()["by_type"]["chat"]
    assert (stats["count"], stats["successes"], stats["errors"]) == (3, 2, 1)
    assert stats["error_rate"] == pytest.approx(1 / 3)
    assert stats["latency_p50"] <= stats["latency_p95"] <= stats["latency_p99"]
    assert stats["input_tokens"] == 10
    by_model = api.client.metrics_summary()["by_type_and_model"]["chat"]["gpt-4o-mini"]
    assert by_model["count"] == 3


def test_mean_tokens_per_request_counts_every_request(make_mock_api):
    # Regression (issue 14): the mean divided by the requests that reported
    # usage, so a failed request did not count as a request at all.
    answers = [reply(200, chat_body()), reply(400, error_body("x"))]
    api = make_mock_api(lambda req: answers.pop(0), max_retries=0)
    api.call("chat", "Hi")
    with pytest.raises(Exception, match="x"):
        api.call("chat", "Hi")
    stats = api.client.metrics_summary()["overall"]
    assert (stats["count"], stats["total_tokens"]) == (2, 7)
    assert stats["mean_tokens_per_request"] == 3.5
    assert stats["mean_tokens_per_reporting_request"] == 7.0


def test_request_types_follow_the_call(api):
    api.call("chat", "Hi")
    api.stream("stream_chat", "Hi")
    api.call("embedding", "Hi")
    api.call("moderation", "Hi")
    types = [r.request_type for r in api.client.recent_requests.values()]
    assert types == ["chat", "chat_stream", "embedding", "moderation"]
