"""The emulator's rate limiter on the wire: live headers, the API's 429s, quota mode."""

from __future__ import annotations

import pytest

from openai_accel.testing._errors import ApiError
from openai_accel.testing._ratelimit import EmulatorRateLimiter, RateLimitSettings

from .helpers import error_of

BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def post(http, emulator, body=BODY):
    return http.post(emulator.base_url + "/chat/completions", json=body)


def test_every_reply_carries_live_headers(emulator, http):
    emulator.set_rate_limits(requests_per_minute=120, tokens_per_minute=6_000)
    first, second = post(http, emulator), post(http, emulator)
    assert first.headers["x-ratelimit-limit-requests"] == "120"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"  # a second's worth: 2
    assert second.headers["x-ratelimit-remaining-requests"] == "0"
    assert first.headers["x-ratelimit-limit-tokens"] == "6000"
    used = first.json()["usage"]["total_tokens"]
    assert int(first.headers["x-ratelimit-remaining-tokens"]) == 100 - used
    assert second.headers["x-ratelimit-reset-requests"].endswith("ms")


def test_over_budget_is_the_apis_429_with_retry_after_ms(emulator, http):
    emulator.set_rate_limits(requests_per_minute=60)
    assert post(http, emulator).status_code == 200
    refused = post(http, emulator)
    assert refused.status_code == 429
    error = error_of(refused)
    assert error["code"] == "rate_limit_exceeded" and error["type"] == "requests"
    assert "Rate limit reached for gpt-4o-mini" in error["message"]
    assert 900 <= int(refused.headers["retry-after-ms"]) <= 1000
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    assert emulator.rate_limit_rejections == 1


def test_limits_are_per_key_and_model(emulator, http):
    emulator.set_rate_limits(requests_per_minute=60)
    assert post(http, emulator).status_code == 200
    assert post(http, emulator, {**BODY, "model": "gpt-4o"}).status_code == 200
    emulator.api_key = None
    other = http.post(
        emulator.base_url + "/chat/completions",
        json=BODY,
        headers={"Authorization": "Bearer sk-other"},
    )
    assert other.status_code == 200
    assert emulator.rate_limit_rejections_for("sk-other") == 0


def test_insufficient_quota_mode(emulator, http):
    emulator.set_rate_limits(insufficient_quota=True)
    refused = post(http, emulator)
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "insufficient_quota"
    assert "retry-after-ms" not in refused.headers


def test_reset_turns_the_limits_off(emulator, http):
    emulator.set_rate_limits(requests_per_minute=60)
    post(http, emulator)
    emulator.reset()
    emulator.api_key = "sk-emulator-test-key"
    assert all(post(http, emulator).status_code == 200 for _ in range(3))


def test_bucket_refills_with_an_injected_clock():
    now = [0.0]
    limiter = EmulatorRateLimiter(clock=lambda: now[0])
    limiter.configure(RateLimitSettings(requests_per_minute=60))
    limiter.admit("Bearer k", "m")
    with pytest.raises(ApiError, match="Rate limit reached"):
        limiter.admit("Bearer k", "m")
    now[0] += 1.0
    assert limiter.admit("Bearer k", "m") is not None


@pytest.mark.parametrize("value", [0, -1])
def test_bad_settings_are_refused(emulator, value):
    with pytest.raises(ValueError, match="requests_per_minute"):
        emulator.set_rate_limits(requests_per_minute=value)
