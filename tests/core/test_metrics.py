"""The metrics core: token extraction, the recorder, the bounded store, summaries.

Pure: clocks are injected, nothing sleeps, nothing touches the network.
"""

from __future__ import annotations

import threading
from typing import Any, List, Mapping, Optional, Tuple

import attrs
import pytest

from openai_accel._core.metrics import (
    GAUGE_QUEUE_WAITING,
    MetricsRecorder,
    MetricsStore,
    NullRecorder,
    RequestMetrics,
    breaker_state_value,
    make_recorder,
    note_reply,
    percentile,
    summarize,
    tokens_from_usage,
)
from openai_accel.errors import RateLimitError


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ListSink:
    """Collects what the recorder publishes."""

    def __init__(self) -> None:
        self.records: List[RequestMetrics] = []
        self.gauges: List[Tuple[str, float]] = []

    def emit(self, m: RequestMetrics) -> None:
        self.records.append(m)

    def gauge(self, name: str, value: float) -> None:
        self.gauges.append((name, value))


class BrokenSink:
    def emit(self, m: RequestMetrics) -> None:
        raise RuntimeError("collector exploded")

    def gauge(self, name: str, value: float) -> None:
        raise RuntimeError("collector exploded")


def record(
    rid: str,
    *,
    request_type: str = "chat",
    model: Optional[str] = "gpt-4o-mini",
    duration: float = 0.1,
    success: bool = True,
    total_tokens: Optional[int] = None,
    error_type: Optional[str] = None,
) -> RequestMetrics:
    return RequestMetrics(
        request_id=rid,
        request_type=request_type,
        start_time=0.0,
        end_time=duration,
        duration=duration,
        success=success,
        model=model,
        total_tokens=total_tokens,
        input_tokens=None if total_tokens is None else total_tokens // 2,
        output_tokens=None if total_tokens is None else total_tokens - total_tokens // 2,
        error_type=error_type,
    )


def recorder_with_clocks(
    store: Optional[MetricsStore] = None, sinks: Any = ()
) -> Tuple[MetricsRecorder, FakeClock, FakeClock]:
    mono = FakeClock(50.0)
    wall = FakeClock(1_700_000_000.0)
    rec = MetricsRecorder(
        store if store is not None else MetricsStore(clock=mono), sinks, clock=mono, wall_clock=wall
    )
    return rec, mono, wall


# --- token extraction -------------------------------------------------------


def test_tokens_from_chat_usage() -> None:
    usage = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}
    assert tokens_from_usage(usage) == (12, 5, 17)


def test_tokens_from_responses_and_token_billed_transcription_usage() -> None:
    usage = {
        "type": "tokens",
        "input_tokens": 40,
        "output_tokens": 9,
        "total_tokens": 49,
        "input_token_details": {"audio_tokens": 40, "text_tokens": 0},
    }
    assert tokens_from_usage(usage) == (40, 9, 49)


def test_tokens_from_embedding_usage_have_no_output() -> None:
    assert tokens_from_usage({"prompt_tokens": 8, "total_tokens": 8}) == (8, None, 8)


def test_whisper_duration_usage_carries_no_tokens() -> None:
    assert tokens_from_usage({"type": "duration", "seconds": 3}) == (None, None, None)


def test_missing_total_is_input_plus_output() -> None:
    assert tokens_from_usage({"input_tokens": 3, "output_tokens": 4}) == (3, 4, 7)


def test_malformed_token_values_are_ignored() -> None:
    usage = {"prompt_tokens": "12", "completion_tokens": True, "total_tokens": -1}
    assert tokens_from_usage(usage) == (None, None, None)


def test_no_usage_means_no_tokens() -> None:
    assert tokens_from_usage(None) == (None, None, None)


class _Reason(str):
    """A str subclass: still a string, so still a finish reason."""


@pytest.mark.parametrize(
    "choices, reasons",
    [
        ([{"finish_reason": "stop"}], ("stop",)),
        ([{"finish_reason": _Reason("length")}], ("length",)),
        ([{"finish_reason": None}], None),
        ([{"finish_reason": 3}], None),
        ([{}], None),
        (["not a choice"], None),
        ([{"finish_reason": "stop"}, {"finish_reason": "length"}], ("stop", "length")),
        ([{"finish_reason": "stop"}, {"finish_reason": 7}], ("stop",)),
        ([], None),
        ("not a list", None),
    ],
)
def test_note_reply_keeps_only_string_finish_reasons(choices: Any, reasons: Any) -> None:
    m = RequestMetrics(request_id="r", request_type="chat", start_time=0.0)
    note_reply(m, {"model": "gpt-4o-mini", "id": "chatcmpl-1", "choices": choices})
    assert (m.response_model, m.response_id) == ("gpt-4o-mini", "chatcmpl-1")
    assert m.finish_reasons == reasons


