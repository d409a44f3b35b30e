"""Per-request metrics: the record, the bounded in-memory store, and the sink interface.

Pure bookkeeping, no I/O: the pipeline calls :meth:`MetricsRecorder.start` before
a request (even one the queue or the breaker will refuse, so refusals are counted
too), :meth:`MetricsRecorder.first_token` when a stream yields its first delta and
:meth:`MetricsRecorder.finish` exactly once when the request is over. Finished
records go to a :class:`MetricsStore` (``client.recent_requests`` and
``client.metrics_summary()``) and to zero or more :class:`MetricsSink` objects
(StatsD lives in :mod:`openai_accel.statsd_sink`; it does the I/O, not this module).

Why a store of its own instead of an unbounded dict: a busy client makes
thousands of requests a minute, and ``recent_requests`` must not grow without
bound. Entries expire ``retention`` seconds after they were stored and the
oldest go first when the entry cap is reached; both are enforced on insert (and
on read) in amortised O(1), so no background thread is needed.

Why a separate :class:`NullRecorder`: with ``request_tracking=False`` and no
sink, the pipeline still calls the same three methods, and they must cost
nothing: no clock reads, no allocation, no lock.
"""

import itertools
import logging
import math
import os
import threading
import time
import types
from collections import OrderedDict
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
)

import attrs

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


@attrs.define
class RequestMetrics:
    """What one request did, success or failure.

    ``start_time`` / ``end_time`` are wall-clock (``time.time()``) so they can be
    shown and correlated with logs; ``duration`` and ``time_to_first_token`` are
    measured with a monotonic clock so a wall-clock step cannot make them
    negative. ``end_time`` is ``start_time + duration`` for the same reason.
    Sizes are bytes on the wire (request body sent, response body received);
    ``server_request_id`` is the server's ``x-request-id`` when there was a reply.
    """

    request_id: str
    request_type: str
    start_time: float
    end_time: Optional[float] = None
    duration: Optional[float] = None
    success: bool = False
    model: Optional[str] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    total_tokens: Optional[int] = None
    error_type: Optional[str] = None
    retry_count: int = 0
    request_size: int = 0
    response_size: int = 0
    status_code: Optional[int] = None
    time_to_first_token: Optional[float] = None
    server_request_id: Optional[str] = None
    # obs (telemetry): what the reply said about itself, for spans; see note_reply().
    response_model: Optional[str] = None
    response_id: Optional[str] = None
    finish_reasons: Optional[Tuple[str, ...]] = None
    # Monotonic start, only meaningful to the recorder that made the record.
    monotonic_start: float = attrs.field(default=0.0, repr=False, eq=False)


@attrs.frozen
class _InertRequestMetrics(RequestMetrics):
    """The one shared record the :class:`NullRecorder` hands out.

    Frozen so that a pipeline bug writing into it fails loudly instead of
    leaking data between unrelated requests through a shared object.
    """


_INERT = _InertRequestMetrics(request_id="", request_type="", start_time=0.0)


