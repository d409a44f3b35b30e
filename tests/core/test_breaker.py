"""The circuit breaker state machine, driven by a fake clock."""

from __future__ import annotations

import asyncio
import threading
from typing import Dict, List, Tuple

import pytest

from openai_accel._core.breaker import (
    BreakerState,
    CircuitBreaker,
    CircuitBreakerProtocol,
    counts_as_failure,
)
from openai_accel.errors import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    CircuitOpenError,
    InternalServerError,
    NotFoundError,
    OpenAIError,
    QueueFullError,
    RateLimitError,
)

BOOM = InternalServerError("boom", status_code=500)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(
    clock: FakeClock, threshold: int = 3, timeout: float = 10.0, probes: int = 1
) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=threshold,
        recovery_timeout=timeout,
        half_open_max_calls=probes,
        clock=clock,
    )


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.before_call()
        breaker.on_failure(BOOM)


def opened(clock: FakeClock, timeout: float = 10.0) -> CircuitBreaker:
    breaker = make(clock, threshold=3, timeout=timeout)
    fail(breaker, 3)
    return breaker


def half_open(clock: FakeClock, probes: int = 1) -> CircuitBreaker:
    breaker = make(clock, threshold=3, timeout=10.0, probes=probes)
    fail(breaker, 3)
    clock.advance(10.0)
    return breaker


# -- construction -------------------------------------------------------------


