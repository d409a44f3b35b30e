"""ClientCore: one client's settings and sans-I/O state, shared by all its flows."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import attrs

from .._config import ClientConfig, base_headers
from ..errors import ClientClosedError
from .admission import AdmissionState
from .breaker import CircuitBreakerProtocol
from .effects import Flow
from .http import HttpRequest
from .metrics import (
    GAUGE_BREAKER_STATE,
    GAUGE_QUEUE_RUNNING,
    GAUGE_QUEUE_WAITING,
    MetricsRecorder,
    breaker_state_value,
)
from .request import ApiCall, build_request
from .retry import RetrySettings
from .target import BaseUrlRoutes, BearerAuth, RequestTarget

__all__ = ["ClientCore", "openai_target"]


@attrs.define(repr=False)
class ClientCore:
    config: ClientConfig
    breaker: Optional[CircuitBreakerProtocol]
    recorder: MetricsRecorder
    admission: AdmissionState
    #: Where requests go and how they authenticate (OpenAI by default; Azure sets its own).
    target: Optional[RequestTarget] = None
    #: The rate budget (``_core.budget_flow.BudgetGuard``); None when rate_limits=False.
    budget: Optional[Any] = None
    base_headers: Dict[str, str] = attrs.field(init=False)
    #: Set by the client's close(): every later request is refused (edges).
    closed: bool = attrs.field(init=False, default=False)

    def __attrs_post_init__(self) -> None:
        # Computed once: no request formats headers or reads the key again.
        self.base_headers = base_headers(self.config)
        if self.target is None:
            self.target = openai_target(self.config)

    def __repr__(self) -> str:
        return f"ClientCore(base_url={self.config.base_url!r})"

    @property
    def retry(self) -> RetrySettings:
        return self.config.retry

    @property
    def on_retry(self) -> Optional[Callable[..., Any]]:
        return self.config.on_retry

    def publish_gauges(self) -> None:
        """Queue and breaker gauges to the recorder's sinks, after a record is finished.

        The pipeline finishes the record itself (``recorder.finish`` with the
        outcome's keywords: no dict of them per call) and calls this only when
        there are sinks.
        """
        recorder = self.recorder
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

    def authorize(self) -> Flow[None]:
        """Obtain a credential if the target needs one now (a token provider's call)."""
        assert self.target is not None
        return self.target.auth.authorize()

    def build(self, call: ApiCall) -> HttpRequest:
        if self.closed:
            raise ClientClosedError(
                "this client is closed: calls after close()/aclose() are refused; "
                "create a new client (or close it only when you are done with it)"
            )
        assert self.target is not None
        return build_request(
            call,
            target=self.target,
            base_headers=self.base_headers,
            default_timeout=self.config.timeout,
        )


def openai_target(config: ClientConfig) -> RequestTarget:
    """OpenAI (or a compatible server): ``base_url + path`` and ``Authorization: Bearer``."""
    key = config.api_key
    return RequestTarget(
        BaseUrlRoutes(config.base_url), BearerAuth(key.reveal() if key is not None else None)
    )
