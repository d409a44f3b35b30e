"""The retry policy: which failures retry, and how long to wait before the next try."""

from __future__ import annotations

import email.utils
from typing import Callable, Iterator, List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_accel._core.http import Headers
from openai_accel._core.retry import (
    JITTER_FLOOR,
    RetryDecision,
    RetrySettings,
    decide,
    exponential_delay,
    is_retryable,
)
from openai_accel.errors import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    RateLimitError,
)

NO_JITTER = RetrySettings(jitter=False)


def _fixed(*values: float) -> Callable[[], float]:
    """A stand-in for random.random that returns the given values in turn."""
    it: Iterator[float] = iter(values)
    return lambda: next(it)


# -- settings ---------------------------------------------------------------


def test_settings_defaults() -> None:
    settings = RetrySettings()
    assert (
        settings.max_retries,
        settings.initial_retry_delay,
        settings.backoff_factor,
        settings.max_retry_delay,
        settings.jitter,
    ) == (5, 1.0, 2.0, 60.0, True)


@pytest.mark.parametrize(
    "field", ["max_retries", "initial_retry_delay", "backoff_factor", "max_retry_delay"]
)
def test_settings_reject_negative_values_naming_the_field(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RetrySettings(**{field: -1})  # type: ignore[arg-type]


def test_settings_reject_nan_delay() -> None:
    with pytest.raises(ValueError, match="initial_retry_delay"):
        RetrySettings(initial_retry_delay=float("nan"))


def test_settings_reject_non_int_max_retries() -> None:
    with pytest.raises(TypeError, match="max_retries"):
        RetrySettings(max_retries=2.5)  # type: ignore[arg-type]


def test_with_overrides_replaces_given_values() -> None:
    assert RetrySettings().with_overrides(max_retries=2).max_retries == 2


def test_with_overrides_ignores_none() -> None:
    settings = RetrySettings(max_retries=3)
    assert settings.with_overrides(max_retries=None, max_retry_delay=None) == settings


def test_with_overrides_validates() -> None:
    with pytest.raises(ValueError, match="max_retry_delay"):
        RetrySettings().with_overrides(max_retry_delay=-5)


def test_with_overrides_rejects_unknown_names() -> None:
    with pytest.raises(TypeError):
        RetrySettings().with_overrides(retries=3)


# -- is_retryable -----------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 599])
def test_transient_statuses_retry(status: int) -> None:
    assert is_retryable(status, Headers(), None) is True


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_error_statuses_do_not_retry(status: int) -> None:
    assert is_retryable(status, Headers(), None) is False


def test_connection_error_retries() -> None:
    assert is_retryable(None, None, APIConnectionError("connection reset")) is True


def test_timeout_retries() -> None:
    assert is_retryable(None, None, APITimeoutError("read timed out")) is True


def test_unrelated_exception_does_not_retry() -> None:
    assert is_retryable(None, None, ValueError("bug")) is False


def test_should_retry_true_overrides_a_400() -> None:
    assert is_retryable(400, Headers({"x-should-retry": "true"}), None) is True


def test_should_retry_false_overrides_a_503() -> None:
    assert is_retryable(503, Headers({"x-should-retry": "false"}), None) is False


def test_unknown_should_retry_value_falls_back_to_status_rule() -> None:
    assert is_retryable(503, Headers({"x-should-retry": "maybe"}), None) is True


def test_status_and_headers_are_taken_from_the_error_when_absent() -> None:
    error = BadRequestError("bad", status_code=400, headers={"x-should-retry": "true"})
    assert is_retryable(None, None, error) is True


# -- decide: server-specified waits -------------------------------------------


def test_retry_after_ms_sets_the_wait() -> None:
    decision = decide(RetrySettings(), 1, 429, Headers({"retry-after-ms": "1500"}), None)
    assert (decision.retry, decision.delay) == (True, 1.5)


def test_retry_after_ms_wins_over_retry_after() -> None:
    headers = Headers({"retry-after-ms": "250", "retry-after": "9"})
    assert decide(RetrySettings(), 1, 429, headers, None).delay == 0.25


def test_retry_after_seconds_sets_the_wait() -> None:
    decision = decide(RetrySettings(), 1, 503, Headers({"retry-after": "7"}), None)
    assert (decision.retry, decision.delay) == (True, 7.0)


def test_retry_after_http_date_is_relative_to_injected_now() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 12, usegmt=True)
    decision = decide(RetrySettings(), 1, 429, Headers({"retry-after": date}), None, now=now)
    assert (decision.retry, decision.delay) == (True, 12.0)


def test_server_wait_is_not_jittered() -> None:
    decision = decide(
        RetrySettings(jitter=True), 1, 429, Headers({"retry-after": "3"}), None, random=_fixed(0.0)
    )
    assert decision.delay == 3.0


def test_server_asking_more_than_max_retry_delay_is_not_retried() -> None:
    decision = decide(
        RetrySettings(max_retry_delay=10), 1, 429, Headers({"retry-after": "11"}), None
    )
    assert decision.retry is False
    assert "max_retry_delay" in decision.reason


def test_server_asking_exactly_max_retry_delay_is_retried() -> None:
    decision = decide(
        RetrySettings(max_retry_delay=10), 1, 429, Headers({"retry-after": "10"}), None
    )
    assert (decision.retry, decision.delay) == (True, 10.0)


