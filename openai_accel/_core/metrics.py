"""Per-request metrics: the recorder, the sink interface and the gauges.

Pure bookkeeping, no I/O: the pipeline calls :meth:`MetricsRecorder.start` before
a request (even one the queue or the breaker will refuse, so refusals are counted
too), :meth:`MetricsRecorder.first_token` when a stream yields its first delta and
:meth:`MetricsRecorder.finish` exactly once when the request is over. Finished
records go to a :class:`MetricsStore` (``client.recent_requests`` and
``client.metrics_summary()``) and to zero or more :class:`MetricsSink` objects
(StatsD lives in :mod:`openai_accel.statsd_sink`; it does the I/O, not this module).

The record lives in :mod:`.metrics_record`, the bounded store in
:mod:`.metrics_store` and the ``metrics_summary()`` aggregation in
:mod:`.metrics_stats`; this module re-exports them, so importers need only it.

Why a separate :class:`NullRecorder`: with ``request_tracking=False`` and no
sink, the pipeline still calls the same three methods, and they must cost
nothing: no clock reads, no allocation, no lock.
"""

import itertools
import logging
import os
import time
import types
from typing import Any, Callable, Dict, Mapping, Optional, Protocol, Sequence, Tuple

from .metrics_record import INERT_RECORD, RequestMetrics, note_reply, tokens_from_usage
from .metrics_stats import UNKNOWN_MODEL, percentile, summarize
from .metrics_store import MetricsStore, check_limits

__all__ = [
    "BREAKER_STATE_VALUES",
    "GAUGE_BREAKER_STATE",
    "GAUGE_QUEUE_RUNNING",
    "GAUGE_QUEUE_WAITING",
    "UNKNOWN_MODEL",
    "MetricsRecorder",
    "MetricsSink",
    "MetricsStore",
    "NullRecorder",
    "RequestMetrics",
    "breaker_state_value",
    "make_recorder",
    "note_reply",
    "percentile",
    "summarize",
    "tokens_from_usage",
]

_log = logging.getLogger("openai_accel")

#: Gauge names (without the metrics prefix) the pipeline reports through
#: :meth:`MetricsRecorder.gauge`; sinks add their own prefix.
GAUGE_QUEUE_RUNNING = "queue.running"
GAUGE_QUEUE_WAITING = "queue.waiting"
GAUGE_BREAKER_STATE = "breaker.state"

#: Numeric encoding of the breaker state for gauges: dashboards can alert on
#: ``> 0`` (not closed) and ``== 2`` (open) without knowing any string values.
BREAKER_STATE_VALUES: Mapping[str, int] = types.MappingProxyType(
    {"closed": 0, "half_open": 1, "half-open": 1, "open": 2}
)


def breaker_state_value(state: Any) -> int:
    """Map a breaker state (a string or a str-valued enum) to its gauge value.

    Accepting an enum's ``.value`` or ``.name`` keeps this independent of how the
    breaker module spells its states. An unknown state maps to 2 (open): a gauge
    that over-reports trouble is safer than one that hides it.
    """
    for candidate in (getattr(state, "value", None), getattr(state, "name", None), state):
        if isinstance(candidate, str):
            found = BREAKER_STATE_VALUES.get(candidate.lower())
            if found is not None:
                return found
    return 2


class MetricsSink(Protocol):
    """Where finished records and gauges go besides the store (StatsD, tests...).

    Implementations must be cheap and must not block; the recorder also guards
    every call, so a raising sink never reaches the caller.
    """

    def emit(self, m: RequestMetrics) -> None:
        """Report one finished request."""

    def gauge(self, name: str, value: float) -> None:
        """Report a point-in-time value such as queue depth (``name`` has no prefix)."""


_EMPTY: Mapping[str, RequestMetrics] = types.MappingProxyType({})