# --- recorder ---------------------------------------------------------------


def test_start_fills_id_times_and_request_fields() -> None:
    rec, _, _ = recorder_with_clocks()
    m = rec.start("embedding", "text-embedding-3-small", request_size=321)
    assert m.request_id.startswith("req-")
    assert (m.request_type, m.model, m.request_size) == ("embedding", "text-embedding-3-small", 321)
    assert m.start_time == 1_700_000_000.0


def test_request_ids_are_unique() -> None:
    rec, _, _ = recorder_with_clocks()
    ids = {rec.start("chat", None).request_id for _ in range(1000)}
    assert len(ids) == 1000


def test_duration_uses_the_monotonic_clock_not_the_wall_clock() -> None:
    rec, mono, wall = recorder_with_clocks()
    m = rec.start("chat", "gpt-4o")
    mono.advance(1.25)
    wall.advance(-3600.0)  # a wall-clock step back must not matter
    rec.finish(m, success=True, status_code=200)
    assert m.duration == 1.25
    assert m.end_time == m.start_time + 1.25


def test_finish_records_success_sizes_retries_and_tokens() -> None:
    rec, _, _ = recorder_with_clocks()
    m = rec.start("chat", "gpt-4o")
    rec.finish(
        m,
        success=True,
        status_code=200,
        usage={"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
        response_size=2048,
        retry_count=2,
        server_request_id="req_abc",
    )
    assert (m.success, m.status_code, m.error_type) == (True, 200, None)
    assert (m.input_tokens, m.output_tokens, m.total_tokens) == (10, 2, 12)
    assert (m.response_size, m.retry_count, m.server_request_id) == (2048, 2, "req_abc")


def test_finish_takes_error_type_status_and_request_id_from_the_error() -> None:
    rec, _, _ = recorder_with_clocks()
    m = rec.start("chat", "gpt-4o")
    error = RateLimitError("slow down", status_code=429, request_id="req_429")
    rec.finish(m, success=False, error=error, retry_count=5)
    assert (m.success, m.error_type, m.status_code) == (False, "RateLimitError", 429)
    assert m.server_request_id == "req_429"


def test_first_token_is_stamped_once() -> None:
    rec, mono, _ = recorder_with_clocks()
    m = rec.start("chat_stream", "gpt-4o")
    mono.advance(0.3)
    rec.first_token(m)
    mono.advance(0.5)
    rec.first_token(m)
    rec.finish(m, success=True)
    assert m.time_to_first_token == pytest.approx(0.3)
    assert m.duration == pytest.approx(0.8)


def test_finished_records_reach_store_and_sinks() -> None:
    sink = ListSink()
    rec, _, _ = recorder_with_clocks(sinks=[sink])
    m = rec.start("moderation", None)
    rec.finish(m, success=True)
    assert rec.recent_requests == {m.request_id: m}
    assert sink.records == [m]


def test_unfinished_records_are_not_published() -> None:
    sink = ListSink()
    rec, _, _ = recorder_with_clocks(sinks=[sink])
    rec.start("chat", None)
    assert (len(rec.recent_requests), sink.records) == (0, [])


def test_a_raising_sink_never_reaches_the_caller() -> None:
    rec, _, _ = recorder_with_clocks(sinks=[BrokenSink()])
    m = rec.start("chat", None)
    rec.finish(m, success=True)
    rec.gauge(GAUGE_QUEUE_WAITING, 3)
    assert m.request_id in rec.recent_requests


def test_gauges_are_forwarded_to_sinks() -> None:
    sink = ListSink()
    rec, _, _ = recorder_with_clocks(sinks=[sink])
    rec.gauge(GAUGE_QUEUE_WAITING, 4)
    assert sink.gauges == [("queue.waiting", 4)]


def test_tracking_off_with_a_sink_emits_but_keeps_nothing() -> None:
    sink = ListSink()
    rec = make_recorder(request_tracking=False, sinks=[sink])
    m = rec.start("chat", None)
    rec.finish(m, success=True)
    assert sink.records == [m]
    assert len(rec.recent_requests) == 0


# --- store: retention and cap -------------------------------------------------


def test_entries_expire_after_retention() -> None:
    clock = FakeClock()
    store = MetricsStore(retention=60.0, clock=clock)
    store.add(record("a"))
    clock.advance(30.0)
    store.add(record("b"))
    clock.advance(30.5)
    store.add(record("c"))
    assert list(store.snapshot()) == ["b", "c"]


def test_entry_exactly_at_retention_is_kept() -> None:
    clock = FakeClock()
    store = MetricsStore(retention=60.0, clock=clock)
    store.add(record("a"))
    clock.advance(60.0)
    assert list(store.snapshot()) == ["a"]


def test_reading_prunes_without_new_requests() -> None:
    clock = FakeClock()
    store = MetricsStore(retention=10.0, clock=clock)
    store.add(record("a"))
    clock.advance(11.0)
    assert dict(store.snapshot()) == {}


def test_entry_cap_drops_the_oldest() -> None:
    store = MetricsStore(retention=3600.0, max_entries=3, clock=FakeClock())
    for rid in "abcde":
        store.add(record(rid))
    assert list(store.snapshot()) == ["c", "d", "e"]


def test_re_adding_an_id_replaces_and_refreshes_it() -> None:
    store = MetricsStore(max_entries=2, clock=FakeClock())
    store.add(record("a"))
    store.add(record("b"))
    store.add(record("a", duration=9.0))
    store.add(record("c"))
    snap = store.snapshot()
    assert list(snap) == ["a", "c"]
    assert snap["a"].duration == 9.0


def test_snapshot_is_read_only() -> None:
    store = MetricsStore(clock=FakeClock())
    store.add(record("a"))
    snap: Any = store.snapshot()
    with pytest.raises(TypeError):
        snap["b"] = record("b")


def test_snapshot_is_a_copy() -> None:
    store = MetricsStore(clock=FakeClock())
    snap = store.snapshot()
    store.add(record("a"))
    assert len(snap) == 0


def test_a_stored_record_reads_back_equal_with_every_field() -> None:
    store = MetricsStore(clock=FakeClock())
    kept = record("a", duration=1.5)
    kept.finish_reasons = ("stop", "length")
    kept.server_request_id = "req_1"
    store.add(kept)
    (read,) = store.records()
    assert read == kept
    assert attrs.asdict(read) == attrs.asdict(kept)  # monotonic_start (eq=False) too


def test_the_store_keeps_what_the_record_said_when_it_was_stored() -> None:
    store = MetricsStore(clock=FakeClock())
    kept = record("a", duration=1.5)
    store.add(kept)
    kept.duration = 99.0
    assert store.snapshot()["a"].duration == 1.5


def test_stored_records_are_left_out_of_the_garbage_collectors_walks() -> None:
    import gc

    store = MetricsStore(clock=FakeClock())
    for rid in range(100):
        kept = record(f"r{rid}")
        kept.finish_reasons = ("stop",)
        store.add(kept)
    gc.collect()
    gc.collect()  # an entry holding a tuple is untracked once that tuple is
    entries = list(store._entries.values())
    assert len(entries) == 100
    assert not any(gc.is_tracked(entry) for entry in entries)


@pytest.mark.parametrize(
    "kwargs",
    [{"retention": -1.0}, {"retention": float("nan")}, {"max_entries": 0}, {"max_entries": 2.5}],
)
def test_bad_limits_are_rejected(kwargs: Mapping[str, Any]) -> None:
    with pytest.raises(ValueError):
        MetricsStore(**kwargs)


def test_concurrent_adds_and_reads_stay_within_the_cap() -> None:
    store = MetricsStore(max_entries=500)
    errors: List[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(2000):
                store.add(record(f"{n}-{i}"))
                if i % 100 == 0:
                    assert len(store.snapshot()) <= 500
                    store.summary()
        except BaseException as exc:  # pragma: no cover - only on failure
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store) == 500


# --- summary ------------------------------------------------------------------


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)


