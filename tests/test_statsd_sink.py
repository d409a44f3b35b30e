"""StatsDSink against a real UDP listener on 127.0.0.1: the exact lines on the wire.

Every test ends its traffic with a sentinel gauge sent through the same socket,
so "these lines and nothing else" is checked without sleeping or guessing a
quiet period.
"""

from __future__ import annotations

import logging
import socket
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from openai_accel._core.metrics import (
    GAUGE_BREAKER_STATE,
    GAUGE_QUEUE_RUNNING,
    GAUGE_QUEUE_WAITING,
    MetricsRecorder,
    RequestMetrics,
)
from openai_accel.statsd_sink import (
    ENV_VAR,
    StatsDSink,
    make_statsd_sink,
    parse_statsd_address,
    sanitize_segment,
)

SENTINEL = "openai_test.sentinel:1|g"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2.0)
    try:
        yield sock
    finally:
        sock.close()


def address(sock: socket.socket) -> str:
    return f"127.0.0.1:{sock.getsockname()[1]}"


def make_sink(sock: socket.socket, prefix: str = "openai_") -> StatsDSink:
    sink = make_statsd_sink(address(sock), prefix)
    assert sink is not None
    return sink


def received(sock: socket.socket, sink: StatsDSink) -> Tuple[List[str], int]:
    """Lines (and packet count) that arrived before the sentinel sent now."""
    sink.client.gauge("openai_test.sentinel", 1)
    lines: List[str] = []
    packets = 0
    while True:
        data = sock.recv(65535).decode("ascii")
        if data == SENTINEL:
            return lines, packets
        packets += 1
        lines.extend(data.split("\n"))


def metrics(**overrides: Any) -> RequestMetrics:
    values: Dict[str, Any] = dict(
        request_id="req-1",
        request_type="chat",
        start_time=1_700_000_000.0,
        end_time=1_700_000_000.25,
        duration=0.25,
        success=True,
        model=None,
        status_code=200,
    )
    values.update(overrides)
    return RequestMetrics(**values)


def test_success_lines(listener: socket.socket) -> None:
    sink = make_sink(listener)
    sink.emit(metrics(model="gpt-4o-mini", input_tokens=12, output_tokens=5, total_tokens=17))
    assert received(listener, sink)[0] == [
        "openai_chat.requests:1|c",
        "openai_chat.success:1|c",
        "openai_chat.duration:250.000000|ms",
        "openai_chat.tokens.input:12|c",
        "openai_chat.tokens.output:5|c",
        "openai_chat.tokens.total:17|c",
        "openai_chat.model.gpt-4o-mini.requests:1|c",
        "openai_chat.model.gpt-4o-mini.success:1|c",
        "openai_chat.model.gpt-4o-mini.duration:250.000000|ms",
        "openai_chat.model.gpt-4o-mini.tokens.input:12|c",
        "openai_chat.model.gpt-4o-mini.tokens.output:5|c",
        "openai_chat.model.gpt-4o-mini.tokens.total:17|c",
    ]


def test_error_lines(listener: socket.socket) -> None:
    sink = make_sink(listener)
    sink.emit(
        metrics(
            request_type="embedding",
            success=False,
            error_type="RateLimitError",
            status_code=429,
            duration=0.5,
        )
    )
    assert received(listener, sink)[0] == [
        "openai_embedding.requests:1|c",
        "openai_embedding.errors:1|c",
        "openai_embedding.errors.RateLimitError:1|c",
        "openai_embedding.duration:500.000000|ms",
    ]


def test_retried_call_lines(listener: socket.socket) -> None:
    sink = make_sink(listener)
    sink.emit(metrics(request_type="moderation", retry_count=2, duration=3.0))
    assert received(listener, sink)[0] == [
        "openai_moderation.requests:1|c",
        "openai_moderation.success:1|c",
        "openai_moderation.duration:3000.000000|ms",
        "openai_moderation.retries:2|c",
    ]


