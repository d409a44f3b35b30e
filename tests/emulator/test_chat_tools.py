"""Tool calls: which tools get called, with arguments that satisfy their schemas."""

from __future__ import annotations

import json
import re

from .helpers import chat, error_of, tool

WEATHER = tool(
    "get_current_weather",
    "Get the current weather in a given location",
    {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city and state"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
        "additionalProperties": False,
    },
)
STOCKS = tool(
    "get_stock_price",
    "Look up a share price",
    {"type": "object", "properties": {"symbol": {"type": "string"}}, "required": ["symbol"]},
)
BOOKING = tool(
    "book_flight",
    "Reserve seats on a plane",
    {
        "type": "object",
        "properties": {
            "passengers": {"type": "integer", "minimum": 1, "maximum": 9},
            "cabin": {"type": "string", "enum": ["economy", "business"]},
            "route": {"$ref": "#/$defs/route"},
            "meals": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "flexible": {"type": "boolean"},
            "notes": {"type": ["string", "null"]},
            "departure": {"type": "string", "format": "date"},
        },
        "required": ["passengers", "cabin", "route", "meals", "flexible", "departure"],
        "$defs": {
            "route": {
                "type": "object",
                "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}},
                "required": ["origin", "destination"],
            }
        },
    },
)


def ask(http, emulator, text, tools, **body):
    messages = [{"role": "user", "content": text}]
    return chat(http, emulator, messages=messages, tools=tools, **body).json()


def calls_of(body):
    return body["choices"][0]["message"]["tool_calls"]


def test_tool_call_reply_has_the_recorded_shape(http, emulator):
    body = ask(http, emulator, "What's the weather in Paris?", [WEATHER])
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    message = choice["message"]
    assert message["content"] is None
    assert list(message)[:3] == ["role", "content", "tool_calls"]
    call = message["tool_calls"][0]
    assert list(call) == ["id", "type", "function"]
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", call["id"])
    assert call["type"] == "function"
    assert call["function"]["name"] == "get_current_weather"


def test_place_parameter_gets_the_capitalised_place(http, emulator):
    body = ask(http, emulator, "What's the weather in Paris?", [WEATHER])
    assert json.loads(calls_of(body)[0]["function"]["arguments"]) == {"location": "Paris"}


def test_one_call_per_place_like_the_parallel_recording(http, emulator):
    body = ask(http, emulator, "What's the weather in Seattle and San Francisco today?", [WEATHER])
    arguments = [json.loads(c["function"]["arguments"]) for c in calls_of(body)]
    assert arguments == [{"location": "Seattle"}, {"location": "San Francisco"}]
    assert len({c["id"] for c in calls_of(body)}) == 2


def test_every_matching_tool_is_called_in_parallel(http, emulator):
    body = ask(http, emulator, "The weather in Oslo and the stock price, please", [WEATHER, STOCKS])
    assert [c["function"]["name"] for c in calls_of(body)] == [
        "get_current_weather",
        "get_stock_price",
    ]


def test_only_matching_tools_are_called(http, emulator):
    body = ask(http, emulator, "What is the stock price of ACME?", [WEATHER, STOCKS])
    assert [c["function"]["name"] for c in calls_of(body)] == ["get_stock_price"]


def test_description_words_select_a_tool_when_names_do_not(http, emulator):
    body = ask(http, emulator, "Please reserve two seats", [WEATHER, BOOKING])
    assert [c["function"]["name"] for c in calls_of(body)] == ["book_flight"]


def test_arguments_satisfy_a_nested_schema(http, emulator):
    body = ask(http, emulator, "Book a flight for 2 in business class", [BOOKING])
    arguments = json.loads(calls_of(body)[0]["function"]["arguments"])
    assert set(arguments) == {"passengers", "cabin", "route", "meals", "flexible", "departure"}
    assert arguments["passengers"] == 2
    assert arguments["cabin"] == "business"
    assert set(arguments["route"]) == {"origin", "destination"}
    assert all(isinstance(v, str) and v for v in arguments["route"].values())
    assert len(arguments["meals"]) >= 2 and all(isinstance(m, str) for m in arguments["meals"])
    assert arguments["flexible"] is True
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", arguments["departure"])


def test_no_matching_tool_under_auto_answers_in_text(http, emulator):
    body = ask(http, emulator, "Tell me a joke", [WEATHER])
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["choices"][0]["message"]["content"] == "You said: Tell me a joke"


def test_required_calls_every_tool_when_none_matches(http, emulator):
    body = ask(http, emulator, "Tell me a joke", [WEATHER, STOCKS], tool_choice="required")
    assert [c["function"]["name"] for c in calls_of(body)] == [
        "get_current_weather",
        "get_stock_price",
    ]


def test_tool_choice_none_answers_in_text(http, emulator):
    body = ask(http, emulator, "Weather in Rome?", [WEATHER], tool_choice="none")
    assert body["choices"][0]["message"].get("tool_calls") is None


def test_named_tool_choice_calls_that_tool(http, emulator):
    choice = {"type": "function", "function": {"name": "get_stock_price"}}
    body = ask(http, emulator, "Weather in Rome?", [WEATHER, STOCKS], tool_choice=choice)
    assert [c["function"]["name"] for c in calls_of(body)] == ["get_stock_price"]


def test_parallel_tool_calls_false_keeps_one_call(http, emulator):
    body = ask(
        http,
        emulator,
        "The weather in Oslo and the stock price, please",
        [WEATHER, STOCKS],
        parallel_tool_calls=False,
    )
    assert len(calls_of(body)) == 1


def test_named_tool_choice_must_name_a_tool(http, emulator):
    choice = {"type": "function", "function": {"name": "nope"}}
    response = chat(http, emulator, tools=[WEATHER], tool_choice=choice)
    assert response.status_code == 400
    assert error_of(response)["param"] == "tool_choice"


def test_answer_after_tool_results_quotes_them(http, emulator):
    first = ask(http, emulator, "What's the weather in Paris?", [WEATHER])
    message = first["choices"][0]["message"]
    call = message["tool_calls"][0]
    messages = [
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": message["tool_calls"]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"temp": 21}'},
    ]
    body = chat(http, emulator, messages=messages, tools=[WEATHER]).json()
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["choices"][0]["message"]["content"] == (
        'Based on the tool results: get_current_weather returned {"temp": 21}.'
    )


def test_tool_without_a_name_is_a_400(http, emulator):
    response = chat(http, emulator, tools=[{"type": "function", "function": {}}])
    assert response.status_code == 400
    assert error_of(response)["param"] == "tools[0].function.name"
