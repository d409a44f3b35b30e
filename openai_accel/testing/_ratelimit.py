"""The emulator's rate limits: a stateful bucket per (API key, model), like the real API's.

Off by default (the emulator then sends the fixed headers of a generous
account). :meth:`~openai_accel.testing.Emulator.set_rate_limits` turns it on:
every reply then carries live ``x-ratelimit-*`` headers, and a request over
budget gets the real 429 ``rate_limit_exceeded`` with ``retry-after-ms``.
``insufficient_quota`` mode answers every API call with the 429 of an account
out of credit.

Each bucket refills continuously at ``per_minute / 60`` per second and holds
``burst_seconds`` worth: OpenAI enforces per-minute limits in short windows, so
a client that spends a minute's budget at once is refused, as it would be for
real. A request needs one request unit and at least one token left; the
tokens it really used (``usage.total_tokens``) are charged when it is answered,
which may overdraw the bucket until it refills.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from typing import Callable, Dict, Optional, Tuple

import attrs

from . import _errors as err
from ._wire import go_duration

__all__ = ["EmulatorRateLimiter", "RateLimitSettings"]

LimitKey = Tuple[str, str]
MAX_BUCKETS = 4096


@attrs.frozen
class RateLimitSettings:
    requests_per_minute: Optional[float] = None
    tokens_per_minute: Optional[float] = None
    burst_seconds: float = 1.0
    insufficient_quota: bool = False


class _Level:
    """A continuously refilled bucket; ``level`` may go negative (overdrawn tokens)."""

    __slots__ = ("at", "capacity", "level", "per_minute", "rate")

    def __init__(self, per_minute: float, burst_seconds: float, now: float) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * burst_seconds)
        self.level = self.capacity
        self.at = now

    def refill(self, now: float) -> float:
        self.level = min(self.capacity, self.level + (now - self.at) * self.rate)
        self.at = now
        return self.level

    def until(self, amount: float) -> float:
        return max(0.0, (amount - self.level) / self.rate)

    def headers(self, family: str) -> Dict[str, str]:
        return {
            f"x-ratelimit-limit-{family}": str(int(self.per_minute)),
            f"x-ratelimit-remaining-{family}": str(max(0, int(self.level))),
            f"x-ratelimit-reset-{family}": go_duration(self.until(self.capacity)),
        }


class _Buckets:
    __slots__ = ("requests", "tokens")

    def __init__(self, settings: RateLimitSettings, now: float) -> None:
        rpm, tpm, burst = (
            settings.requests_per_minute,
            settings.tokens_per_minute,
            settings.burst_seconds,
        )
        self.requests = _Level(rpm, burst, now) if rpm else None
        self.tokens = _Level(tpm, burst, now) if tpm else None


def _key_of(authorization: str, model: Optional[str]) -> LimitKey:
    digest = hashlib.sha256(authorization.encode("utf-8")).hexdigest()[:16]
    return digest, model or ""


class EmulatorRateLimiter:
    """Thread-safe: configured from the test's thread, consulted on the server's loop."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.settings = RateLimitSettings()
        self._buckets: Dict[LimitKey, _Buckets] = {}
        self.rejected = 0
        self.admitted = 0
        self._rejected_by: Dict[str, int] = {}

    def rejected_for(self, authorization: str) -> int:
        """429s given to one ``Authorization`` header value since the last reset."""
        with self._lock:
            return self._rejected_by.get(_key_of(authorization, None)[0], 0)

    def _count_rejection(self, key: LimitKey) -> None:
        self.rejected += 1
        if key[0] in self._rejected_by or len(self._rejected_by) < MAX_BUCKETS:
            self._rejected_by[key[0]] = self._rejected_by.get(key[0], 0) + 1

    @property
    def active(self) -> bool:
        s = self.settings
        return bool(s.requests_per_minute or s.tokens_per_minute or s.insufficient_quota)

    def configure(self, settings: RateLimitSettings) -> None:
        for name in ("requests_per_minute", "tokens_per_minute"):
            value = getattr(settings, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        if not settings.burst_seconds > 0:
            raise ValueError(f"burst_seconds must be positive, got {settings.burst_seconds!r}")
        with self._lock:
            self.settings = settings
            self._buckets.clear()

    def reset(self) -> None:
        """Back to off, every bucket and counter forgotten (``Emulator.reset``)."""
        with self._lock:
            self.settings = RateLimitSettings()
            self._buckets.clear()
            self.rejected = 0
            self.admitted = 0
            self._rejected_by.clear()

    def _buckets_for(self, key: LimitKey, now: float) -> _Buckets:
        buckets = self._buckets.get(key)
        if buckets is None:
            if len(self._buckets) >= MAX_BUCKETS:
                self._buckets.clear()
            buckets = self._buckets[key] = _Buckets(self.settings, now)
        return buckets

    def admit(self, authorization: str, model: Optional[str]) -> Optional[LimitKey]:
        """Take one request for this key and model, or raise the API's 429."""
        if not self.active:
            return None
        key = _key_of(authorization, model)
        with self._lock:
            if self.settings.insufficient_quota:
                self._count_rejection(key)
                raise _quota_error()
            now = self._clock()
            buckets = self._buckets_for(key, now)
            refusal = None
            requests, tokens = buckets.requests, buckets.tokens
            if requests is not None and requests.refill(now) < 1.0:
                refusal = ("requests", "RPM", requests, 1.0)
            elif tokens is not None and tokens.refill(now) < 1.0:
                refusal = ("tokens", "TPM", tokens, 1.0)
            if refusal is not None:
                self._count_rejection(key)
                raise _throttled(model, *refusal, headers=self._headers_locked(buckets))
            if requests is not None:
                requests.level -= 1.0
            if tokens is not None:
                tokens.refill(now)
            self.admitted += 1
            return key

    def reply_headers(self, key: Optional[LimitKey], tokens_used: int) -> Dict[str, str]:
        """Charge the tokens a reply used; the live headers that go out with it."""
        if key is None:
            return {}
        with self._lock:
            buckets = self._buckets.get(key)
            if buckets is None:
                return {}
            if buckets.tokens is not None and tokens_used > 0:
                buckets.tokens.refill(self._clock())
                buckets.tokens.level -= tokens_used
            return self._headers_locked(buckets)

    def _headers_locked(self, buckets: _Buckets) -> Dict[str, str]:
        headers: Dict[str, str] = {}
        if buckets.requests is not None:
            headers.update(buckets.requests.headers("requests"))
        if buckets.tokens is not None:
            headers.update(buckets.tokens.headers("tokens"))
        return headers


def _throttled(
    model: Optional[str],
    family: str,
    short: str,
    bucket: _Level,
    needed: float,
    *,
    headers: Dict[str, str],
) -> err.ApiError:
    wait = bucket.until(needed)
    wait_ms = max(1, math.ceil(wait * 1000))
    used = int(bucket.capacity - bucket.level)
    message = (
        f"Rate limit reached for {model or 'default'} in organization org-emulator on "
        f"{family} per min ({short}): Limit {int(bucket.per_minute)}, Used {used}, "
        f"Requested {int(needed)}. Please try again in {wait_ms}ms. Visit "
        "https://platform.openai.com/account/rate-limits to learn more."
    )
    headers = dict(headers)
    headers["retry-after-ms"] = str(wait_ms)
    headers["retry-after"] = str(max(1, math.ceil(wait)))
    return err.ApiError(429, message, type_=family, code="rate_limit_exceeded", headers=headers)


def _quota_error() -> err.ApiError:
    return err.ApiError(
        429,
        "You exceeded your current quota, please check your plan and billing details. For "
        "more information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors.",
        type_="insufficient_quota",
        code="insufficient_quota",
    )