def test_percentile_of_nothing_is_none() -> None:
    assert percentile([], 50) is None


def test_summary_latency_percentiles_per_type() -> None:
    records = [record(str(i), duration=float(i)) for i in range(1, 101)]
    stats = summarize(records, 3600.0)["by_type"]["chat"]
    assert (stats["latency_p50"], stats["latency_p95"], stats["latency_p99"]) == pytest.approx(
        (50.5, 95.05, 99.01)
    )


def test_summary_counts_errors_and_error_rate() -> None:
    records = [
        record("1"),
        record("2"),
        record("3", success=False, error_type="APITimeoutError"),
        record("4", success=False, error_type="APITimeoutError"),
    ]
    stats = summarize(records, 3600.0)["overall"]
    assert (stats["count"], stats["successes"], stats["errors"], stats["error_rate"]) == (
        4,
        2,
        2,
        0.5,
    )
    assert stats["errors_by_type"] == {"APITimeoutError": 2}


def test_summary_splits_by_type_and_model() -> None:
    records = [
        record("1", model="gpt-4o", total_tokens=10),
        record("2", model="gpt-4o-mini", total_tokens=30),
        record("3", model="gpt-4o-mini", total_tokens=50),
        record("4", request_type="embedding", model=None),
    ]
    summary = summarize(records, 60.0)
    assert sorted(summary["by_type"]) == ["chat", "embedding"]
    mini = summary["by_type_and_model"]["chat"]["gpt-4o-mini"]
    assert (mini["count"], mini["total_tokens"], mini["mean_tokens_per_request"]) == (2, 80, 40.0)
    assert summary["by_type_and_model"]["embedding"] == {"unknown": summary["by_type"]["embedding"]}


