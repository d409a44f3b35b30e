"""ClientCore: one client's settings and sans-I/O state, shared by all its flows."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import attrs

from .._config import ClientConfig, base_headers
from .admission import AdmissionState
from .breaker import CircuitBreakerProtocol
from .http import HttpRequest
from .metrics import MetricsRecorder
from .request import ApiCall, build_request
from .retry import RetrySettings

__all__ = ["ClientCore"]


@attrs.define(repr=False)
class ClientCore:
    config: ClientConfig
    breaker: Optional[CircuitBreakerProtocol]
    recorder: MetricsRecorder
    admission: AdmissionState
    base_headers: Dict[str, str] = attrs.field(init=False)
    auth_header: Optional[str] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        # Computed once: no request formats headers or reads the key again.
        self.base_headers = base_headers(self.config)
        key = self.config.api_key
        self.auth_header = f"Bearer {key.reveal()}" if key is not None else None

    def __repr__(self) -> str:
        return f"ClientCore(base_url={self.config.base_url!r})"

    @property
    def retry(self) -> RetrySettings:
        return self.config.retry

    @property
    def on_retry(self) -> Optional[Callable[..., Any]]:
        return self.config.on_retry

    def build(self, call: ApiCall) -> HttpRequest:
        return build_request(
            call,
            base_url=self.config.base_url,
            base_headers=self.base_headers,
            auth_header=self.auth_header,
            default_timeout=self.config.timeout,
        )
