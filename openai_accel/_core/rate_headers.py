"""Read the API's ``x-ratelimit-*`` headers into plain numbers. Pure, never raises.

OpenAI (and Azure, and most compatible servers) describe the caller's limits on
every reply::

    x-ratelimit-limit-requests: 500        x-ratelimit-limit-tokens: 200000
    x-ratelimit-remaining-requests: 499    x-ratelimit-remaining-tokens: 199000
    x-ratelimit-reset-requests: 120ms      x-ratelimit-reset-tokens: 6m0s

Resets are Go ``time.Duration`` strings (``6m0s``, ``1s``, ``20ms``,
``1h2m3.5s``); some servers send plain seconds, and Azure may send ``-1`` for
"unknown". This module is the one place that reads them: the rate budget learns
from it and every result exposes it as ``.rate_limits``. A header that is
missing or malformed is simply ``None``: a hint from the server must never turn
a good reply into an exception.
"""

from __future__ import annotations

import math
import re
from typing import Mapping, Optional

import attrs

__all__ = ["RateLimitInfo", "parse_duration", "parse_rate_limit_headers"]

#: One ``<number><unit>`` piece of a Go duration; the units Go prints and parses.
_PIECE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
#: Longer than any real window; past it a value is garbage, not a reset time.
_MAX_SECONDS = 7 * 24 * 3600.0
_MAX_LEN = 64


def parse_duration(value: Optional[str]) -> Optional[float]:
    """Seconds of a Go-style duration (``6m0s``, ``1s``, ``20ms``) or plain seconds.

    ``None`` for anything else: empty, negative (Azure's ``-1``), not finite,
    absurdly long, or not a duration at all.
    """
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LEN:
        return None
    try:
        seconds = float(text)  # plain seconds: "1", "0.5"
    except ValueError:
        position, seconds = 0, 0.0
        for match in _PIECE.finditer(text):
            if match.start() != position:
                return None
            seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            position = match.end()
        if position != len(text) or position == 0:
            return None
    if not math.isfinite(seconds) or seconds < 0 or seconds > _MAX_SECONDS:
        return None
    return seconds


def _count(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > 20:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return int(number)


@attrs.frozen
class RateLimitInfo:
    """What one reply said about the caller's limits (``None``: not said).

    ``reset_*`` are seconds from the moment the reply was received until the
    window is full again.
    """

    limit_requests: Optional[int] = None
    limit_tokens: Optional[int] = None
    remaining_requests: Optional[int] = None
    remaining_tokens: Optional[int] = None
    reset_requests: Optional[float] = None
    reset_tokens: Optional[float] = None

    @property
    def known(self) -> bool:
        """True when the server told at least one limit."""
        return self.limit_requests is not None or self.limit_tokens is not None


_NOTHING = RateLimitInfo()


def parse_rate_limit_headers(headers: Mapping[str, str]) -> RateLimitInfo:
    """The ``x-ratelimit-*`` values of a reply; ``headers`` has lower-case names."""
    get = headers.get
    names = ("limit-requests", "limit-tokens", "remaining-requests", "remaining-tokens")
    if all(get("x-ratelimit-" + name) is None for name in names):
        return _NOTHING
    return RateLimitInfo(
        limit_requests=_count(get("x-ratelimit-limit-requests")),
        limit_tokens=_count(get("x-ratelimit-limit-tokens")),
        remaining_requests=_count(get("x-ratelimit-remaining-requests")),
        remaining_tokens=_count(get("x-ratelimit-remaining-tokens")),
        reset_requests=parse_duration(get("x-ratelimit-reset-requests")),
        reset_tokens=parse_duration(get("x-ratelimit-reset-tokens")),
    )