def test_starts_closed() -> None:
    breaker = CircuitBreaker()
    assert (breaker.state, breaker.failure_count, breaker.opened_at) == (
        BreakerState.CLOSED,
        0,
        None,
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"failure_threshold": 0}, {"recovery_timeout": -1.0}, {"half_open_max_calls": 0}],
)
def test_rejects_invalid_settings(kwargs: Dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        CircuitBreaker(**kwargs)  # type: ignore[arg-type]


def test_state_values_are_strings() -> None:
    assert isinstance(BreakerState.HALF_OPEN, str)
    assert BreakerState.HALF_OPEN.value == "half_open"


# -- closed -> open -------------------------------------------------------------


def test_stays_closed_below_threshold() -> None:
    breaker = make(FakeClock())
    fail(breaker, 2)
    assert (breaker.state, breaker.failure_count) == (BreakerState.CLOSED, 2)


def test_opens_at_threshold() -> None:
    clock = FakeClock()
    breaker = opened(clock)
    assert (breaker.state, breaker.opened_at) == (BreakerState.OPEN, clock.now)


def test_success_resets_consecutive_failures() -> None:
    breaker = make(FakeClock())
    fail(breaker, 2)
    breaker.on_success()
    fail(breaker, 2)
    assert (breaker.state, breaker.failure_count) == (BreakerState.CLOSED, 2)


def test_ignored_outcome_does_not_count_as_failure() -> None:
    breaker = make(FakeClock())
    fail(breaker, 2)
    breaker.before_call()
    breaker.on_ignored()
    assert (breaker.state, breaker.failure_count) == (BreakerState.CLOSED, 2)


# -- open -------------------------------------------------------------------------


def test_open_refuses_with_time_until_probe() -> None:
    clock = FakeClock()
    breaker = opened(clock, timeout=10.0)
    clock.advance(4.0)
    with pytest.raises(CircuitOpenError) as raised:
        breaker.before_call()
    assert raised.value.retry_after == pytest.approx(6.0)


def test_late_failure_while_open_does_not_restart_the_timer() -> None:
    clock = FakeClock()
    breaker = opened(clock, timeout=10.0)
    opened_at = breaker.opened_at
    clock.advance(5.0)
    breaker.on_failure(BOOM)
    assert breaker.opened_at == opened_at


def test_late_success_while_open_keeps_it_open() -> None:
    breaker = opened(FakeClock())
    breaker.on_success()
    assert breaker.state is BreakerState.OPEN


# -- half-open --------------------------------------------------------------------


def test_half_open_after_recovery_timeout() -> None:
    clock = FakeClock()
    breaker = opened(clock, timeout=10.0)
    clock.advance(10.0)
    assert breaker.state is BreakerState.HALF_OPEN


def test_half_open_lets_one_probe_through_by_default() -> None:
    breaker = half_open(FakeClock())
    breaker.before_call()
    with pytest.raises(CircuitOpenError):
        breaker.before_call()


def test_half_open_probe_limit_is_configurable() -> None:
    breaker = half_open(FakeClock(), probes=3)
    for _ in range(3):
        breaker.before_call()
    with pytest.raises(CircuitOpenError):
        breaker.before_call()


def test_refusal_while_probing_quotes_recovery_timeout() -> None:
    breaker = half_open(FakeClock())
    breaker.before_call()
    with pytest.raises(CircuitOpenError) as raised:
        breaker.before_call()
    assert raised.value.retry_after == 10.0


def test_probe_success_closes_and_resets() -> None:
    breaker = half_open(FakeClock())
    breaker.before_call()
    breaker.on_success()
    assert (breaker.state, breaker.failure_count, breaker.opened_at) == (
        BreakerState.CLOSED,
        0,
        None,
    )


def test_probe_failure_reopens_and_restarts_timer() -> None:
    clock = FakeClock()
    breaker = half_open(clock)
    breaker.before_call()
    breaker.on_failure(BOOM)
    assert (breaker.state, breaker.opened_at) == (BreakerState.OPEN, clock.now)


def test_reopened_breaker_refuses_for_a_full_timeout() -> None:
    clock = FakeClock()
    breaker = half_open(clock)
    breaker.before_call()
    breaker.on_failure(BOOM)
    clock.advance(9.9)
    with pytest.raises(CircuitOpenError):
        breaker.before_call()


def test_ignored_probe_releases_its_slot() -> None:
    breaker = half_open(FakeClock())
    breaker.before_call()
    breaker.on_ignored()
    breaker.before_call()  # would raise if the slot had leaked
    assert breaker.state is BreakerState.HALF_OPEN


# -- management and callbacks --------------------------------------------------------


def test_reset_closes_an_open_breaker() -> None:
    breaker = opened(FakeClock())
    breaker.reset()
    assert (breaker.state, breaker.failure_count, breaker.opened_at) == (
        BreakerState.CLOSED,
        0,
        None,
    )


def test_state_change_callback_sees_every_transition() -> None:
    clock = FakeClock()
    seen: List[Tuple[BreakerState, BreakerState]] = []
    breaker = CircuitBreaker(
        failure_threshold=1,
        recovery_timeout=5.0,
        clock=clock,
        on_state_change=lambda old, new: seen.append((old, new)),
    )
    fail(breaker, 1)
    clock.advance(5.0)
    breaker.before_call()
    breaker.on_success()
    assert seen == [
        (BreakerState.CLOSED, BreakerState.OPEN),
        (BreakerState.OPEN, BreakerState.HALF_OPEN),
        (BreakerState.HALF_OPEN, BreakerState.CLOSED),
    ]


def test_callback_may_read_the_breaker_without_deadlock() -> None:
    states: List[BreakerState] = []
    holder: List[CircuitBreaker] = []
    breaker = CircuitBreaker(
        failure_threshold=1, on_state_change=lambda old, new: states.append(holder[0].state)
    )
    holder.append(breaker)
    breaker.on_failure(BOOM)
    assert states == [BreakerState.OPEN]


def test_repr_shows_state_and_counts() -> None:
    breaker = make(FakeClock())
    fail(breaker, 1)
    assert "state='closed'" in repr(breaker) and "failures=1/3" in repr(breaker)


# -- the protocol --------------------------------------------------------------------


def test_default_breaker_satisfies_the_protocol() -> None:
    assert isinstance(CircuitBreaker(), CircuitBreakerProtocol)


def test_custom_breaker_satisfies_the_protocol() -> None:
    class AlwaysClosed:
        def before_call(self) -> None:
            pass

        def on_success(self) -> None:
            pass

        def on_failure(self, error: BaseException) -> None:
            pass

        def on_ignored(self) -> None:
            pass

        @property
        def state(self) -> BreakerState:
            return BreakerState.CLOSED

    assert isinstance(AlwaysClosed(), CircuitBreakerProtocol)


def test_object_missing_a_method_does_not_satisfy_the_protocol() -> None:
    class Incomplete:
        def before_call(self) -> None:
            pass

    assert not isinstance(Incomplete(), CircuitBreakerProtocol)


# -- counts_as_failure -----------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        APIConnectionError("reset"),
        APITimeoutError("timed out"),
        InternalServerError("boom", status_code=503),
        RateLimitError("slow", status_code=429),
        OpenAIError("request timeout", status_code=408),
        RuntimeError("unexpected"),
    ],
)
def test_transient_errors_count_as_failures(error: BaseException) -> None:
    assert counts_as_failure(error) is True


@pytest.mark.parametrize(
    "error",
    [
        BadRequestError("bad", status_code=400),
        NotFoundError("missing", status_code=404),
        QueueFullError("queue full"),
        CircuitOpenError("open"),
        asyncio.CancelledError(),
        KeyboardInterrupt(),
    ],
)
def test_client_errors_and_cancellation_are_ignored(error: BaseException) -> None:
    assert counts_as_failure(error) is None


# -- threads ------------------------------------------------------------------------


def test_concurrent_failures_are_all_counted() -> None:
    breaker = CircuitBreaker(failure_threshold=10**9)
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(2000):
            breaker.on_failure(BOOM)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert breaker.failure_count == 16000


def test_concurrent_probes_never_exceed_the_limit() -> None:
    clock = FakeClock()
    breaker = half_open(clock, probes=3)
    start = threading.Barrier(16)
    admitted: List[int] = []

    def worker(index: int) -> None:
        start.wait()
        try:
            breaker.before_call()
        except CircuitOpenError:
            return
        admitted.append(index)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 3