def _as_count(value: Any) -> Optional[int]:
    """An int token count, or None for anything else (bools, strings, floats...).

    Usage comes from the server; a malformed value must not break metrics or
    the caller, it is simply not counted.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def tokens_from_usage(
    usage: Optional[Mapping[str, Any]],
) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """Read ``(input, output, total)`` tokens from any OpenAI ``usage`` shape.

    Shapes: chat completions ``prompt_tokens`` / ``completion_tokens`` /
    ``total_tokens``; the Responses API and token-billed transcription
    ``input_tokens`` / ``output_tokens`` / ``total_tokens``; embeddings
    ``prompt_tokens`` + ``total_tokens`` (no output); whisper's
    ``{"type": "duration", "seconds": N}`` carries no tokens at all. A missing
    total is the sum of input and output when both are known.
    """
    if not usage or not isinstance(usage, Mapping):
        return None, None, None
    inp = _as_count(usage.get("prompt_tokens"))
    if inp is None:
        inp = _as_count(usage.get("input_tokens"))
    out = _as_count(usage.get("completion_tokens"))
    if out is None:
        out = _as_count(usage.get("output_tokens"))
    total = _as_count(usage.get("total_tokens"))
    if total is None and inp is not None and out is not None:
        total = inp + out
    return inp, out, total


def note_reply(m: RequestMetrics, reply: Mapping[str, Any]) -> None:
    """Copy the reply's ``model``, ``id`` and choices' ``finish_reason`` into ``m``.

    Only strings are taken (the server decides these fields; a malformed value
    is dropped, never raised), so a telemetry sink can report them as span
    attributes without parsing the reply again.
    """
    model, rid = reply.get("model"), reply.get("id")
    m.response_model = model if isinstance(model, str) else None
    m.response_id = rid if isinstance(rid, str) else None
    choices = reply.get("choices")
    if isinstance(choices, list):
        reasons = [c.get("finish_reason") for c in choices if isinstance(c, Mapping)]
        m.finish_reasons = tuple(r for r in reasons if isinstance(r, str)) or None


class MetricsSink(Protocol):
    """Where finished records and gauges go besides the store (StatsD, tests...).

    Implementations must be cheap and must not block; the recorder also guards
    every call, so a raising sink never reaches the caller.
    """

    def emit(self, m: RequestMetrics) -> None:
        """Report one finished request."""

    def gauge(self, name: str, value: float) -> None:
        """Report a point-in-time value such as queue depth (``name`` has no prefix)."""


def percentile(sorted_values: Sequence[float], pct: float) -> Optional[float]:
    """Linear-interpolated percentile of already-sorted values (None when empty).

    Linear interpolation between closest ranks (numpy's default) keeps p99 of a
    small sample meaningful instead of snapping to the maximum.
    """
    n = len(sorted_values)
    if n == 0:
        return None
    rank = (pct / 100.0) * (n - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, n - 1)
    frac = rank - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def _group_stats(records: Iterable[RequestMetrics]) -> Dict[str, Any]:
    """Counts, error rate, latency percentiles and token totals of some records."""
    count = successes = retries = 0
    durations: List[float] = []
    ttfts: List[float] = []
    errors_by_type: Dict[str, int] = {}
    inp_sum = out_sum = total_sum = 0
    with_tokens = 0
    for m in records:
        count += 1
        retries += m.retry_count
        if m.success:
            successes += 1
        else:
            key = m.error_type or "unknown"
            errors_by_type[key] = errors_by_type.get(key, 0) + 1
        if m.duration is not None:
            durations.append(m.duration)
        if m.time_to_first_token is not None:
            ttfts.append(m.time_to_first_token)
        if m.input_tokens is not None:
            inp_sum += m.input_tokens
        if m.output_tokens is not None:
            out_sum += m.output_tokens
        if m.total_tokens is not None:
            total_sum += m.total_tokens
            with_tokens += 1
    durations.sort()
    ttfts.sort()
    errors = count - successes
    return {
        "count": count,
        "successes": successes,
        "errors": errors,
        "error_rate": errors / count if count else 0.0,
        "errors_by_type": errors_by_type,
        "retries": retries,
        "latency_p50": percentile(durations, 50),
        "latency_p95": percentile(durations, 95),
        "latency_p99": percentile(durations, 99),
        "time_to_first_token_p50": percentile(ttfts, 50),
        "input_tokens": inp_sum,
        "output_tokens": out_sum,
        "total_tokens": total_sum,
        # Over requests that reported usage: failures carry no tokens and would
        # otherwise drag the mean down.
        "mean_tokens_per_request": total_sum / with_tokens if with_tokens else None,
    }


#: Key used in summaries for records whose model is unknown (e.g. refused early).
UNKNOWN_MODEL = "unknown"


def summarize(records: Sequence[RequestMetrics], retention: float) -> Dict[str, Any]:
    """Build the ``metrics_summary()`` dictionary from finished records.

    Shape: ``{"window_seconds", "requests", "overall": stats, "by_type": {type:
    stats}, "by_type_and_model": {type: {model: stats}}}``, where ``stats`` has
    count, successes, errors, error_rate, errors_by_type, retries,
    latency_p50/p95/p99 (seconds), time_to_first_token_p50, input/output/total
    tokens and mean_tokens_per_request. Nested plain dicts (not tuple keys) so
    the result serialises to JSON as is.
    """
    by_type: Dict[str, List[RequestMetrics]] = {}
    by_model: Dict[str, Dict[str, List[RequestMetrics]]] = {}
    for m in records:
        by_type.setdefault(m.request_type, []).append(m)
        models = by_model.setdefault(m.request_type, {})
        models.setdefault(m.model or UNKNOWN_MODEL, []).append(m)
    return {
        "window_seconds": retention,
        "requests": len(records),
        "overall": _group_stats(records),
        "by_type": {rt: _group_stats(ms) for rt, ms in sorted(by_type.items())},
        "by_type_and_model": {
            rt: {model: _group_stats(ms) for model, ms in sorted(models.items())}
            for rt, models in sorted(by_model.items())
        },
    }


def _check_limits(retention: float, max_entries: int) -> None:
    if not (isinstance(retention, (int, float)) and retention >= 0 and math.isfinite(retention)):
        raise ValueError(f"metrics_retention must be a finite number >= 0, got {retention!r}")
    if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
        raise ValueError(f"max_entries must be an int >= 1, got {max_entries!r}")


class MetricsStore:
    """Thread-safe, bounded, time-windowed map of request id -> finished record.

    An entry expires ``retention`` seconds (by ``clock``, monotonic) after it
    was stored, i.e. after its request finished; at most ``max_entries`` are
    kept, the oldest dropped first. Insertion order equals expiry order, so
    pruning pops from the front of an ``OrderedDict``: amortised O(1) per insert.
    """

    def __init__(
        self,
        retention: float = 3600.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_limits(retention, max_entries)
        self.retention = float(retention)
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, Tuple[float, RequestMetrics]] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            self._prune(self._clock())
            return len(self._entries)

    def _prune(self, now: float) -> None:
        """Drop expired entries and any beyond the cap (caller holds the lock)."""
        entries = self._entries
        cutoff = now - self.retention
        while entries:
            stored_at, _ = next(iter(entries.values()))
            if stored_at >= cutoff and len(entries) <= self.max_entries:
                break
            entries.popitem(last=False)

    def add(self, m: RequestMetrics) -> None:
        """Store a finished record (replacing one with the same id) and prune."""
        with self._lock:
            now = self._clock()
            entries = self._entries
            entries.pop(m.request_id, None)
            entries[m.request_id] = (now, m)
            self._prune(now)

    def clear(self) -> None:
        """Forget everything (e.g. between benchmark phases)."""
        with self._lock:
            self._entries.clear()

    def records(self) -> List[RequestMetrics]:
        """Live records, oldest first (a new list; the records themselves are shared)."""
        with self._lock:
            self._prune(self._clock())
            return [m for _, m in self._entries.values()]

    def snapshot(self) -> Mapping[str, RequestMetrics]:
        """A read-only copy of the live entries, oldest first, for ``recent_requests``.

        A copy, so iterating it never races with requests finishing in other
        threads; read-only, so nobody mistakes it for a way to edit the store.
        """
        with self._lock:
            self._prune(self._clock())
            return types.MappingProxyType({rid: m for rid, (_, m) in self._entries.items()})

    def summary(self) -> Dict[str, Any]:
        """Aggregate the live entries (see :func:`summarize`); computed outside the lock."""
        return summarize(self.records(), self.retention)


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
        return _INERT

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
    _check_limits(metrics_retention, max_entries)
    if not request_tracking and not sinks:
        return NullRecorder()
    store = MetricsStore(metrics_retention, max_entries, clock) if request_tracking else None
    return MetricsRecorder(store, sinks, clock=clock, wall_clock=wall_clock)
