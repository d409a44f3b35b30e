"""Chat completions (non-streaming): shape, determinism, limits, validation, headers."""

from __future__ import annotations

import json
import re

from .helpers import USER, chat, error_of


def test_reply_has_the_recorded_keys_in_order(http, emulator):
    body = chat(http, emulator).json()
    assert list(body) == [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "service_tier",
        "system_fingerprint",
    ]
    choice = body["choices"][0]
    assert list(choice) == ["index", "message", "logprobs", "finish_reason"]
    assert list(choice["message"]) == ["role", "content", "refusal", "annotations"]
    assert choice["message"]["refusal"] is None and choice["message"]["annotations"] == []
    assert choice["logprobs"] is None
    assert body["object"] == "chat.completion"
    assert re.fullmatch(r"chatcmpl-[A-Za-z0-9]{29}", body["id"])


def test_body_is_pretty_printed_with_a_trailing_newline(http, emulator):
    raw = chat(http, emulator).text
    assert raw.startswith('{\n  "id": ')
    assert raw.endswith("}\n")


def test_alias_is_answered_by_its_dated_snapshot(http, emulator):
    assert chat(http, emulator, model="gpt-4o-mini").json()["model"] == "gpt-4o-mini-2024-07-18"
    assert chat(http, emulator, model="gpt-4o").json()["model"] == "gpt-4o-2024-08-06"


def test_dated_model_is_echoed(http, emulator):
    assert chat(http, emulator, model="gpt-4o-2024-05-13").json()["model"] == "gpt-4o-2024-05-13"


def test_answer_echoes_the_last_user_message(http, emulator):
    content = chat(http, emulator).json()["choices"][0]["message"]["content"]
    assert content == "You said: Say this is a test"


def test_same_request_gives_the_same_content(http, emulator):
    messages = [{"role": "user", "content": "Tell me about determinism."}]
    first = chat(http, emulator, messages=messages).json()
    second = chat(http, emulator, messages=messages).json()
    assert first["choices"] == second["choices"]
    assert first["usage"] == second["usage"]
    assert first["id"] != second["id"]


def test_usage_adds_up_and_has_the_detail_objects(http, emulator):
    usage = chat(http, emulator).json()["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens_details"] == {"cached_tokens": 0, "audio_tokens": 0}
    assert list(usage["completion_tokens_details"]) == [
        "reasoning_tokens",
        "audio_tokens",
        "accepted_prediction_tokens",
        "rejected_prediction_tokens",
    ]


def test_max_tokens_truncates_with_finish_reason_length(http, emulator):
    body = chat(http, emulator, max_tokens=3).json()
    assert body["choices"][0]["message"]["content"] == "You said:"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3


def test_max_completion_tokens_is_honoured_too(http, emulator):
    body = chat(http, emulator, max_completion_tokens=2).json()
    assert body["choices"][0]["message"]["content"] == "You said"
    assert body["choices"][0]["finish_reason"] == "length"


def test_reasoning_model_spends_reasoning_tokens(http, emulator):
    body = chat(http, emulator, model="o3-mini").json()
    details = body["usage"]["completion_tokens_details"]
    assert details["reasoning_tokens"] > 0
    assert body["usage"]["completion_tokens"] > details["reasoning_tokens"]


def test_n_gives_that_many_choices(http, emulator):
    choices = chat(http, emulator, n=3).json()["choices"]
    assert [c["index"] for c in choices] == [0, 1, 2]


def test_stop_sequence_cuts_the_answer(http, emulator):
    body = chat(http, emulator, stop=[" test"]).json()
    assert body["choices"][0]["message"]["content"] == "You said: Say this is a"
    assert body["choices"][0]["finish_reason"] == "stop"


def test_json_object_mode_answers_json(http, emulator):
    messages = [{"role": "user", "content": "Answer in json please"}]
    body = chat(http, emulator, messages=messages, response_format={"type": "json_object"})
    content = json.loads(body.json()["choices"][0]["message"]["content"])
    assert content == {"answer": "You said: Answer in json please"}


def test_json_object_mode_requires_the_word_json(http, emulator):
    response = chat(http, emulator, response_format={"type": "json_object"})
    assert response.status_code == 400
    assert error_of(response)["param"] == "messages"


def test_json_schema_mode_answers_an_instance_of_the_schema(http, emulator):
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city", "days", "unit"],
        "additionalProperties": False,
    }
    messages = [{"role": "user", "content": "Forecast for Paris, 3 days, in fahrenheit"}]
    response_format = {"type": "json_schema", "json_schema": {"name": "f", "schema": schema}}
    body = chat(http, emulator, messages=messages, response_format=response_format).json()
    assert json.loads(body["choices"][0]["message"]["content"]) == {
        "city": "Paris",
        "days": 3,
        "unit": "fahrenheit",
    }