def test_summary_token_totals() -> None:
    stats = summarize([record("1", total_tokens=11), record("2", total_tokens=4)], 60.0)["overall"]
    assert (stats["input_tokens"], stats["output_tokens"], stats["total_tokens"]) == (7, 8, 15)


def test_mean_tokens_per_request_divides_by_every_request() -> None:
    records = [record("1", total_tokens=10), record("2", success=False, error_type="X")]
    stats = summarize(records, 60.0)["overall"]
    assert stats["mean_tokens_per_request"] == stats["total_tokens"] / stats["count"] == 5.0


def test_mean_tokens_per_reporting_request_ignores_requests_without_usage() -> None:
    records = [record("1", total_tokens=10), record("2", success=False, error_type="X")]
    assert summarize(records, 60.0)["overall"]["mean_tokens_per_reporting_request"] == 10.0


def test_mean_tokens_of_no_request_is_none() -> None:
    stats = summarize([], 60.0)["overall"]
    assert stats["mean_tokens_per_request"] is None
    assert stats["mean_tokens_per_reporting_request"] is None


def test_recorder_summary_reads_the_store() -> None:
    rec, mono, _ = recorder_with_clocks()
    m = rec.start("tts", "tts-1")
    mono.advance(2.0)
    rec.finish(m, success=True)
    summary = rec.summary()
    assert summary["requests"] == 1
    assert summary["by_type"]["tts"]["latency_p50"] == 2.0


# --- tracking off -------------------------------------------------------------


def test_tracking_off_without_sinks_gives_the_null_recorder() -> None:
    assert isinstance(make_recorder(request_tracking=False), NullRecorder)


def test_null_recorder_records_nothing() -> None:
    rec = make_recorder(request_tracking=False)
    m = rec.start("chat", "gpt-4o", request_size=10)
    rec.first_token(m)
    rec.finish(m, success=True, usage={"total_tokens": 3})
    assert len(rec.recent_requests) == 0
    assert rec.summary()["requests"] == 0


def test_null_recorder_reads_no_clock_and_allocates_no_record() -> None:
    def exploding_clock() -> float:
        raise AssertionError("the null recorder must not read a clock")

    rec = make_recorder(request_tracking=False, clock=exploding_clock, wall_clock=exploding_clock)
    assert rec.start("chat", None) is rec.start("embedding", "x")


def test_null_recorder_record_cannot_be_written() -> None:
    m = NullRecorder().start("chat", None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        m.success = True


def test_tracking_on_gives_a_storing_recorder() -> None:
    rec = make_recorder(request_tracking=True, metrics_retention=5.0)
    assert rec.enabled
    assert rec.store is not None and rec.store.retention == 5.0


# --- breaker gauge values -----------------------------------------------------


@pytest.mark.parametrize(
    ("state", "value"),
    [("closed", 0), ("half_open", 1), ("HALF-OPEN", 1), ("open", 2), ("weird", 2)],
)
def test_breaker_state_values(state: str, value: int) -> None:
    assert breaker_state_value(state) == value


def test_breaker_state_value_accepts_enums() -> None:
    import enum

    class State(enum.Enum):
        CLOSED = "closed"
        HALF_OPEN = "half-open"

    assert [breaker_state_value(State.CLOSED), breaker_state_value(State.HALF_OPEN)] == [0, 1]