def test_retry_after_is_read_from_the_error_headers() -> None:
    error = RateLimitError("slow down", status_code=429, headers={"retry-after": "4"})
    assert decide(RetrySettings(), 1, None, None, error).delay == 4.0


def test_malformed_retry_after_falls_back_to_backoff() -> None:
    decision = decide(NO_JITTER, 2, 429, Headers({"retry-after": "soon"}), None)
    assert decision.delay == 2.0


# -- decide: exponential backoff ----------------------------------------------


def test_exponential_sequence_without_jitter_for_defaults() -> None:
    delays = [decide(NO_JITTER, attempt, 500, None, None).delay for attempt in range(1, 6)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_exponential_sequence_is_capped_at_max_retry_delay() -> None:
    settings = RetrySettings(max_retries=10, max_retry_delay=5, jitter=False)
    delays = [decide(settings, attempt, 500, None, None).delay for attempt in range(1, 7)]
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_exponential_uses_initial_delay_and_factor() -> None:
    settings = RetrySettings(initial_retry_delay=0.5, backoff_factor=3, jitter=False)
    delays = [exponential_delay(settings, attempt) for attempt in (1, 2, 3)]
    assert delays == [0.5, 1.5, 4.5]


def test_zero_initial_delay_stays_zero_for_huge_attempt_numbers() -> None:
    settings = RetrySettings(initial_retry_delay=0, max_retry_delay=5)
    assert exponential_delay(settings, 2000) == 0.0


def test_exponential_delay_that_overflows_is_the_cap() -> None:
    settings = RetrySettings(initial_retry_delay=5e-324, max_retry_delay=60)
    assert exponential_delay(settings, 1100) == 60.0


def test_jitter_scales_the_backoff_within_the_band_by_the_injected_random() -> None:
    decision = decide(RetrySettings(), 3, 500, None, None, random=_fixed(0.25))
    assert decision.delay == 2.5  # nominal 4 s: 4 * (0.5 + 0.5 * 0.25)


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.999999])
def test_jitter_stays_within_half_and_all_of_the_nominal_delay(draw: float) -> None:
    settings = RetrySettings(max_retries=10, max_retry_delay=5)
    for attempt in range(1, 11):
        nominal = exponential_delay(settings, attempt)
        delay = decide(settings, attempt, 500, None, None, random=lambda: draw).delay
        assert JITTER_FLOOR * nominal <= delay <= nominal


@given(st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=6, max_size=6))
def test_jittered_waits_never_shrink_with_the_default_factor(draws: List[float]) -> None:
    """Full jitter let a wait come out shorter than the one before; the band cannot."""
    settings = RetrySettings(max_retries=10, max_retry_delay=1000)
    delays = [
        decide(settings, attempt, 500, None, None, random=_fixed(draw)).delay
        for attempt, draw in enumerate(draws, start=1)
    ]
    assert delays == sorted(delays)


def test_jittered_waits_grow_on_average_and_nominally() -> None:
    settings = RetrySettings(max_retries=10, initial_retry_delay=1, backoff_factor=1.5)
    nominal = [exponential_delay(settings, attempt) for attempt in range(1, 6)]
    assert all(a < b for a, b in zip(nominal, nominal[1:]))
    means = [
        sum(decide(settings, attempt, 500, None, None).delay for _ in range(400)) / 400
        for attempt in range(1, 6)
    ]
    assert all(a < b for a, b in zip(means, means[1:]))


def test_jitter_without_injected_random_draws_within_the_band() -> None:
    settings = RetrySettings(max_retry_delay=8)
    delays = [decide(settings, 4, 500, None, None).delay for _ in range(200)]
    assert all(4.0 <= delay <= 8.0 for delay in delays)
    assert len(set(delays)) > 1


# -- decide: giving up ----------------------------------------------------------


def test_retries_allowed_up_to_max_retries() -> None:
    assert decide(RetrySettings(max_retries=3), 3, 500, None, None).retry is True


def test_no_retry_once_max_retries_are_exhausted() -> None:
    decision = decide(RetrySettings(max_retries=3), 4, 500, None, None)
    assert decision == RetryDecision(False, 0.0, decision.reason)
    assert "max_retries=3" in decision.reason


def test_zero_max_retries_never_retries() -> None:
    assert decide(RetrySettings(max_retries=0), 1, 503, None, None).retry is False


def test_non_retryable_status_fails_at_once_with_reason() -> None:
    decision = decide(RetrySettings(), 1, 404, None, None)
    assert decision.retry is False
    assert "404" in decision.reason


def test_should_retry_false_is_the_reason() -> None:
    decision = decide(RetrySettings(), 1, 503, Headers({"x-should-retry": "false"}), None)
    assert "x-should-retry" in decision.reason


def test_connection_error_decision_retries() -> None:
    error: Optional[BaseException] = APIConnectionError("refused")
    assert decide(NO_JITTER, 1, None, None, error) == RetryDecision(
        True, 1.0, decide(NO_JITTER, 1, None, None, error).reason
    )


def test_attempt_must_be_positive() -> None:
    with pytest.raises(ValueError, match="attempt"):
        decide(RetrySettings(), 0, 500, None, None)
