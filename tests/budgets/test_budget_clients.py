"""Rate budgets seen from both clients, against the emulator's rate limiter."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from openai_accel import (
    AsyncOpenAI,
    OpenAI,
    QuotaExceededError,
    RateLimitError,
    RateLimits,
    RateLimitTimeoutError,
)
from openai_accel._core.budget import AUTO_RATE_MARGIN, DEFAULT_BURST_SECONDS
from openai_accel.testing import ScriptedResponse
from openai_accel.testing.pytest_plugin import TEST_CLIENT_OPTIONS

from ..harness import Harness

CHAT = "/v1/chat/completions"
MODEL = "gpt-4o-mini"


def chat(api, **options):
    options.setdefault("max_tokens", 5)
    return api.call("chat", "hi", model=MODEL, **options)


def test_insufficient_quota_is_a_quota_error_never_retried(make_api, openai_emulator):
    api = make_api(max_retries=5)
    openai_emulator.set_rate_limits(insufficient_quota=True)
    with pytest.raises(QuotaExceededError) as info:
        chat(api)
    error = info.value
    assert isinstance(error, RateLimitError) and error.code == "insufficient_quota"
    assert not error.is_transient_error and error.attempts == 1
    assert openai_emulator.request_count(CHAT) == 1


def test_client_rate_limits_shows_what_the_server_said(make_api, openai_emulator):
    openai_emulator.set_rate_limits(requests_per_minute=600, tokens_per_minute=60_000)
    api = make_api()
    assert dict(api.client.rate_limits) == {}
    chat(api)
    view = api.client.rate_limits[MODEL]
    assert view.source == "learned"
    assert view.requests_per_minute == pytest.approx(600 * AUTO_RATE_MARGIN)
    assert view.tokens_per_minute == pytest.approx(60_000 * AUTO_RATE_MARGIN)
    assert view.remaining_requests == 9  # a second's worth (10), one spent
    assert view.reset_requests is not None and 0 <= view.reset_requests <= 0.1


def test_rate_limits_false_turns_the_budget_off(make_api, openai_emulator):
    openai_emulator.set_rate_limits(requests_per_minute=600)
    api = make_api(rate_limits=False)
    chat(api)
    assert dict(api.client.rate_limits) == {}


def test_a_wait_beyond_rate_limit_timeout_fails_at_once_without_sending(make_api, openai_emulator):
    api = make_api(rate_limits=RateLimits(requests_per_minute=6), rate_limit_timeout=1.0)
    chat(api)  # the burst: one request (6 a minute is one per 10 s)
    started = time.monotonic()
    with pytest.raises(RateLimitTimeoutError) as info:
        chat(api)
    assert time.monotonic() - started < 0.5
    assert info.value.retry_after == pytest.approx(10.0, abs=0.5)
    assert openai_emulator.request_count(CHAT) == 1


def test_a_throttling_429_pauses_every_caller_once(make_api, openai_emulator):
    api = make_api(max_retries=2)
    waits = []
    api.set_sleep(waits.append)  # time stands still: the pause is still on afterwards
    throttled = {
        "error": {
            "message": "Rate limit reached",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
    openai_emulator.enqueue(
        ScriptedResponse(status=429, json=throttled, headers={"retry-after-ms": "300"})
    )
    chat(api)
    chat(api)  # a new call was not refused: it waited for the pause instead
    assert waits == [pytest.approx(0.3), pytest.approx(0.3, abs=0.05)]
    assert openai_emulator.request_count(CHAT) == 3


def test_usage_corrects_the_reserved_estimate(make_api, openai_emulator):
    api = make_api(rate_limits=RateLimits(tokens_per_minute=60_000))  # 1,000 a second
    waits = []
    api.set_sleep(waits.append)
    chat(api, max_tokens=3_000)  # reserves over 3,000 tokens (3 s worth), uses a dozen
    chat(api, max_tokens=200)  # uncorrected, this would wait over 2.5 s
    assert waits == []


def test_cancelling_a_waiting_call_gives_its_reservation_back(client_kind, openai_emulator):
    """A caller that stops while waiting for budget must not keep its place."""
    options = dict(
        api_key="sk-test",
        base_url=openai_emulator.base_url,
        rate_limits=RateLimits(requests_per_minute=60),  # one a second
    )
    if client_kind == "sync":
        client = OpenAI(**options)

        def interrupted(seconds):
            raise KeyboardInterrupt  # Ctrl-C during the wait

        client.chat("first", model=MODEL)
        client._driver.sleep = interrupted
        with pytest.raises(KeyboardInterrupt):
            client.chat("second", model=MODEL)
        client.close()
    else:

        async def scenario():
            client = AsyncOpenAI(**options)
            await client.chat("first", model=MODEL)
            waiter = asyncio.ensure_future(client.chat("second", model=MODEL))
            await asyncio.sleep(0.1)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            await client.aclose()
            return client

        client = asyncio.new_event_loop().run_until_complete(scenario())
    # Only "first" holds budget: a third caller waits one interval, not two.
    reservation = client._ctx.budget.budget.reserve(MODEL, 0)
    # (Time passed since "first" shortens the wait; two intervals would be ~2 s.)
    assert 0.4 < reservation.wait <= 1.05
    assert openai_emulator.request_count(CHAT) == 1


def _run_concurrently(api, calls, **options):
    if api.is_async:

        async def many():
            return await asyncio.gather(
                *(
                    api.client.chat("hi", model=MODEL, max_tokens=5, **options)
                    for _ in range(calls)
                ),
                return_exceptions=True,
            )

        return api.resolve(many())
    results = []
    lock = threading.Lock()

    def one():
        try:
            value = api.client.chat("hi", model=MODEL, max_tokens=5, **options)
        except Exception as exc:  # collected and asserted on below
            value = exc
        with lock:
            results.append(value)

    threads = [threading.Thread(target=one) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_first_wave_waits_for_the_first_reply_instead_of_storming(make_api, openai_emulator):
    """30 calls at once on a fresh client, a limit of 10 a second: not one 429.

    Without the probe they would all go before any header arrives (the
    default concurrency is 64), and two thirds would be refused.
    """
    openai_emulator.set_rate_limits(requests_per_minute=600)
    api = make_api(max_retries=0)
    results = _run_concurrently(api, 30)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert openai_emulator.rate_limit_rejections == 0


def test_auto_paces_300_concurrent_calls_within_the_servers_10_per_second(openai_emulator):
    """The headline: learnt limits, few 429s, the limit well used; without it, a storm.

    Both clients run at once, each with its own key (the emulator's buckets are
    per key and model), so the 30 s this needs are paid once.
    """
    openai_emulator.set_rate_limits(requests_per_minute=600)  # 10 requests a second
    # Default concurrency (64): the first wave waits for the first reply
    # (docs/fleet.md, "The first wave") instead of going out unpaced.
    base = {**TEST_CLIENT_OPTIONS, "base_url": openai_emulator.base_url, "queue_size": 300}
    stormy = Harness("sync", **{**base, "rate_limits": False, "max_retries": 1})
    storm = _run_concurrently(stormy, 60)
    stormy.close()
    storm_429s = openai_emulator.rate_limit_rejections
    assert storm_429s > 0.25 * len(storm)  # rate_limits=False: a retry storm

    openai_emulator.set_rate_limits(requests_per_minute=600)  # fresh buckets
    before = openai_emulator.rate_limit_rejections
    outcomes = {}

    def run(kind):
        api = Harness(kind, **{**base, "api_key": f"sk-{kind}", "max_retries": 5})
        started = time.monotonic()
        results = _run_concurrently(api, 300)
        outcomes[kind] = (results, time.monotonic() - started)
        api.close()

    runners = [threading.Thread(target=run, args=(kind,)) for kind in ("sync", "async")]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    rejected = openai_emulator.rate_limit_rejections - before
    assert rejected <= 0.05 * 600, f"{rejected} 429s for 600 calls"
    for kind, (results, elapsed) in outcomes.items():
        assert [r for r in results if isinstance(r, Exception)] == [], kind
        capacity = 10 + 10 * elapsed  # the burst, then 10 a second
        assert 0.8 * capacity <= 300, f"{kind}: only {300 / elapsed:.1f}/s of 10/s used"


def test_an_explicit_budget_holds_within_10_percent_across_8_threads(make_api, openai_emulator):
    rpm = 1200  # 20 a second
    api = make_api(rate_limits=RateLimits(requests_per_minute=rpm), queue_size=100)
    window = 3.0
    stop = time.monotonic() + window

    if api.is_async:

        async def worker():
            while time.monotonic() < stop:
                await api.client.chat("hi", model=MODEL, max_tokens=5)

        async def eight():
            await asyncio.gather(*(worker() for _ in range(8)))

        api.resolve(eight())
    else:

        def worker():
            while time.monotonic() < stop:
                api.client.chat("hi", model=MODEL, max_tokens=5)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    sent = openai_emulator.request_count(CHAT)
    expected = 20 * DEFAULT_BURST_SECONDS + 20 * window  # the burst, then 20 a second
    assert abs(sent - expected) <= 0.1 * expected, (sent, expected)