def test_logprobs_cover_every_token(http, emulator):
    body = chat(http, emulator, logprobs=True, top_logprobs=1).json()
    logprobs = body["choices"][0]["logprobs"]
    tokens = [entry["token"] for entry in logprobs["content"]]
    assert "".join(tokens) == body["choices"][0]["message"]["content"]
    assert all(
        entry["logprob"] <= 0 and len(entry["top_logprobs"]) == 1 for entry in logprobs["content"]
    )


def test_reply_headers_carry_request_id_and_rate_limits(http, emulator):
    headers = chat(http, emulator).headers
    assert re.fullmatch(r"req_[0-9a-f]{32}", headers["x-request-id"])
    assert headers["openai-version"] == "2020-10-01"
    assert int(headers["openai-processing-ms"]) >= 0
    assert headers["content-type"] == "application/json"
    for name in ("requests", "tokens"):
        assert int(headers[f"x-ratelimit-limit-{name}"]) > 0
        assert int(headers[f"x-ratelimit-remaining-{name}"]) > 0
        assert re.fullmatch(r"\d+(ms|s)", headers[f"x-ratelimit-reset-{name}"])


def test_recorded_request_id_matches_the_reply_header(http, emulator):
    response = chat(http, emulator)
    assert emulator.requests[-1].request_id == response.headers["x-request-id"]


# -- validation --------------------------------------------------------------------------


def test_missing_messages_is_a_400_naming_the_parameter(http, emulator):
    response = http.post(emulator.base_url + "/chat/completions", json={"model": "gpt-4o"})
    assert response.status_code == 400
    assert error_of(response) == {
        "message": "Missing required parameter: 'messages'.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "missing_required_parameter",
    }


def test_validation_error_body_has_no_trailing_newline(http, emulator):
    response = http.post(emulator.base_url + "/chat/completions", json={"model": "gpt-4o"})
    assert response.text.startswith('{\n  "error": {\n    "message"')
    assert response.text.endswith("}")
    assert response.headers["x-request-id"].startswith("req_")


def test_bad_json_is_a_400(http, emulator):
    response = http.post(
        emulator.base_url + "/chat/completions",
        data=b'{"model": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "could not parse the JSON body" in error_of(response)["message"]


def test_unknown_model_is_a_404_with_the_real_message(http, emulator):
    response = chat(http, emulator, model="gpt-9-ultra")
    assert response.status_code == 404
    assert error_of(response) == {
        "message": "The model `gpt-9-ultra` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }
    assert response.text.startswith('{\n    "error"') and response.text.endswith("}\n")
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_empty_messages_is_a_400(http, emulator):
    response = chat(http, emulator, messages=[])
    assert response.status_code == 400
    assert error_of(response)["code"] == "empty_array"


def test_unknown_role_is_a_400(http, emulator):
    response = chat(http, emulator, messages=[{"role": "wizard", "content": "hi"}])
    assert response.status_code == 400
    assert error_of(response)["param"] == "messages[0].role"


def test_unknown_argument_is_rejected(http, emulator):
    response = chat(http, emulator, frobnicate=True)
    assert response.status_code == 400
    assert error_of(response)["message"] == "Unrecognized request argument supplied: frobnicate"


def test_temperature_above_two_is_a_400(http, emulator):
    response = chat(http, emulator, temperature=2.5)
    assert response.status_code == 400
    assert error_of(response)["code"] == "decimal_above_max_value"


def test_reasoning_model_rejects_max_tokens(http, emulator):
    response = chat(http, emulator, model="o1-mini", max_tokens=10)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["param"], error["code"]) == ("max_tokens", "unsupported_parameter")


def test_reasoning_model_rejects_stop_like_the_recording(http, emulator):
    response = chat(http, emulator, model="o1-mini", stop=["stop"])
    assert error_of(response) == {
        "message": "Unsupported parameter: 'stop' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "stop",
        "code": "unsupported_parameter",
    }


def test_stream_options_without_stream_is_a_400(http, emulator):
    response = chat(http, emulator, stream_options={"include_usage": True})
    assert response.status_code == 400
    assert error_of(response)["param"] == "stream_options"


def test_tool_message_without_a_preceding_tool_call_is_a_400(http, emulator):
    messages = [USER, {"role": "tool", "tool_call_id": "call_x", "content": "42"}]
    response = chat(http, emulator, messages=messages)
    assert response.status_code == 400
    assert error_of(response)["param"] == "messages.[1].role"


def test_unanswered_tool_call_is_a_400_naming_the_call(http, emulator):
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    messages = [USER, {"role": "assistant", "content": None, "tool_calls": [call]}, USER]
    response = chat(http, emulator, messages=messages)
    assert response.status_code == 400
    assert "call_1" in error_of(response)["message"]
