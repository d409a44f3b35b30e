"""OpenTelemetry: one span and the GenAI metrics per call, checked with the SDK's in-memory parts."""

from __future__ import annotations

import sys
from typing import Any, Dict, List

import pytest

pytest.importorskip("opentelemetry.sdk", reason="needs opentelemetry-sdk (the test extra)")

from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from openai_accel import RateLimitError
from openai_accel.otel import OTelSink, instrument, operation_name

from ..helpers import chat_body, error_body, reply


class Telemetry:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def attach(self, client: Any) -> OTelSink:
        return instrument(
            client, tracer_provider=self.tracer_provider, meter_provider=self.meter_provider
        )

    def finished(self) -> List[Any]:
        return list(self.spans.get_finished_spans())

    def points(self, name: str) -> List[Any]:
        data = self.reader.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)
        return found


@pytest.fixture
def otel() -> Telemetry:
    return Telemetry()


def test_a_chat_call_is_one_client_span_with_the_genai_attributes(api, otel):
    otel.attach(api.client)
    api.call("chat", "Hi", model="gpt-4o-mini")
    (span,) = otel.finished()
    assert span.name == "chat gpt-4o-mini"
    assert span.kind is trace.SpanKind.CLIENT
    a: Dict[str, Any] = dict(span.attributes)
    assert a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.provider.name"] == a["gen_ai.system"] == "openai"
    assert a["gen_ai.request.model"] == "gpt-4o-mini"
    assert a["gen_ai.response.model"].startswith("gpt-4o-mini")
    assert a["gen_ai.response.id"]
    assert a["gen_ai.response.finish_reasons"] == ("stop",)
    assert a["gen_ai.usage.input_tokens"] > 0 and a["gen_ai.usage.output_tokens"] > 0
    assert a["server.address"] == "127.0.0.1"
    assert a["server.port"] == int(api.client.config.base_url.split(":")[2].split("/")[0])
    assert "error.type" not in a
    assert span.end_time > span.start_time


def test_duration_and_token_usage_metrics_are_recorded(api, otel):
    otel.attach(api.client)
    result = api.call("chat", "Hi", model="gpt-4o-mini")
    (duration,) = otel.points("gen_ai.client.operation.duration")
    assert duration.count == 1 and duration.sum > 0
    assert duration.attributes["gen_ai.operation.name"] == "chat"
    assert duration.attributes["gen_ai.request.model"] == "gpt-4o-mini"
    tokens = {
        p.attributes["gen_ai.token.type"]: p.sum for p in otel.points("gen_ai.client.token.usage")
    }
    assert tokens == {"input": result.usage.prompt_tokens, "output": result.usage.completion_tokens}


def test_a_stream_records_time_to_first_chunk(api, otel):
    otel.attach(api.client)
    api.stream("stream_chat", "Hi", model="gpt-4o-mini")
    (span,) = otel.finished()
    assert span.name == "chat gpt-4o-mini"
    ttfc = span.attributes["gen_ai.response.time_to_first_chunk"]
    assert 0 < ttfc <= (span.end_time - span.start_time) / 1e9
    (event,) = [e for e in span.events if e.name == "gen_ai.first_chunk"]
    assert span.start_time <= event.timestamp <= span.end_time
    (point,) = otel.points("gen_ai.client.operation.time_to_first_chunk")
    assert point.count == 1


def test_a_failed_call_has_error_type_and_error_status(make_mock_api, otel):
    api = make_mock_api(lambda req: reply(429, error_body("slow down")), max_retries=0)
    otel.attach(api.client)
    with pytest.raises(RateLimitError):
        api.call("chat", "Hi", model="gpt-4o")
    (span,) = otel.finished()
    assert span.attributes["error.type"] == "RateLimitError"
    assert span.attributes["http.response.status_code"] == 429
    assert span.status.status_code is trace.StatusCode.ERROR
    (duration,) = otel.points("gen_ai.client.operation.duration")
    assert duration.attributes["error.type"] == "RateLimitError"


def test_embeddings_use_the_well_known_operation_name(make_mock_api, otel):
    body = {
        "object": "list",
        "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }
    api = make_mock_api(lambda req: reply(200, body))
    otel.attach(api.client)
    api.call("embedding", "hello", model="text-embedding-3-small")
    (span,) = otel.finished()
    assert span.name == "embeddings text-embedding-3-small"
    assert span.attributes["gen_ai.usage.input_tokens"] == 2
    assert "gen_ai.usage.output_tokens" not in span.attributes


def test_the_span_is_a_child_of_the_callers_span(make_mock_api, otel, client_kind):
    api = make_mock_api(lambda req: reply(200, chat_body("ok")))
    otel.attach(api.client)
    tracer = otel.tracer_provider.get_tracer("test")

    with tracer.start_as_current_span("handler") as parent:
        api.call("chat", "Hi")
    child, outer = otel.finished()
    assert outer.name == "handler"
    assert child.parent is not None and child.parent.span_id == parent.get_span_context().span_id


def test_instrument_is_idempotent(make_mock_api, otel):
    api = make_mock_api(lambda req: reply(200, chat_body("ok")))
    assert otel.attach(api.client) is otel.attach(api.client)
    api.call("chat", "Hi")
    assert len(otel.finished()) == 1


def test_instrument_works_with_request_tracking_off(make_mock_api, otel):
    api = make_mock_api(lambda req: reply(200, chat_body("ok")), request_tracking=False)
    otel.attach(api.client)
    api.call("chat", "Hi")
    assert len(otel.finished()) == 1
    assert api.client.recent_requests == {}


def test_the_telemetry_option_installs_the_sink(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body("ok")), telemetry="otel")
    sinks = api.client._ctx.recorder.sinks
    assert [type(s) for s in sinks] == [OTelSink]
    assert sinks[0].server_address == "api.example.test" and sinks[0].server_port == 443


def test_the_telemetry_option_rejects_unknown_values():
    from openai_accel import OpenAI

    with pytest.raises(ValueError, match="telemetry must be None or 'otel'"):
        OpenAI(api_key="sk-test", telemetry="jaeger")


def test_without_telemetry_no_sink_is_installed(make_mock_api):
    api = make_mock_api(lambda req: reply(200, chat_body("ok")))
    assert not any(isinstance(s, OTelSink) for s in api.client._ctx.recorder.sinks)


@pytest.mark.parametrize(
    "request_type, name",
    [("chat", "chat"), ("chat_stream", "chat"), ("embedding", "embeddings"), ("tts", "tts")],
)
def test_operation_names(request_type, name):
    assert operation_name(request_type) == name


def test_telemetry_without_opentelemetry_installed_says_which_extra(monkeypatch):
    from openai_accel import OpenAI

    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # import now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "openai-accel\[otel\]"'):
        OpenAI(api_key="sk-test", telemetry="otel")
