"""ClientCore: one client's settings and sans-I/O state, shared by all its flows."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import attrs

from .._config import ClientConfig, base_headers
from .admission import AdmissionState
from .breaker import CircuitBreakerProtocol
from .http import HttpRequest
from .metrics import (
    GAUGE_BREAKER_STATE,
    GAUGE_QUEUE_RUNNING,
    GAUGE_QUEUE_WAITING,
    MetricsRecorder,
    RequestMetrics,
    breaker_state_value,
)
from .request import ApiCall, build_request
from .retry import RetrySettings

__all__ = ["ClientCore"]


@attrs.define(repr=False)
class ClientCore:
    config: ClientConfig
    breaker: Optional[CircuitBreakerProtocol]
    recorder: MetricsRecorder
    admission: AdmissionState
    #: The rate budget (``_core.budget_flow.BudgetGuard``); None when rate_limits=False.
    budget: Optional[Any] = None
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

    def finish_metrics(self, m: RequestMetrics, **outcome: Any) -> None:
        """Close a request's record; with sinks, also publish queue and breaker gauges."""
        recorder = self.recorder
        recorder.finish(m, **outcome)
        if recorder.sinks:
            admission = self.admission
            recorder.gauge(GAUGE_QUEUE_RUNNING, admission.running)
            recorder.gauge(GAUGE_QUEUE_WAITING, admission.waiting)
            if self.breaker is not None:
                recorder.gauge(GAUGE_BREAKER_STATE, breaker_state_value(self.breaker.state))

    def close(self) -> None:
        """Release what the sinks hold (the StatsD socket)."""
        for sink in self.recorder.sinks:
            close = getattr(sink, "close", None)
            if close is not None:
                close()

    def build(self, call: ApiCall) -> HttpRequest:
        return build_request(
            call,
            base_url=self.config.base_url,
            base_headers=self.base_headers,
            auth_header=self.auth_header,
            default_timeout=self.config.timeout,
        )
