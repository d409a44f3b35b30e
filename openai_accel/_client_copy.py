"""``client.with_options(...)``: a client with other defaults, sharing the expensive parts.

The copy shares the connection pool, the request queue (its limits are the
original's: one pool, one bound on what is in flight), the circuit breaker,
the metrics and whatever else the original holds; it differs only in its
settings (key, timeout, retries, headers, ...) and so in its request target.
A different ``base_url`` means a different server, so its health is judged
by a fresh breaker of the same settings. Closing either closes the shared
pool: close the original once when done with both.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, TypeVar

import attrs

from ._config import Secret
from ._core.breaker import CircuitBreaker, CircuitBreakerProtocol
from ._core.http import Timeout
from ._sdk_shape import Resource

__all__ = ["COPYABLE_OPTIONS", "copy_client"]

C = TypeVar("C")

_RETRY_OPTIONS = {
    "max_retries": "max_retries",
    "initial_retry_delay": "initial_retry_delay",
    "backoff_factor": "backoff_factor",
    "max_retry_delay": "max_retry_delay",
    "retry_jitter": "jitter",
}
#: The settings a copy may change; the rest (queue size, concurrency, metrics
#: retention, transport) belong to what the copy shares.
COPYABLE_OPTIONS = frozenset(
    {
        "api_key",
        "organization",
        "project",
        "base_url",
        "timeout",
        "on_retry",
        "default_headers",
        "queue_timeout",
        *_RETRY_OPTIONS,
    }
)


def _fresh_breaker(
    breaker: Optional[CircuitBreakerProtocol],
) -> Optional[CircuitBreakerProtocol]:
    if isinstance(breaker, CircuitBreaker):
        return CircuitBreaker(
            breaker.failure_threshold, breaker.recovery_timeout, breaker.half_open_max_calls
        )
    return breaker  # a caller's own breaker object (or none) cannot be cloned: shared


def config_changes(config: Any, options: Mapping[str, Any]) -> Dict[str, Any]:
    """``attrs.evolve`` arguments for a ClientConfig from with_options' keywords."""
    changes: Dict[str, Any] = {}
    retry = {_RETRY_OPTIONS[k]: v for k, v in options.items() if k in _RETRY_OPTIONS}
    if retry:
        changes["retry"] = attrs.evolve(config.retry, **retry)
    if "api_key" in options:
        key = options["api_key"]
        changes["api_key"] = Secret(key) if key else None
    if "base_url" in options:
        changes["base_url"] = str(options["base_url"]).rstrip("/")
    if "timeout" in options:
        changes["timeout"] = Timeout.of(options["timeout"])
    if "default_headers" in options:
        changes["default_headers"] = {
            **config.default_headers,
            **dict(options["default_headers"] or {}),
        }
    for name in ("organization", "project", "on_retry", "queue_timeout"):
        if name in options:
            changes[name] = options[name]
    return changes


def check_options(options: Mapping[str, Any], allowed: Any = COPYABLE_OPTIONS) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(
            f"with_options() cannot change {unknown}: a copy shares the original's pool, "
            "queue and metrics; create a new client for those"
        )


def copy_client(client: C, options: Mapping[str, Any], *, target: Any = None) -> C:
    """A new client of ``client``'s class sharing its pool, queue, breaker and metrics.

    ``target`` (a RequestTarget) replaces the one derived from the new
    settings; the Azure clients pass theirs.
    """
    ctx = client._ctx  # type: ignore[attr-defined]
    config = attrs.evolve(ctx.config, **config_changes(ctx.config, options))
    copy = object.__new__(type(client))
    state = dict(client.__dict__)
    for name in [name for name, value in state.items() if isinstance(value, Resource)]:
        del state[name]  # SDK namespaces bound to the original
    copy.__dict__.update(state)
    breaker = ctx.breaker
    if config.base_url != ctx.config.base_url:
        breaker = _fresh_breaker(breaker)
    copy._ctx = attrs.evolve(ctx, config=config, breaker=breaker, target=target)  # type: ignore[attr-defined]
    return copy