def test_stream_lines_with_tokens_and_time_to_first_token(listener: socket.socket) -> None:
    sink = make_sink(listener)
    sink.emit(
        metrics(
            request_type="chat_stream",
            model="gpt-4o",
            duration=1.5,
            time_to_first_token=0.0625,
            input_tokens=7,
            output_tokens=30,
            total_tokens=37,
        )
    )
    assert received(listener, sink)[0] == [
        "openai_chat_stream.requests:1|c",
        "openai_chat_stream.success:1|c",
        "openai_chat_stream.duration:1500.000000|ms",
        "openai_chat_stream.time_to_first_token:62.500000|ms",
        "openai_chat_stream.tokens.input:7|c",
        "openai_chat_stream.tokens.output:30|c",
        "openai_chat_stream.tokens.total:37|c",
        "openai_chat_stream.model.gpt-4o.requests:1|c",
        "openai_chat_stream.model.gpt-4o.success:1|c",
        "openai_chat_stream.model.gpt-4o.duration:1500.000000|ms",
        "openai_chat_stream.model.gpt-4o.time_to_first_token:62.500000|ms",
        "openai_chat_stream.model.gpt-4o.tokens.input:7|c",
        "openai_chat_stream.model.gpt-4o.tokens.output:30|c",
        "openai_chat_stream.model.gpt-4o.tokens.total:37|c",
    ]


def test_gauge_lines(listener: socket.socket) -> None:
    sink = make_sink(listener)
    sink.gauge(GAUGE_QUEUE_RUNNING, 3)
    sink.gauge(GAUGE_QUEUE_WAITING, 0)
    sink.gauge(GAUGE_BREAKER_STATE, 2)
    assert received(listener, sink)[0] == [
        "openai_queue.running:3|g",
        "openai_queue.waiting:0|g",
        "openai_breaker.state:2|g",
    ]


def test_one_request_is_one_packet(listener: socket.socket) -> None:
    sink = make_sink(listener)
    sink.emit(metrics(success=False, error_type="APITimeoutError", retry_count=5))
    lines, packets = received(listener, sink)
    assert (len(lines), packets) == (5, 1)


def test_model_names_are_sanitized(listener: socket.socket) -> None:
    sink = make_sink(listener)
    sink.emit(metrics(model="ft:gpt-3.5-turbo/acme org::x1", duration=None))
    assert received(listener, sink)[0][-2:] == [
        "openai_chat.model.ft_gpt-3_5-turbo_acme_org__x1.requests:1|c",
        "openai_chat.model.ft_gpt-3_5-turbo_acme_org__x1.success:1|c",
    ]


def test_line_breaking_characters_never_reach_the_wire() -> None:
    assert sanitize_segment("a|b@c:d\ne") == "a_b_c_d_e"


def test_custom_prefix(listener: socket.socket) -> None:
    sink = make_sink(listener, prefix="acme.llm_")
    sink.emit(metrics(duration=None))
    lines = received(listener, sink)[0]
    assert lines == ["acme.llm_chat.requests:1|c", "acme.llm_chat.success:1|c"]


def test_recorder_and_sink_end_to_end(listener: socket.socket) -> None:
    sink = make_sink(listener)
    clock = iter([10.0, 10.125])
    recorder = MetricsRecorder(None, [sink], clock=lambda: next(clock), wall_clock=lambda: 0.0)
    m = recorder.start("image", "dall-e-3")
    recorder.finish(m, success=True, status_code=200)
    assert received(listener, sink)[0] == [
        "openai_image.requests:1|c",
        "openai_image.success:1|c",
        "openai_image.duration:125.000000|ms",
        "openai_image.model.dall-e-3.requests:1|c",
        "openai_image.model.dall-e-3.success:1|c",
        "openai_image.model.dall-e-3.duration:125.000000|ms",
    ]


def test_localhost_name_is_resolved_to_ipv4(listener: socket.socket) -> None:
    sink = make_statsd_sink(f"localhost:{listener.getsockname()[1]}")
    assert sink is not None
    sink.emit(metrics(duration=None))
    assert received(listener, sink)[0] == ["openai_chat.requests:1|c", "openai_chat.success:1|c"]


# --- a dead or broken collector -------------------------------------------------


def closed_port() -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def test_a_closed_port_does_not_raise() -> None:
    sink = make_statsd_sink(f"127.0.0.1:{closed_port()}")
    assert sink is not None
    for _ in range(200):
        sink.emit(metrics(model="gpt-4o", total_tokens=3))
        sink.gauge(GAUGE_QUEUE_RUNNING, 1)


def test_the_socket_never_blocks(listener: socket.socket) -> None:
    sink = make_sink(listener)
    assert sink.client._sock.gettimeout() == 0.0


