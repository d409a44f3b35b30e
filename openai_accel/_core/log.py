"""What the ``openai_accel`` logger says, and the guarantee that it never leaks a secret.

The pipeline calls :func:`attempt_started` before each attempt and
:func:`log_attempt` after it (DEBUG: method, path, status, duration, server
request id, attempt number); :func:`log_retry` and :func:`log_breaker_change`
report at INFO. Why a module of its own: the rules (what may be logged, how to
redact, how to cost nothing when the logger is off) live in one place instead
of in every caller.

Cost when disabled: :func:`attempt_started` is one ``isEnabledFor`` check per
attempt and returns ``None``; nothing is formatted and no clock is read. All
messages use lazy ``%``-arguments, so even an enabled logger that filters a
record out (a handler at a higher level) formats nothing.

What is never logged: request or response headers (``Authorization``,
``api-key``, cookies), bodies, and the query string of the URL (Azure puts
``api-version`` there, a proxy may put a key). Error texts that do reach a log
line go through :func:`redact`, which masks anything shaped like an OpenAI key
or a bearer token, because a server may echo what it was sent.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from typing import Any, Optional
from urllib.parse import urlsplit

from .http import HttpRequest, HttpResponse

__all__ = [
    "LOGGER_NAME",
    "attempt_started",
    "log_attempt",
    "log_breaker_change",
    "log_retry",
    "logger",
    "redact",
]

LOGGER_NAME = "openai_accel"
logger = logging.getLogger(LOGGER_NAME)

#: ``sk-...`` / ``sk-proj-...`` keys, ``Bearer <token>`` and ``api-key: <value>`` pairs.
_SECRET_PATTERN = (
    r"(?P<key>\bsk-[A-Za-z0-9_\-]{4,})"
    r"|(?P<bearer>\bBearer\s+)[^\s,;\"']+"
    r"|(?P<header>\bapi[-_]key[\"']?\s*[:=]\s*[\"']?)[^\s,;\"'&]+"
)


@functools.lru_cache(maxsize=None)
def _secret() -> re.Pattern[str]:
    # perf: compiled at the first redaction (a log line or an error), not at import (~0.5 ms)
    return re.compile(_SECRET_PATTERN, re.IGNORECASE)


def _mask(match: re.Match[str]) -> str:
    if match.group("key") is not None:
        return "sk-***"
    prefix = match.group("bearer") or match.group("header")
    return f"{prefix}***"


def redact(text: str) -> str:
    """``text`` with API keys and tokens replaced by ``***`` (the rest unchanged)."""
    return _secret().sub(_mask, text)


def _path(url: str) -> str:
    """The URL's path only: no scheme, host credentials or query string."""
    return urlsplit(url).path or "/"


def attempt_started() -> Optional[float]:
    """A start mark for :func:`log_attempt`, or None when DEBUG is off (then log nothing)."""
    if logger.isEnabledFor(logging.DEBUG):
        return time.monotonic()
    return None


def log_attempt(
    mark: Optional[float],
    request: HttpRequest,
    attempt: int,
    response: Optional[HttpResponse],
    error: Optional[BaseException],
) -> None:
    """One DEBUG line for a finished attempt (a no-op when ``mark`` is None).

    The duration runs from asking for a queue slot to the reply's headers (a
    stream's body is still to come), i.e. what this attempt cost the caller.
    """
    if mark is None:
        return
    duration = time.monotonic() - mark
    method, path = request.method, _path(request.url)
    if response is not None:
        logger.debug(
            "HTTP %s %s -> %d in %.3fs (attempt %d, request id %s)",
            method,
            path,
            response.status,
            duration,
            attempt,
            response.headers.get("x-request-id") or "-",
        )
        return
    status: Any = getattr(error, "status_code", None)
    logger.debug(
        "HTTP %s %s -> %s in %.3fs (attempt %d, request id %s): %s",
        method,
        path,
        status if status is not None else type(error).__name__,
        duration,
        attempt,
        getattr(error, "request_id", None) or "-",
        _Redacted(error),
    )


def log_retry(endpoint: str, attempt: int, delay: float, error: BaseException) -> None:
    """INFO: the pipeline will retry ``endpoint`` after ``delay`` seconds."""
    logger.info(
        "retrying %s in %.3fs after attempt %d failed: %s",
        endpoint,
        delay,
        attempt,
        _Redacted(error),
    )


def log_breaker_change(old: Any, new: Any) -> None:
    """INFO: the circuit breaker moved from ``old`` to ``new`` (BreakerState values)."""
    logger.info("circuit breaker %s -> %s", getattr(old, "value", old), getattr(new, "value", new))


class _Redacted:
    """Defers ``redact(str(value))`` until a handler actually formats the record."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def __str__(self) -> str:
        return redact(str(self._value))
