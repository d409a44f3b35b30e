"""Client settings: arguments, the original SDK's metadata dict and the environment.

Resolved once per client, so no request ever scans the environment. The API
key is held in a :class:`Secret` whose ``repr`` and ``str`` never show it,
which keeps it out of reprs, logs, exceptions and metrics by construction.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

import attrs

from ._core.http import Timeout
from ._core.network import NetworkSettings, ProxyArg, resolve_network
from ._core.retry import RetrySettings

__all__ = ["DEFAULT_BASE_URL", "ClientConfig", "Secret", "resolve_config"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"

TimeoutArg = Union[None, float, Tuple[Optional[float], Optional[float]], Timeout]


class Secret:
    """A string that refuses to be printed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


@attrs.frozen
class ClientConfig:
    api_key: Optional[Secret]
    base_url: str
    organization: Optional[str]
    project: Optional[str]
    timeout: Timeout
    retry: RetrySettings
    max_concurrent_requests: int
    queue_size: int
    queue_timeout: Optional[float]
    request_tracking: bool
    metrics_retention: float
    metrics_prefix: str
    default_headers: Mapping[str, str]
    on_retry: Optional[Callable[..., None]] = None
    # edges: proxies and CA bundle, resolved from proxy=/ca_bundle= and the environment.
    network: NetworkSettings = attrs.field(factory=NetworkSettings)


def _check_count(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r:.40}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def _pick(*candidates: Optional[str]) -> Optional[str]:
    for value in candidates:
        if value:
            return value
    return None


def resolve_config(
    *,
    resources: Optional[Mapping[str, Any]],
    metadata: Optional[Mapping[str, Any]],
    api_key: Optional[str],
    base_url: Optional[str],
    organization: Optional[str],
    project: Optional[str],
    timeout: TimeoutArg,
    max_retries: int,
    initial_retry_delay: float,
    backoff_factor: float,
    max_retry_delay: float,
    jitter: bool,
    max_concurrent_requests: int,
    queue_size: int,
    queue_timeout: Optional[float],
    request_tracking: bool,
    metrics_retention: float,
    metrics_prefix: str,
    default_headers: Optional[Mapping[str, str]],
    on_retry: Optional[Callable[..., None]],
    env: Optional[Mapping[str, str]] = None,
    proxy: ProxyArg = None,
    ca_bundle: Optional[str] = None,
) -> ClientConfig:
    """Explicit argument > ``metadata`` entry > environment variable > default."""
    if resources is not None and not isinstance(resources, Mapping):
        raise TypeError(
            "the first positional argument is the resources mapping of the original SDK; "
            "pass the key as api_key=..."
        )
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError("metadata must be a mapping such as {'openai_api_key': 'sk-...'}")
    env = os.environ if env is None else env
    meta: Mapping[str, Any] = metadata or {}
    key = _pick(api_key, meta.get("openai_api_key"), meta.get("api_key"), env.get("OPENAI_API_KEY"))
    url = _pick(
        base_url, meta.get("openai_base_url"), meta.get("base_url"), env.get("OPENAI_BASE_URL")
    )
    _check_count("max_concurrent_requests", max_concurrent_requests, 1)
    _check_count("queue_size", queue_size, 0)
    if metrics_retention <= 0:
        raise ValueError("metrics_retention must be positive")
    return ClientConfig(
        api_key=Secret(key) if key else None,
        base_url=(url or DEFAULT_BASE_URL).rstrip("/"),
        organization=_pick(organization, meta.get("openai_organization"), env.get("OPENAI_ORG_ID")),
        project=_pick(project, meta.get("openai_project"), env.get("OPENAI_PROJECT_ID")),
        timeout=Timeout.of(timeout),
        retry=RetrySettings(
            max_retries=max_retries,
            initial_retry_delay=initial_retry_delay,
            backoff_factor=backoff_factor,
            max_retry_delay=max_retry_delay,
            jitter=jitter,
        ),
        max_concurrent_requests=max_concurrent_requests,
        queue_size=queue_size,
        queue_timeout=queue_timeout,
        request_tracking=request_tracking,
        metrics_retention=metrics_retention,
        metrics_prefix=metrics_prefix,
        default_headers=dict(default_headers or {}),
        on_retry=on_retry,
        network=resolve_network(proxy, ca_bundle, env),
    )


def base_headers(config: ClientConfig) -> Dict[str, str]:
    """Headers every request carries; computed once per client."""
    from . import __version__

    headers = {
        "Accept": "application/json",
        "User-Agent": f"openai-accel/{__version__}",
    }
    if config.organization:
        headers["OpenAI-Organization"] = config.organization
    if config.project:
        headers["OpenAI-Project"] = config.project
    headers.update(config.default_headers)
    return headers
