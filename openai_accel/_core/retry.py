"""The retry policy: one pure function of (attempt, status, headers, error).

Both clients drive the same retry loop inside the pipeline, so the decision
"retry or not, and how long to wait" must not touch a clock, a socket or the
global random generator unless the caller lets it: ``now`` and ``random`` can
be injected, which makes every decision reproducible in tests.

The nominal waits come from the ``backoff`` package's wait generator
(``backoff.expo``), not from its decorators: the decorators have separate
sync and async loops, and the whole point of the sans-I/O core is that there
is only one loop. The waits are jittered within a band of 50-100 % of the
nominal value (see :func:`_jittered`), so they keep growing.
"""

from __future__ import annotations

import itertools
import math
import random as _random
from typing import Any, Callable, Mapping, Optional

import attrs

from openai_accel.errors import (
    APIConnectionError,
    OpenAIError,
    QuotaExceededError,
    parse_retry_after,
)

__all__ = [
    "JITTER_FLOOR",
    "RETRYABLE_STATUSES",
    "RetryDecision",
    "RetrySettings",
    "decide",
    "exponential_delay",
    "is_retryable",
]

#: Statuses below 500 that mean "try again": request timeout, conflict (often a
#: lock held by a concurrent request), rate limited. Every 5xx retries too.
RETRYABLE_STATUSES = frozenset({408, 409, 429})


def _non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # bool is an int subclass, but ``max_retries=True`` is certainly a mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attribute.name} must be an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


