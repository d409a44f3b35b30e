"""OpenTelemetry for both clients: a span and GenAI metrics per call.

Turn it on with ``OpenAI(telemetry="otel")`` or ``instrument(client)`` on an
existing client; it needs the optional ``opentelemetry-api`` package
(``pip install "openai-accel[otel]"``) and whatever SDK/exporter the
application configures. Names follow the OpenTelemetry GenAI semantic
conventions:

- a span per call named ``"{gen_ai.operation.name} {gen_ai.request.model}"``
  (``chat gpt-4o-mini``), kind CLIENT, with ``gen_ai.operation.name``,
  ``gen_ai.provider.name`` and the older ``gen_ai.system`` (both ``openai``),
  ``gen_ai.request.model``, ``gen_ai.response.model``, ``gen_ai.response.id``,
  ``gen_ai.response.finish_reasons``, ``gen_ai.usage.input_tokens`` /
  ``output_tokens``, ``server.address``, ``server.port`` and, on failure,
  ``error.type`` with an ERROR status; a stream also gets the
  ``gen_ai.response.time_to_first_chunk`` attribute and a
  ``gen_ai.first_chunk`` event at that moment;
- histograms ``gen_ai.client.operation.duration`` (s),
  ``gen_ai.client.token.usage`` ({token}, with ``gen_ai.token.type`` =
  ``input`` / ``output``) and, for streams,
  ``gen_ai.client.operation.time_to_first_chunk`` (s).

Why a metrics sink rather than a wrapper around every call: the recorder
already sees every request exactly once (refusals by the queue or the breaker
included) with its timings, tokens and outcome, in both clients, so telemetry
is one more consumer of that record, like StatsD, and costs nothing when off.
The span is written when the request is over, with the request's real start
and end timestamps; it is parented on the context that is current when the
call finishes, which for a call (or a stream read to its end) in the caller's
task or thread is the caller's span.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from ._core.metrics import MetricsRecorder, NullRecorder, RequestMetrics

__all__ = ["TELEMETRY_CHOICES", "OTelSink", "instrument", "operation_name", "telemetry_sinks"]

_INSTRUMENTATION = "openai_accel"
_PROVIDER = "openai"

#: request type -> ``gen_ai.operation.name`` (well-known values where one exists).
_OPERATIONS: Dict[str, str] = {
    "chat": "chat",
    "chat_stream": "chat",
    "embedding": "embeddings",
}

_TOKEN_BUCKETS: Sequence[float] = tuple(float(4**i) for i in range(14))  # 1 .. 4**13
_DURATION_BUCKETS: Sequence[float] = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip


def operation_name(request_type: str) -> str:
    """The ``gen_ai.operation.name`` of a request type (``chat_stream`` -> ``chat``)."""
    return _OPERATIONS.get(request_type, request_type)


def _server(base_url: str) -> Tuple[Optional[str], Optional[int]]:
    parts = urlsplit(base_url)
    if not parts.hostname:
        return None, None
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.hostname, port


def _import_otel() -> Tuple[Any, Any]:
    try:
        from opentelemetry import metrics, trace
    except ImportError as exc:
        raise ImportError(
            "telemetry='otel' needs the opentelemetry-api package: "
            'pip install "openai-accel[otel]"'
        ) from exc
    return trace, metrics


class OTelSink:
    """A :class:`~openai_accel._core.metrics.MetricsSink` that writes spans and GenAI metrics.

    ``tracer_provider`` / ``meter_provider`` default to the global ones set by
    the application (``opentelemetry.trace.set_tracer_provider`` ...).
    """

    def __init__(
        self,
        base_url: str,
        *,
        tracer_provider: Any = None,
        meter_provider: Any = None,
    ) -> None:
        trace, metrics = _import_otel()
        from . import __version__

        self._trace = trace
        self._tracer = trace.get_tracer(_INSTRUMENTATION, __version__, tracer_provider)
        meter = metrics.get_meter(_INSTRUMENTATION, __version__, meter_provider)
        self._duration = _histogram(
            meter, "gen_ai.client.operation.duration", "s", "GenAI operation duration.",
            _DURATION_BUCKETS,
        )  # fmt: skip
        self._tokens = _histogram(
            meter, "gen_ai.client.token.usage", "{token}", "Input and output tokens used.",
            _TOKEN_BUCKETS,
        )  # fmt: skip
        self._first_chunk = _histogram(
            meter,
            "gen_ai.client.operation.time_to_first_chunk",
            "s",
            "Time from issuing a streamed request to receiving its first chunk.",
            _DURATION_BUCKETS,
        )
        self.server_address, self.server_port = _server(base_url)

    def _common(self, m: RequestMetrics) -> Dict[str, Any]:
        attributes: Dict[str, Any] = {
            "gen_ai.operation.name": operation_name(m.request_type),
            "gen_ai.provider.name": _PROVIDER,
            "gen_ai.system": _PROVIDER,
        }
        if m.model:
            attributes["gen_ai.request.model"] = m.model
        if m.response_model:
            attributes["gen_ai.response.model"] = m.response_model
        if self.server_address:
            attributes["server.address"] = self.server_address
            if self.server_port is not None:
                attributes["server.port"] = self.server_port
        if not m.success:
            attributes["error.type"] = m.error_type or "_OTHER"
        return attributes

    def emit(self, m: RequestMetrics) -> None:
        """Write the span and record the metrics of one finished request."""
        common = self._common(m)
        self._write_span(m, common)
        if m.duration is not None:
            self._duration.record(m.duration, common)
        if m.time_to_first_token is not None:
            self._first_chunk.record(m.time_to_first_token, common)
        for kind, count in (("input", m.input_tokens), ("output", m.output_tokens)):
            if count is not None:
                self._tokens.record(count, {**common, "gen_ai.token.type": kind})

    def _write_span(self, m: RequestMetrics, common: Dict[str, Any]) -> None:
        attributes = dict(common)
        if m.response_id:
            attributes["gen_ai.response.id"] = m.response_id
        if m.finish_reasons:
            attributes["gen_ai.response.finish_reasons"] = list(m.finish_reasons)
        if m.input_tokens is not None:
            attributes["gen_ai.usage.input_tokens"] = m.input_tokens
        if m.output_tokens is not None:
            attributes["gen_ai.usage.output_tokens"] = m.output_tokens
        if m.time_to_first_token is not None:
            attributes["gen_ai.response.time_to_first_chunk"] = m.time_to_first_token
        if m.status_code is not None:
            attributes["http.response.status_code"] = m.status_code
        start_ns = int(m.start_time * 1e9)
        name = common["gen_ai.operation.name"]
        span = self._tracer.start_span(
            f"{name} {m.model}" if m.model else name,
            kind=self._trace.SpanKind.CLIENT,
            start_time=start_ns,
            attributes=attributes,
        )
        if m.time_to_first_token is not None:
            span.add_event(
                "gen_ai.first_chunk", timestamp=start_ns + int(m.time_to_first_token * 1e9)
            )
        if not m.success:
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, m.error_type))
        end = m.end_time if m.end_time is not None else m.start_time
        span.end(end_time=int(end * 1e9))

    def gauge(self, name: str, value: float) -> None:
        """Queue and breaker gauges are StatsD's job; OpenTelemetry gets per-call data only."""


