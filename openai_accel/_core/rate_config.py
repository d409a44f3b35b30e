"""The rate budget's settings: ``RateLimits``, and checking every option at construction.

A bad budget must fail when the client is built, not on the thousandth call:
a non-positive or non-numeric limit, an unknown ``rate_limits`` value or a
``shared_state`` URL that cannot be parsed raise ``TypeError``/``ValueError``
here, naming the offending option.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

import attrs

__all__ = [
    "AUTO",
    "RateLimits",
    "SharedStateURL",
    "parse_shared_state_url",
    "resolve_rate_limits",
    "validate_rate_limit_timeout",
]

AUTO = "auto"


def _positive_or_none(name: str) -> Any:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"RateLimits.{name} must be a number, got {type(value).__name__}")
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"RateLimits.{name} must be a positive finite number, got {value!r}")

    return check


def _check_per_model(instance: Any, attribute: Any, value: Mapping[str, Any]) -> None:
    if not isinstance(value, Mapping):
        raise TypeError("RateLimits.per_model must be a mapping of model name -> RateLimits")
    for model, limits in value.items():
        if not isinstance(model, str) or not model:
            raise TypeError(f"RateLimits.per_model keys must be model names, got {model!r}")
        if not isinstance(limits, RateLimits):
            raise TypeError(
                f"RateLimits.per_model[{model!r}] must be a RateLimits, got {type(limits).__name__}"
            )
        if limits.per_model:
            raise ValueError(f"RateLimits.per_model[{model!r}] cannot nest per_model")


def _frozen_mapping(value: Optional[Mapping[str, Any]]) -> Mapping[str, Any]:
    return dict(value or {})


@attrs.frozen
class RateLimits:
    """An explicit budget: requests and tokens per minute, optionally per model.

    ``per_model`` keys are model names or families (``"gpt-4o"`` also covers
    ``"gpt-4o-2024-08-06"``, the longest matching prefix wins); a model that
    no key matches uses the top-level limits. ``None`` means "not limited".
    """

    requests_per_minute: Optional[float] = attrs.field(
        default=None, validator=_positive_or_none("requests_per_minute")
    )
    tokens_per_minute: Optional[float] = attrs.field(
        default=None, validator=_positive_or_none("tokens_per_minute")
    )
    per_model: Mapping[str, RateLimits] = attrs.field(
        factory=dict, converter=_frozen_mapping, validator=_check_per_model
    )

    def for_model(self, family: Optional[str]) -> Tuple[Optional[float], Optional[float]]:
        """(requests, tokens) per minute for a model family."""
        if family is not None and self.per_model:
            best = None
            for name in self.per_model:
                if (family == name or family.startswith(name + "-")) and (
                    best is None or len(name) > len(best)
                ):
                    best = name
            if best is not None:
                limits = self.per_model[best]
                return limits.requests_per_minute, limits.tokens_per_minute
        return self.requests_per_minute, self.tokens_per_minute


RateLimitsArg = Union[str, bool, None, RateLimits]


def resolve_rate_limits(value: Any) -> Union[str, RateLimits, None]:
    """``"auto"`` (also ``True``/``None``), ``False`` (off: ``None``) or a RateLimits."""
    if value is None or value is True or value == AUTO:
        return AUTO
    if value is False:
        return None
    if isinstance(value, RateLimits):
        return value
    raise ValueError(f"rate_limits must be 'auto', False or a RateLimits(...), got {value!r}")


def validate_rate_limit_timeout(value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"rate_limit_timeout must be a number of seconds, got {value!r}")
    seconds = float(value)
    if not seconds >= 0 or not math.isfinite(seconds):
        raise ValueError(f"rate_limit_timeout must be >= 0 seconds, got {value!r}")
    return seconds


@attrs.frozen
class SharedStateURL:
    """What ``redis://[:password@]host[:port][/db]`` says (``rediss://`` for TLS)."""

    url: str
    host: str
    port: int
    db: int


def parse_shared_state_url(url: str) -> SharedStateURL:
    """Check a ``shared_state`` URL; raise ValueError saying what is wrong with it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"shared_state URL {url!r} cannot be parsed: {exc}") from None
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(
            f"shared_state must be a redis://host:port/db URL or a redis client, got {url!r}"
        )
    if not parts.hostname:
        raise ValueError(f"shared_state URL {url!r} names no host")
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise ValueError(f"shared_state URL {url!r}: the database must be a number, got {path!r}")
    return SharedStateURL(url, parts.hostname, port or 6379, int(path or 0))