class RaisingClient:
    def timing(self, name: str, ms: float) -> None:
        raise OSError("no route")

    incr = gauge = timing


def test_a_raising_client_is_swallowed_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    sink = StatsDSink(RaisingClient())
    with caplog.at_level(logging.DEBUG, logger="openai_accel"):
        sink.emit(metrics())
        sink.emit(metrics())
        sink.gauge(GAUGE_QUEUE_RUNNING, 1)
    assert len(caplog.records) == 1


def test_emitting_after_close_does_not_raise(listener: socket.socket) -> None:
    sink = make_sink(listener)
    sink.close()
    sink.emit(metrics())
    sink.gauge(GAUGE_QUEUE_RUNNING, 1)


# --- duck-typed clients ----------------------------------------------------------


class CallRecorder:
    """A client with timing/incr/gauge but no pipeline()."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, str, float]] = []

    def timing(self, name: str, ms: float) -> None:
        self.calls.append(("timing", name, ms))

    def incr(self, name: str, count: int = 1) -> None:
        self.calls.append(("incr", name, count))

    def gauge(self, name: str, value: float) -> None:
        self.calls.append(("gauge", name, value))


def test_a_client_without_pipeline_gets_direct_calls() -> None:
    client = CallRecorder()
    sink = make_statsd_sink(client)
    assert sink is not None
    sink.emit(metrics(retry_count=1))
    assert client.calls == [
        ("incr", "openai_chat.requests", 1),
        ("incr", "openai_chat.success", 1),
        ("timing", "openai_chat.duration", 250.0),
        ("incr", "openai_chat.retries", 1),
    ]


def test_a_ready_sink_is_used_as_is() -> None:
    sink = StatsDSink(CallRecorder())
    assert make_statsd_sink(sink) is sink


def test_an_object_without_the_methods_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="timing/incr/gauge"):
        make_statsd_sink(object())


# --- specs and the environment ---------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        "not an address",
        "localhost",
        "host:",
        ":8125",
        "host:0",
        "host:65536",
        "host:80a",
        "::1:8125",
        "[::1]",
        "bad host:8125",
    ],
)
def test_a_garbage_spec_is_a_value_error(spec: str) -> None:
    with pytest.raises(ValueError, match="StatsD"):
        make_statsd_sink(spec)


def test_a_number_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="host:port"):
        make_statsd_sink(8125)


def test_a_bad_prefix_is_a_value_error(listener: socket.socket) -> None:
    with pytest.raises(ValueError, match="metrics_prefix"):
        make_statsd_sink(address(listener), prefix="bad:prefix")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("127.0.0.1:8125", ("127.0.0.1", 8125, False)),
        ("statsd.internal:9125", ("statsd.internal", 9125, False)),
        ("[::1]:8125", ("::1", 8125, True)),
        (" 10.0.0.7:8125 ", ("10.0.0.7", 8125, False)),
    ],
)
def test_address_forms(spec: str, expected: Tuple[str, int, bool]) -> None:
    assert parse_statsd_address(spec) == expected


def test_the_env_var_is_used_when_no_spec_is_given(listener: socket.socket) -> None:
    sink = make_statsd_sink(None, "openai_", env={ENV_VAR: address(listener)})
    assert sink is not None
    sink.emit(metrics(duration=None))
    assert received(listener, sink)[0] == ["openai_chat.requests:1|c", "openai_chat.success:1|c"]


@pytest.mark.parametrize("env", [{}, {ENV_VAR: ""}, {ENV_VAR: "  "}])
def test_no_spec_and_no_env_var_means_no_sink(env: Dict[str, str]) -> None:
    assert make_statsd_sink(None, env=env) is None


def test_false_ignores_the_env_var(listener: socket.socket) -> None:
    assert make_statsd_sink(False, env={ENV_VAR: address(listener)}) is None


def test_a_garbage_env_var_names_the_variable() -> None:
    with pytest.raises(ValueError, match=ENV_VAR):
        make_statsd_sink(None, env={ENV_VAR: "nonsense"})


def test_os_environ_is_the_default(
    monkeypatch: pytest.MonkeyPatch, listener: socket.socket
) -> None:
    monkeypatch.setenv(ENV_VAR, address(listener))
    sink: Optional[StatsDSink] = make_statsd_sink(None)
    assert sink is not None and sink.client._addr == ("127.0.0.1", listener.getsockname()[1])
