"""The Responses API end to end against the emulator, both clients."""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import List, Optional

import pytest
import requests

from openai_accel import BadRequestError, FunctionCallItem, MessageItem, StreamError
from openai_accel.testing import Fault

from .._shared import RECORDED_DIR

RESPONSES = "/v1/responses"


def test_a_plain_response(api, openai_emulator):
    response = api.call("respond", "Hello there", instructions="Be kind.")
    assert response.output_text == "You said: Hello there"
    assert response.status == "completed"
    (item,) = response.output
    assert isinstance(item, MessageItem) and item.role == "assistant"
    assert response.id.startswith("resp_") and len(response.id) == 55
    assert item.id.startswith("msg_") and item.id[4:22] == response.id[5:23]
    assert response.usage.input_tokens > 0 and response.usage.output_tokens == 5
    assert response.request_id == openai_emulator.requests[-1].request_id
    assert response.raw["instructions"] == "Be kind."
    sent = openai_emulator.requests[-1].json
    assert sent == {"model": "gpt-4o-mini", "input": "Hello there", "instructions": "Be kind."}


def test_the_reply_has_the_recorded_key_order():
    path = RECORDED_DIR / "responses_text.json"
    if not path.is_file():
        pytest.skip(f"recording {path} not found (../shared is absent)")
    recorded = json.loads(json.loads(path.read_text())["response"]["body"])
    from openai_accel.testing import Emulator

    with Emulator() as emulator:
        reply = requests.post(
            emulator.base_url + "/responses",
            json={"model": "gpt-5", "input": "pong?"},
            timeout=10,
        )
    assert list(reply.json()) == list(recorded)
    assert list(reply.json()["usage"]) == list(recorded["usage"])


def test_streamed_events_follow_the_real_sequence(api):
    events, final = api.stream("stream_response", "Hello there")
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * 5,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.delta) == final.output_text
    assert final.output_text == "You said: Hello there"
    assert final.raw == events[-1].raw["response"]
    assert events[0].response.status == "in_progress" and events[0].response.usage is None


def test_the_stream_is_framed_with_event_names_and_no_done():
    from openai_accel.testing import Emulator

    with Emulator() as emulator:
        reply = requests.post(
            emulator.base_url + "/responses",
            json={"model": "gpt-4o-mini", "input": "Hi", "stream": True},
            timeout=10,
        )
    blocks = reply.text.split("\n\n")
    assert blocks[-1] == "" and "[DONE]" not in reply.text
    for block in blocks[:-1]:
        event, data = block.split("\n")
        assert event.startswith("event: ") and data.startswith("data: ")
        assert json.loads(data[6:])["type"] == event[7:]


def test_a_streamed_and_a_plain_call_give_the_same_response(api):
    plain = api.call("respond", "Same please")
    _, streamed = api.stream("stream_response", "Same please")
    assert streamed.output_text == plain.output_text
    assert streamed.usage == plain.usage


WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def test_function_calls_and_their_streamed_arguments(api):
    events, final = api.stream("stream_response", "What is the weather in Paris?", tools=[WEATHER])
    (call,) = final.tool_calls
    assert isinstance(call, FunctionCallItem)
    assert call.name == "get_weather" and call.parsed_arguments() == {"city": "Paris"}
    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    assert "".join(deltas) == call.arguments
    assert final.raw["tools"][0]["strict"] is True


def test_respond_with_functions_runs_the_loop_on_the_emulator(api, openai_emulator):
    def get_weather(city: str) -> dict:
        """The weather in a city."""
        return {"city": city, "temp": 21}

    response = api.call(
        "respond_with_functions", "What is the weather in Paris?", {"get_weather": get_weather}
    )
    assert response.rounds == 2
    assert "get_weather returned" in response.output_text and '"temp": 21' in response.output_text
    second = openai_emulator.requests[-1].json["input"]
    call = next(item for item in second if item.get("type") == "function_call")
    output = next(item for item in second if item.get("type") == "function_call_output")
    assert output["call_id"] == call["call_id"]


def test_previous_response_id_chains_the_conversation(api, openai_emulator):
    first = api.call("respond", "What is the weather in Paris?", tools=[WEATHER])
    (call,) = first.tool_calls
    output = {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}
    second = api.call("respond", [output], previous_response_id=first.id, tools=[WEATHER])
    assert second.output_text == "Based on the tool results: get_weather returned sunny."
    assert second.previous_response_id == first.id


def test_an_unknown_previous_response_is_a_400(api):
    with pytest.raises(BadRequestError) as info:
        api.call("respond", "hi", previous_response_id="resp_nope")
    assert info.value.code == "previous_response_not_found"
    assert info.value.param == "previous_response_id"