class MetricsRecorder:
    """Stamps records and hands finished ones to the store and the sinks.

    ``store`` is None when ``request_tracking=False`` but sinks still want every
    request. ``clock`` (monotonic) and ``wall_clock`` are injectable so tests
    never sleep. Sink failures are swallowed (logged once at DEBUG): metrics must
    never turn a successful request into an exception.
    """

    enabled = True

    def __init__(
        self,
        store: Optional[MetricsStore] = None,
        sinks: Sequence[MetricsSink] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.sinks: Tuple[MetricsSink, ...] = tuple(sinks)
        self._clock = clock
        self._wall_clock = wall_clock
        # A per-recorder token keeps ids from different clients/processes apart
        # when users merge records; the counter keeps them cheap and ordered.
        self._id_prefix = f"req-{os.urandom(3).hex()}-"
        self._ids = itertools.count(1)
        self._sink_failure_logged = False

    def start(
        self, request_type: str, model: Optional[str], request_size: int = 0
    ) -> RequestMetrics:
        """Open a record for a request that is about to be admitted and sent."""
        return RequestMetrics(
            request_id=f"{self._id_prefix}{next(self._ids)}",
            request_type=request_type,
            start_time=self._wall_clock(),
            model=model,
            request_size=request_size,
            monotonic_start=self._clock(),
        )

    def first_token(self, m: RequestMetrics) -> None:
        """Stamp time to first token; later calls keep the first value."""
        if m.time_to_first_token is None:
            m.time_to_first_token = self._clock() - m.monotonic_start

    def finish(
        self,
        m: RequestMetrics,
        *,
        success: bool,
        status_code: Optional[int] = None,
        error: Optional[BaseException] = None,
        usage: Optional[Mapping[str, Any]] = None,
        response_size: int = 0,
        retry_count: int = 0,
        server_request_id: Optional[str] = None,
    ) -> None:
        """Close the record and publish it (store, then sinks).

        ``status_code`` and ``server_request_id`` default to the error's own
        ``status_code`` / ``request_id`` attributes, so the pipeline can pass
        just the exception it is about to raise.
        """
        duration = self._clock() - m.monotonic_start
        m.duration = duration
        m.end_time = m.start_time + duration
        m.success = success
        if error is not None:
            m.error_type = type(error).__name__
            if status_code is None:
                status_code = getattr(error, "status_code", None)
            if server_request_id is None:
                rid = getattr(error, "request_id", None)
                server_request_id = rid if isinstance(rid, str) else None
        m.status_code = status_code if isinstance(status_code, int) else None
        m.server_request_id = server_request_id
        m.retry_count = retry_count
        m.response_size = response_size
        if usage:
            m.input_tokens, m.output_tokens, m.total_tokens = tokens_from_usage(usage)
        if self.store is not None:
            self.store.add(m)
        for sink in self.sinks:
            try:
                sink.emit(m)
            except Exception:
                self._sink_failed()

    def gauge(self, name: str, value: float) -> None:
        """Forward a gauge (``GAUGE_*`` names) to every sink; the store keeps none."""
        for sink in self.sinks:
            try:
                sink.gauge(name, value)
            except Exception:
                self._sink_failed()

    def _sink_failed(self) -> None:
        if not self._sink_failure_logged:
            self._sink_failure_logged = True
            _log.debug("a metrics sink raised; ignoring (logged once)", exc_info=True)

    @property
    def recent_requests(self) -> Mapping[str, RequestMetrics]:
        """Read-only copy of the stored records (empty when tracking is off)."""
        return self.store.snapshot() if self.store is not None else _EMPTY

    def summary(self) -> Dict[str, Any]:
        """``metrics_summary()``: aggregates of the stored records."""
        if self.store is not None:
            return self.store.summary()
        return summarize([], 0.0)


class NullRecorder(MetricsRecorder):
    """Recorder for ``request_tracking=False`` with no sink: every call is a no-op.

    ``start`` returns one shared frozen record, so the hot path allocates
    nothing and reads no clock. Check ``enabled`` to skip work (such as
    measuring sizes) whose only consumer would be metrics.
    """

    enabled = False

    def __init__(self) -> None:
        super().__init__(None, ())

    def start(
        self, request_type: str, model: Optional[str], request_size: int = 0
    ) -> RequestMetrics:
        return INERT_RECORD

    def first_token(self, m: RequestMetrics) -> None:
        return None

    def finish(
        self,
        m: RequestMetrics,
        *,
        success: bool,
        status_code: Optional[int] = None,
        error: Optional[BaseException] = None,
        usage: Optional[Mapping[str, Any]] = None,
        response_size: int = 0,
        retry_count: int = 0,
        server_request_id: Optional[str] = None,
    ) -> None:
        return None

    def gauge(self, name: str, value: float) -> None:
        return None


def make_recorder(
    request_tracking: bool = True,
    metrics_retention: float = 3600.0,
    sinks: Sequence[MetricsSink] = (),
    *,
    max_entries: int = 10_000,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
) -> MetricsRecorder:
    """The recorder a client should use for its constructor arguments.

    Tracking off and no sink -> :class:`NullRecorder` (nothing on the hot path);
    tracking off with sinks -> records reach the sinks but are not kept.
    Limits are validated even when tracking is off, so a bad value is reported
    at construction rather than when someone turns tracking on.
    """
    check_limits(metrics_retention, max_entries)
    if not request_tracking and not sinks:
        return NullRecorder()
    store = MetricsStore(metrics_retention, max_entries, clock) if request_tracking else None
    return MetricsRecorder(store, sinks, clock=clock, wall_clock=wall_clock)
