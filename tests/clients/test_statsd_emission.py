"""What a client sends to StatsD, read off a real UDP socket on 127.0.0.1."""

from __future__ import annotations

import re
import socket
from typing import Iterator, List

import pytest

from ..helpers import chat_body, error_body, reply

SENTINEL = b"sentinel:1|c"


@pytest.fixture
def collector() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2.0)
    yield sock
    sock.close()


def lines_until_now(sock: socket.socket) -> List[str]:
    """Every line received so far, timer values replaced by ``T`` (they vary)."""
    sock.sendto(SENTINEL, sock.getsockname())
    lines: List[str] = []
    while True:
        packet = sock.recv(65535)
        if packet == SENTINEL:
            return [re.sub(r":[0-9.]+\|ms$", ":T|ms", line) for line in lines]
        lines.extend(packet.decode().split("\n"))


def statsd_api(make_mock_api, collector, handler, **options):
    return make_mock_api(handler, statsd=f"127.0.0.1:{collector.getsockname()[1]}", **options)


GAUGES = ["openai_queue.running:0|g", "openai_queue.waiting:0|g", "openai_breaker.state:0|g"]


def per_type_and_model(request_type: str, model: str, metrics: List[str]) -> List[str]:
    return [f"openai_{request_type}.{m}" for m in metrics] + [
        f"openai_{request_type}.model.{model}.{m}" for m in metrics
    ]


def test_a_chat_emits_counters_timer_tokens_and_gauges(make_mock_api, collector):
    api = statsd_api(make_mock_api, collector, lambda req: reply(200, chat_body()))
    api.call("chat", "Hi", model="gpt-4o-mini")
    expected = per_type_and_model(
        "chat",
        "gpt-4o-mini",
        [
            "requests:1|c",
            "success:1|c",
            "duration:T|ms",
            "tokens.input:5|c",
            "tokens.output:2|c",
            "tokens.total:7|c",
        ],
    )
    assert lines_until_now(collector) == expected + GAUGES


def test_a_streamed_chat_emits_tokens_from_the_usage_chunk(make_mock_api, collector):
    body = (
        b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'
        b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
        b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}\n\n'
        b"data: [DONE]\n\n"
    )
    api = statsd_api(
        make_mock_api, collector, lambda req: reply(200, raw=body, content_type="text/event-stream")
    )
    api.stream("stream_chat", "Hi", model="gpt-4o")
    expected = per_type_and_model(
        "chat_stream",
        "gpt-4o",
        [
            "requests:1|c",
            "success:1|c",
            "duration:T|ms",
            "time_to_first_token:T|ms",
            "tokens.input:9|c",
            "tokens.output:1|c",
            "tokens.total:10|c",
        ],
    )
    assert lines_until_now(collector) == expected + GAUGES


def test_an_error_emits_error_counters_by_type(make_mock_api, collector):
    api = statsd_api(
        make_mock_api,
        collector,
        lambda req: reply(404, error_body("no", code="model_not_found")),
        max_retries=0,
    )
    with pytest.raises(Exception, match="no"):
        api.call("chat", "Hi", model="gpt-4.1/mini")
    expected = per_type_and_model(
        "chat",
        "gpt-4_1_mini",
        ["requests:1|c", "errors:1|c", "errors.NotFoundError:1|c", "duration:T|ms"],
    )
    assert lines_until_now(collector) == expected + GAUGES


def test_a_retried_call_emits_its_retries(make_mock_api, collector):
    answers = [
        reply(503, error_body("busy")),
        reply(503, error_body("busy")),
        reply(200, chat_body()),
    ]
    api = statsd_api(
        make_mock_api,
        collector,
        lambda req: answers.pop(0),
        initial_retry_delay=0.0,
        retry_jitter=False,
    )
    api.call("chat", "Hi", model="gpt-4o-mini")
    lines = lines_until_now(collector)
    assert "openai_chat.retries:2|c" in lines
    assert "openai_chat.model.gpt-4o-mini.retries:2|c" in lines
    assert "openai_chat.success:1|c" in lines


def test_a_dead_collector_costs_the_caller_nothing(make_mock_api):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = make_mock_api(lambda req: reply(200, chat_body()), statsd=f"127.0.0.1:{port}")
    for _ in range(3):
        assert api.call("chat", "Hi").content == "Hello!"