def test_an_output_for_an_unknown_call_is_a_400(api):
    with pytest.raises(BadRequestError) as info:
        api.call("respond", [{"type": "function_call_output", "call_id": "x", "output": "1"}])
    assert "call_id x" in info.value.message


def test_an_unknown_model_is_the_recorded_400(api):
    with pytest.raises(BadRequestError) as info:
        api.call("respond", "Hello", model="this-model-does-not-exist")
    assert info.value.message == "The requested model 'this-model-does-not-exist' does not exist."
    assert (info.value.code, info.value.param) == ("model_not_found", "model")


class Mood(enum.Enum):
    GOOD = "good"
    BAD = "bad"


@dataclasses.dataclass
class City:
    name: str
    population: Optional[int]


@dataclasses.dataclass
class Report:
    mood: Mood
    cities: List[City]


@pytest.mark.parametrize("method", ["chat", "respond"])
def test_structured_output_satisfies_the_derived_schema(api, openai_emulator, method):
    key = "response_format" if method == "chat" else "text_format"
    result = api.call(method, "Report on Paris", **{key: Report})
    assert isinstance(result.parsed, Report)
    assert isinstance(result.parsed.mood, Mood)
    assert all(isinstance(city, City) for city in result.parsed.cities)


def test_the_emulator_refuses_a_schema_that_is_not_strict(api):
    fmt = {
        "type": "json_schema",
        "name": "Loose",
        "strict": True,
        "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
    }
    with pytest.raises(BadRequestError) as info:
        api.call("respond", "hi", text_format=fmt)
    assert info.value.code == "invalid_json_schema"


def test_a_stream_cut_before_completed_is_a_stream_error(make_api, openai_emulator):
    api = make_api(max_retries=0)
    openai_emulator.inject(Fault(cut_stream_after=4), route=RESPONSES)
    with pytest.raises(StreamError) as info:
        api.stream("stream_response", "Hello there")
    assert "response.completed" in str(info.value) or "broke off" in str(info.value)
    [record] = api.client.recent_requests.values()
    assert record.request_type == "response_stream" and not record.success


def test_an_error_event_is_a_stream_error(make_api, openai_emulator):
    api = make_api(max_retries=0)
    openai_emulator.inject(Fault(error_event=True), route=RESPONSES)
    with pytest.raises(StreamError) as info:
        api.stream("stream_response", "Hello there")
    assert info.value.code == "server_error"


def test_transient_faults_are_retried(make_api, openai_emulator):
    api = make_api(max_retries=2)
    openai_emulator.inject(Fault(status=503), route=RESPONSES, count=1)
    assert api.call("respond", "again").output_text == "You said: again"
    assert openai_emulator.request_count(RESPONSES) == 2


def test_metrics_count_response_tokens(api):
    response = api.call("respond", "count me")
    summary = api.client.metrics_summary()
    [record] = api.client.recent_requests.values()
    assert record.request_type == "response"
    assert record.input_tokens == response.usage.input_tokens
    assert record.output_tokens == response.usage.output_tokens
    assert summary


@pytest.mark.parametrize(
    "name, body",
    [
        ("responses_stream_text", {"input": "Hi"}),
        ("responses_stream_function_call", {"input": "Weather in Paris?", "tools": [WEATHER]}),
    ],
)
def test_streamed_events_have_the_recorded_shapes(name, body):
    path = RECORDED_DIR / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"recording {path} not found (../shared is absent)")
    text = json.loads(path.read_text())["response"]["body"]
    from openai_accel.testing import Emulator

    with Emulator() as emulator:
        reply = requests.post(
            emulator.base_url + "/responses",
            json={"model": "gpt-5", "stream": True, "reasoning": {"effort": "minimal"}, **body},
            timeout=10,
        )

    def shapes(stream_text):
        found = {}
        for block in stream_text.strip().split("\n\n"):
            payload = json.loads(block.split("data: ", 1)[1])
            found.setdefault(payload["type"], list(payload))
        return found

    recorded, emulated = shapes(text), shapes(reply.text)
    assert list(emulated) == list(recorded)
    assert emulated == recorded


def test_a_strict_tool_with_an_optional_parameter_is_the_apis_400(api):
    tool = {**WEATHER, "strict": True}
    tool["parameters"] = {**WEATHER["parameters"], "required": []}
    with pytest.raises(BadRequestError) as info:
        api.call("respond", "Weather in Paris?", tools=[tool])
    assert info.value.code == "invalid_function_parameters"
    assert "Missing 'city'" in info.value.message


def test_derived_tools_pass_the_emulators_strict_rules(api, openai_emulator):
    def scale(x: int, factor: int = 2) -> int:
        """Scale a number."""
        return x * factor

    api.call("respond_with_functions", "scale 3", {"scale": scale})
    (echoed,) = openai_emulator.requests[-1].json["tools"]
    assert echoed["strict"] is False