def _histogram(meter: Any, name: str, unit: str, description: str, buckets: Sequence[float]) -> Any:
    """A histogram with the semantic conventions' advised buckets where the API supports them."""
    try:
        return meter.create_histogram(
            name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
        )
    except TypeError:  # opentelemetry-api < 1.23: no advisory parameter
        return meter.create_histogram(name, unit=unit, description=description)


def instrument(client: Any, *, tracer_provider: Any = None, meter_provider: Any = None) -> OTelSink:
    """Add OpenTelemetry to an existing ``OpenAI`` / ``AsyncOpenAI`` (idempotent).

    Returns the client's sink (the one already installed, if any). Calls that
    start after this returns are traced; a client built with
    ``request_tracking=False`` and no sink gets a recorder that feeds the sink
    without keeping records.
    """
    ctx = client._ctx
    recorder: MetricsRecorder = ctx.recorder
    for sink in recorder.sinks:
        if isinstance(sink, OTelSink):
            return sink
    sink = OTelSink(
        ctx.config.base_url, tracer_provider=tracer_provider, meter_provider=meter_provider
    )
    if isinstance(recorder, NullRecorder):
        ctx.recorder = MetricsRecorder(None, [sink])
    else:
        recorder.sinks = (*recorder.sinks, sink)
    return sink


#: Values of the ``telemetry=`` client option.
TELEMETRY_CHOICES = (None, "otel")


def telemetry_sinks(telemetry: Optional[str], base_url: str) -> Sequence[OTelSink]:
    """The sinks for the ``telemetry=`` client option (ValueError for an unknown value)."""
    if telemetry not in TELEMETRY_CHOICES:
        raise ValueError(f"telemetry must be None or 'otel', got {telemetry!r}")
    return [OTelSink(base_url)] if telemetry == "otel" else []
