"""Resilience proven against the emulator's injected faults, both clients."""

from __future__ import annotations

import pytest

from openai_accel import (
    APIConnectionError,
    APITimeoutError,
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    InternalServerError,
    RateLimitError,
)
from openai_accel.testing import Fault

CHAT = "/v1/chat/completions"


def test_transient_statuses_are_retried_until_success(make_api, openai_emulator):
    api = make_api(max_retries=3)
    openai_emulator.inject(Fault(status=503), count=2)
    assert api.call("chat", "hello").content == "You said: hello"
    assert openai_emulator.request_count(CHAT) == 3
    [record] = api.client.recent_requests.values()
    assert record.retry_count == 2 and record.success


def test_a_connection_reset_is_retried(make_api, openai_emulator):
    api = make_api(max_retries=2)
    openai_emulator.inject(Fault(reset=True), count=1)
    assert api.call("chat", "hello").content == "You said: hello"
    assert openai_emulator.request_count(CHAT) == 2


def test_a_reset_on_every_attempt_is_a_connection_error(make_api, openai_emulator):
    api = make_api(max_retries=1)
    openai_emulator.inject(Fault(reset=True), count=None)
    with pytest.raises(APIConnectionError) as info:
        api.call("chat", "hello")
    assert info.value.attempts == 2


def test_a_proxy_html_page_is_a_typed_error(make_api, openai_emulator):
    api = make_api(max_retries=0)
    openai_emulator.inject(Fault(status=502))
    with pytest.raises(InternalServerError) as info:
        api.call("chat", "hello")
    assert info.value.status_code == 502
    assert "502" in info.value.message and "<" not in info.value.message


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault(status=429, retry_after=0.05), 0.05),
        (Fault(status=429, retry_after_ms=30), 0.03),
    ],
)
def test_the_servers_retry_after_sets_the_wait(make_api, openai_emulator, fault, expected):
    api = make_api(max_retries=2)
    waits = []
    api.set_sleep(waits.append)
    openai_emulator.inject(fault)
    api.call("chat", "hello")
    assert waits == [pytest.approx(expected)]


def test_x_should_retry_false_stops_retries(make_api, openai_emulator):
    api = make_api(max_retries=3)
    openai_emulator.inject(Fault(status=500, should_retry=False))
    with pytest.raises(InternalServerError):
        api.call("chat", "hello")
    assert openai_emulator.request_count(CHAT) == 1


def test_rate_limit_without_retries_carries_retry_after(make_api, openai_emulator):
    api = make_api(max_retries=0)
    openai_emulator.inject(Fault(status=429, retry_after=2))
    with pytest.raises(RateLimitError) as info:
        api.call("chat", "hello")
    assert info.value.retry_after == 2.0


def test_a_slow_server_is_a_timeout(make_api, openai_emulator):
    api = make_api(max_retries=0, timeout=0.2)
    openai_emulator.inject(Fault(latency=1.0))
    with pytest.raises(APITimeoutError):
        api.call("chat", "hello")


def test_per_call_timeout_overrides_the_client(make_api, openai_emulator):
    api = make_api(max_retries=0, timeout=30.0)
    openai_emulator.inject(Fault(latency=1.0))
    with pytest.raises(APITimeoutError):
        api.call("chat", "hello", timeout=(1.0, 0.2))


def test_the_breaker_opens_for_real_against_a_failing_server(make_api, openai_emulator):
    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=60.0)
    api = make_api(max_retries=1, circuit_breaker=breaker)
    openai_emulator.inject(Fault(status=503), count=None)
    for _ in range(3):
        with pytest.raises(InternalServerError):
            api.call("chat", "hello")
    assert breaker.state is BreakerState.OPEN
    received = openai_emulator.request_count(CHAT)
    assert received == 6  # three calls, two attempts each
    with pytest.raises(CircuitOpenError) as info:
        api.call("chat", "hello")
    assert openai_emulator.request_count(CHAT) == received  # refused without sending
    assert 0 < info.value.retry_after <= 60.0


def test_soak_500_calls_with_30_percent_transient_faults(make_api, openai_emulator):
    """Every call succeeds, gets its own answer, and the server saw exactly the attempts made."""
    # Each attempt fails with probability 0.3, so one of the 500 calls losing all of
    # max_retries + 1 attempts has probability about 500 * 0.3 ** (max_retries + 1):
    # 1 % with 8 retries (seen in CI), 1 in 12,000 with 12.
    api = make_api(
        max_retries=12,
        initial_retry_delay=0.001,
        max_retry_delay=0.01,
        circuit_breaker=False,
        max_concurrent_requests=8,
        queue_size=600,
    )
    openai_emulator.inject(Fault(status=503), count=None, probability=0.15)
    openai_emulator.inject(Fault(reset=True), count=None, probability=0.15)
    markers = [f"call-{i:03d}" for i in range(500)]

    if api.is_async:
        import asyncio

        async def all_calls(client):
            return await asyncio.gather(*(client.chat(m) for m in markers))

        replies = api.run(all_calls)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(api.client.chat, markers))

    assert [r.content for r in replies] == [f"You said: {m}" for m in markers]
    records = list(api.client.recent_requests.values())
    assert len(records) == 500 and all(r.success for r in records)
    attempts = sum(r.retry_count + 1 for r in records)
    received = [
        r.json["messages"][0]["content"] for r in openai_emulator.requests if r.path == CHAT
    ]
    assert len(received) == attempts  # nothing sent that the client did not count
    assert set(received) == set(markers)  # nothing lost
    retried = sum(r.retry_count for r in records)
    assert retried > 100  # the faults really happened
