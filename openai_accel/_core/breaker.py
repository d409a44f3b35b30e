"""The circuit breaker: an interface the pipeline talks to, and a default in-memory one.

When the service is down, retrying every request multiplies the load on it
and makes every caller wait through a full backoff schedule before failing.
A breaker notices a run of failures, refuses calls at once for a while, then
lets a few probe calls through to find out whether the service is back.

The pipeline only uses :class:`CircuitBreakerProtocol`, so a user can plug in
a breaker shared across processes (backed by Redis, say). The default keeps
its state in memory and guards it with a ``threading.Lock``: nothing inside
the lock awaits or blocks, so the same object is safe from threads and from
asyncio tasks alike.
"""

from __future__ import annotations

import enum
import sys
import threading
import time
from typing import Callable, List, Optional, Protocol, Tuple, runtime_checkable

from openai_accel.errors import CircuitOpenError, OpenAIError

from .log import log_breaker_change

__all__ = [
    "BreakerState",
    "CircuitBreaker",
    "CircuitBreakerProtocol",
    "counts_as_failure",
]


class BreakerState(str, enum.Enum):
    """A ``str`` enum so that metrics and logs can emit the value as is."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@runtime_checkable
class CircuitBreakerProtocol(Protocol):
    """What the pipeline needs from a breaker.

    Every call that passed ``before_call`` ends in exactly one of
    ``on_success``, ``on_failure`` or ``on_ignored``, so an implementation can
    count calls in flight (probe slots) without leaking them.
    """

    def before_call(self) -> None:
        """Raise :class:`~openai_accel.errors.CircuitOpenError` to refuse the call.

        The error's ``retry_after`` is the number of seconds until the next
        probe may go through.
        """
        ...

    def on_success(self) -> None:
        """The call reached the service and the service was healthy."""
        ...

    def on_failure(self, error: BaseException) -> None:
        """The call failed in a way that says the service is unhealthy."""
        ...

    def on_ignored(self) -> None:
        """The call ended without saying anything about the service's health.

        A client error (a 4xx other than 408/429) or a cancellation. It counts
        neither way, but must release a half-open probe slot it may hold.
        """
        ...

    @property
    def state(self) -> BreakerState: ...


def _is_cancellation(error: BaseException) -> bool:
    """A cancelled asyncio task or ``concurrent.futures`` future.

    Looked up in ``sys.modules`` rather than imported, so that importing the
    breaker does not import asyncio: no instance of a module's exception can
    exist before that module was imported.
    """
    for name in ("asyncio", "concurrent.futures"):
        module = sys.modules.get(name)
        if module is not None and isinstance(error, module.CancelledError):
            return True
    return False


def counts_as_failure(error: BaseException) -> Optional[bool]:
    """Classify how a failed call should be reported to the breaker.

    ``True``: call ``on_failure`` (connection errors, timeouts, 5xx, 408, 429,
    a broken stream: the service is struggling). ``None``: call
    ``on_ignored`` (a 4xx is the caller's fault; a cancellation, our own
    refusal such as a full queue, or a failing tool function says nothing
    about the service). ``False`` is never returned today; it is part of the
    type so that a future "this error proves the service is healthy" verdict
    does not change the signature.

    An exception that is not an ``OpenAIError`` is counted as a failure: the
    transports wrap every network error, so anything else escaping the send
    step is unexpected, and a breaker that errs towards opening protects the
    service.
    """
    if isinstance(error, OpenAIError):
        return True if error.is_transient_error else None
    if _is_cancellation(error):
        return None
    if not isinstance(error, Exception):
        # KeyboardInterrupt, SystemExit, GeneratorExit: the caller stopped.
        return None
    return True


_Transition = Tuple[BreakerState, BreakerState]


class CircuitBreaker:
    """The default breaker: counts consecutive failures, in memory.

    CLOSED: calls pass; ``failure_threshold`` consecutive failures open it.
    OPEN: calls are refused at once until ``recovery_timeout`` seconds have
    passed since it opened. HALF_OPEN: up to ``half_open_max_calls`` probe
    calls may be in flight at the same time; one success closes the breaker,
    one failure re-opens it and restarts the timer.

    ``clock`` is injectable (monotonic seconds) so the state machine can be
    tested without sleeping. ``on_state_change(old, new)`` is called after
    each transition, outside the lock, so the callback may read the breaker.
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        recovery_timeout: float = 30.0,
        half_open_max_calls: int = 1,
        clock: Callable[[], float] = time.monotonic,
        on_state_change: Optional[Callable[[BreakerState, BreakerState], None]] = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be >= 1, got {failure_threshold!r}")
        if not recovery_timeout >= 0:  # also rejects NaN
            raise ValueError(f"recovery_timeout must be >= 0, got {recovery_timeout!r}")
        if half_open_max_calls < 1:
            raise ValueError(f"half_open_max_calls must be >= 1, got {half_open_max_calls!r}")
        self.failure_threshold = failure_threshold
        self.recovery_timeout = float(recovery_timeout)
        self.half_open_max_calls = half_open_max_calls
        self._clock = clock
        self._on_state_change = on_state_change
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at: Optional[float] = None
        self._probes = 0

    # -- reading -------------------------------------------------------------

    @property
    def state(self) -> BreakerState:
        """The current state; an expired OPEN reads as HALF_OPEN.

        Reading the state performs the timed OPEN -> HALF_OPEN move, so what a
        dashboard shows is what the next call will meet.
        """
        with self._lock:
            changes = self._refresh_locked()
            state = self._state
        self._notify(changes)
        return state

    @property
    def failure_count(self) -> int:
        """Consecutive failures since the last success (or reset)."""
        return self._failures

    @property
    def opened_at(self) -> Optional[float]:
        """``clock()`` time when the breaker last opened; ``None`` while closed."""
        return self._opened_at

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(state={self._state.value!r}, "
            f"failures={self._failures}/{self.failure_threshold}, "
            f"recovery_timeout={self.recovery_timeout!r}, "
            f"probes={self._probes}/{self.half_open_max_calls})"
        )

    # -- the protocol --------------------------------------------------------

    def before_call(self) -> None:
        # perf: the usual case (closed: nothing to refresh, refuse or announce) reads
        # one attribute, without the lock or a list. A transition racing with this
        # read is simply ordered after this call, as if it had come a moment later.
        if self._state is BreakerState.CLOSED:
            return
        refusal: Optional[CircuitOpenError] = None
        with self._lock:
            changes = self._refresh_locked()
            if self._state is BreakerState.OPEN:
                assert self._opened_at is not None
                wait = self._opened_at + self.recovery_timeout - self._clock()
                refusal = CircuitOpenError(
                    f"circuit breaker is open after {self._failures} consecutive failures; "
                    f"next probe in {max(0.0, wait):.3g}s",
                    retry_after=max(0.0, wait),
                )
            elif self._state is BreakerState.HALF_OPEN:
                if self._probes < self.half_open_max_calls:
                    self._probes += 1
                else:
                    # The probe in flight decides: success closes at once, a
                    # failure re-opens for recovery_timeout. Quote the
                    # conservative bound so a caller honouring it cannot add
                    # to the load while the service is recovering.
                    refusal = CircuitOpenError(
                        "circuit breaker is half-open and its probe calls are in flight",
                        retry_after=self.recovery_timeout,
                    )
        self._notify(changes)
        if refusal is not None:
            raise refusal

    def on_success(self) -> None:
        # perf: closed with no failure counted is the usual case and needs no write;
        # an unlocked read of both is ordered before any failure racing with it.
        if self._state is BreakerState.CLOSED and not self._failures:
            return
        changes: List[_Transition] = []
        with self._lock:
            if self._state is BreakerState.CLOSED:
                self._failures = 0
                return  # perf: the usual case: no transition to announce
            if self._state is BreakerState.HALF_OPEN:
                self._failures = 0
                self._probes = 0
                self._opened_at = None
                changes.append(self._move_locked(BreakerState.CLOSED))
            # A success reported while OPEN belongs to a call that started
            # before the breaker opened; the timer still decides.
        self._notify(changes)

    def on_failure(self, error: BaseException) -> None:
        changes: List[_Transition] = []
        with self._lock:
            self._failures += 1
            if self._state is BreakerState.HALF_OPEN or (
                self._state is BreakerState.CLOSED and self._failures >= self.failure_threshold
            ):
                self._probes = 0
                self._opened_at = self._clock()
                changes.append(self._move_locked(BreakerState.OPEN))
            # While OPEN a late failure must not restart the timer: calls that
            # were already in flight would otherwise postpone recovery.
        self._notify(changes)

    def on_ignored(self) -> None:
        with self._lock:
            if self._state is BreakerState.HALF_OPEN and self._probes > 0:
                self._probes -= 1

    # -- management ----------------------------------------------------------

    def reset(self) -> None:
        """Forget everything and close, e.g. after an operator fixed the cause."""
        changes: List[_Transition] = []
        with self._lock:
            self._failures = 0
            self._probes = 0
            self._opened_at = None
            if self._state is not BreakerState.CLOSED:
                changes.append(self._move_locked(BreakerState.CLOSED))
        self._notify(changes)

    # -- internals -----------------------------------------------------------

    def _refresh_locked(self) -> List[_Transition]:
        if (
            self._state is BreakerState.OPEN
            and self._opened_at is not None
            and self._clock() - self._opened_at >= self.recovery_timeout
        ):
            self._probes = 0
            return [self._move_locked(BreakerState.HALF_OPEN)]
        return []

    def _move_locked(self, new: BreakerState) -> _Transition:
        old, self._state = self._state, new
        return (old, new)

    def _notify(self, changes: List[_Transition]) -> None:
        callback = self._on_state_change
        for old, new in changes:
            if old is not new:
                log_breaker_change(old, new)
                if callback is not None:
                    callback(old, new)