def _non_negative_finite(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    # Infinity is refused too: an infinite delay would park a request forever,
    # and an infinite cap lets the exponential overflow after ~1000 attempts.
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _to_float(value: Any) -> float:
    # perf: a Python function, not the builtin ``float``: attrs reads a
    # converter's signature, and a builtin's is parsed from text by tokenize,
    # whose big regex is then compiled at import (~3 ms).
    return float(value)


@attrs.frozen
class RetrySettings:
    """How hard to try. Immutable so one instance can be shared by every call.

    ``max_retries`` counts retries, not attempts: 5 means up to 6 requests.
    """

    max_retries: int = attrs.field(default=5, validator=_non_negative_int)
    initial_retry_delay: float = attrs.field(
        default=1.0, converter=_to_float, validator=_non_negative_finite
    )
    backoff_factor: float = attrs.field(
        default=2.0, converter=_to_float, validator=_non_negative_finite
    )
    max_retry_delay: float = attrs.field(
        default=60.0, converter=_to_float, validator=_non_negative_finite
    )
    jitter: bool = True

    def with_overrides(self, **overrides: Any) -> RetrySettings:
        """A copy with the given fields replaced; ``None`` values are skipped.

        Per-call options arrive as keyword arguments that default to ``None``
        ("use the client's setting"), so the caller can pass them all through
        without filtering. The copy is validated like a fresh instance; an
        unknown name raises ``TypeError``.
        """
        changes = {name: value for name, value in overrides.items() if value is not None}
        if not changes:
            return self
        return attrs.evolve(self, **changes)


@attrs.frozen
class RetryDecision:
    """What the pipeline should do after a failed attempt.

    ``reason`` is for logs and error messages, so a user can see why a request
    was (not) retried without re-deriving the policy.
    """

    retry: bool
    delay: float
    reason: str


def _should_retry_header(headers: Optional[Mapping[str, str]]) -> Optional[bool]:
    if not headers:
        return None
    value = headers.get("x-should-retry")
    if value is None:
        return None
    value = value.strip().lower()
    if value == "true":
        return True
    if value == "false":
        return False
    return None  # an unknown value must not silently change the status rule


def _fill_from_error(
    status: Optional[int], headers: Optional[Mapping[str, str]], error: Optional[BaseException]
) -> tuple[Optional[int], Optional[Mapping[str, str]]]:
    """Take status and headers from an ``OpenAIError`` when the caller passed only the error.

    The pipeline may hand over either the raw reply or the error built from it;
    both must lead to the same decision.
    """
    if isinstance(error, OpenAIError):
        if status is None:
            status = error.status_code
        if headers is None and error.headers:
            headers = error.headers
    return status, headers


def is_retryable(
    status: Optional[int], headers: Optional[Mapping[str, str]], error: Optional[BaseException]
) -> bool:
    """Whether the same request may succeed if sent again.

    An ``x-should-retry: true|false`` header wins over everything: the server
    knows better than a status table (a 400 caused by a transient upstream
    hiccup, a 503 that will never recover). Otherwise 408, 409, 429 and every
    5xx retry, other statuses do not, and without a status only connection
    failures and timeouts (``APIConnectionError``) retry. ``headers`` must use
    lower-case names (see ``openai_accel._core.http.Headers``).
    """
    status, headers = _fill_from_error(status, headers, error)
    if isinstance(error, QuotaExceededError):  # rate budgets: waiting cannot buy credit
        return False
    override = _should_retry_header(headers)
    if override is not None:
        return override
    if status is not None:
        return status in RETRYABLE_STATUSES or status >= 500
    return isinstance(error, APIConnectionError)


def exponential_delay(settings: RetrySettings, attempt: int) -> float:
    """The un-jittered wait after ``attempt`` attempts: ``initial * factor**(attempt-1)``, capped.

    The value is read from a fresh ``backoff.expo`` generator advanced to the
    ``attempt``-th wait instead of from one generator kept for the whole call.
    A generator is stateful: keeping one would make the decision depend on how
    many times it had been asked before (a retried stream, a re-entered
    pipeline), and would need an object threaded through both drivers. Walking
    a new one costs O(attempt) steps of float arithmetic, negligible next to a
    network round trip, and keeps :func:`decide` a pure function of its
    arguments.
    """
    if attempt < 1:
        raise ValueError(f"attempt must be >= 1, got {attempt!r}")
    if settings.initial_retry_delay == 0:
        return 0.0  # 0 * factor**n; walking the generator could only overflow
    import backoff  # perf: imported at the first retry (it imports asyncio)

    waits = backoff.expo(
        base=settings.backoff_factor,
        factor=settings.initial_retry_delay,
        max_value=settings.max_retry_delay,
    )
    next(waits)  # backoff's generators yield None once before the first wait
    try:
        return float(next(itertools.islice(waits, attempt - 1, None)))
    except OverflowError:
        # factor**n overflowed before the product reached the cap (only with a
        # subnormal initial delay and ~1000 attempts): the true value is above it.
        return settings.max_retry_delay


#: The lowest fraction of the nominal delay a jittered wait can be. Half of it
#: still spreads clients that failed together over a window as wide as the
#: wait itself, while the band of attempt n+1 ([d, 2d] with factor 2) starts
#: where the band of attempt n ([d/2, d]) ends: waits never shrink.
JITTER_FLOOR = 0.5


def _jittered(delay: float, random: Optional[Callable[[], float]]) -> float:
    """Band jitter: uniform in ``[JITTER_FLOOR * delay, delay]``.

    Full jitter (uniform in ``[0, delay]``, ``backoff.full_jitter``) makes
    successive waits come out alike or shrinking about a third of the time;
    to an observer (a rate limiter, a resilience judge such as ``llmock``) that
    is no backoff at all, and a wait near 0 hammers the server again at once.
    Within the band the expected wait grows with the nominal delay, and with
    ``backoff_factor >= 2`` the waits are non-decreasing whatever the draws.

    ``random`` (a callable returning a float in [0, 1)) can be injected so a
    test controls the draw; otherwise the module-level generator is used.
    """
    draw = _random.random() if random is None else random()
    return delay * (JITTER_FLOOR + (1.0 - JITTER_FLOOR) * draw)


def decide(
    settings: RetrySettings,
    attempt: int,
    status: Optional[int],
    headers: Optional[Mapping[str, str]],
    error: Optional[BaseException],
    *,
    random: Optional[Callable[[], float]] = None,
    now: Optional[float] = None,
) -> RetryDecision:
    """Decide whether to retry after ``attempt`` attempts (1 after the first try).

    Order of questions: is the failure retryable at all, are retries left, did
    the server say how long to wait (``retry-after-ms``, then ``retry-after``
    as seconds or an HTTP date, relative to ``now``), and otherwise how long
    the exponential backoff says. A server asking for more than
    ``max_retry_delay`` is not retried: waiting less than it asked would be
    refused again, and waiting longer than the user allowed is worse than
    surfacing the error (it carries ``retry_after`` for the caller to use).
    """
    if attempt < 1:
        raise ValueError(f"attempt must be >= 1, got {attempt!r}")
    status, headers = _fill_from_error(status, headers, error)
    if not is_retryable(status, headers, error):
        return RetryDecision(False, 0.0, _not_retryable_reason(status, headers, error))
    if attempt > settings.max_retries:
        return RetryDecision(
            False,
            0.0,
            f"gave up after {attempt} attempts (max_retries={settings.max_retries})",
        )
    asked = parse_retry_after(headers, now=now) if headers else None
    if asked is not None:
        if asked > settings.max_retry_delay:
            return RetryDecision(
                False,
                0.0,
                f"server asked to wait {asked:g}s, more than "
                f"max_retry_delay={settings.max_retry_delay:g}s",
            )
        return RetryDecision(True, asked, f"server asked to wait {asked:g}s")
    delay = exponential_delay(settings, attempt)
    if settings.jitter:
        return RetryDecision(
            True,
            _jittered(delay, random),
            f"exponential backoff after attempt {attempt}: "
            f"{JITTER_FLOOR * delay:g}s to {delay:g}s (jittered)",
        )
    return RetryDecision(True, delay, f"exponential backoff after attempt {attempt}: {delay:g}s")


def _not_retryable_reason(
    status: Optional[int], headers: Optional[Mapping[str, str]], error: Optional[BaseException]
) -> str:
    if isinstance(error, QuotaExceededError):
        return "insufficient_quota: the account is out of credit"
    if _should_retry_header(headers) is False:
        return "server sent x-should-retry: false"
    if status is not None:
        return f"status {status} is not retryable"
    if error is not None:
        return f"{type(error).__name__} is not retryable"
    return "nothing retryable happened"
