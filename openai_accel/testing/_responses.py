"""``POST /v1/responses``: validation, the answer, and its JSON and event-stream forms.

The answer is the chat emulator's (:mod:`._chat`): the input items are read as
the conversation they stand for (messages, ``function_call`` items as
assistant tool calls, ``function_call_output`` items as tool results, after
``instructions`` and the chained ``previous_response_id`` conversation), so
the same request rules decide between text and function calls, and a
``text.format`` JSON schema is answered with an instance of it. Only the
wire forms differ, and they follow the recordings: the ``response`` object
with its keys in the API's order, item ids that share the response id's
prefix, and a stream of named events (``event:`` lines) numbered by
``sequence_number``, ending with ``response.completed`` and no ``[DONE]``.
"""

from __future__ import annotations

import json
import random
from typing import Any, Dict, List, Mapping, Optional

import attrs

from . import _chat
from . import _errors as err
from ._catalog import chat_snapshot, is_reasoning_model
from ._chat_validate import check_number
from ._strict_schema import check_strict_schema
from ._wire import random_alnum, random_hex, wordset

KNOWN_PARAMETERS = wordset(
    """
    model input instructions previous_response_id tools tool_choice parallel_tool_calls
    max_output_tokens max_tool_calls reasoning text store stream stream_options background
    include metadata temperature top_p top_logprobs truncation user safety_identifier
    service_tier prompt prompt_cache_key prompt_cache_retention conversation
    """
)


@attrs.frozen
class ResponsePlan:
    """A decided reply: the ``response`` object (completed form) and what it needs."""

    body: Dict[str, Any]
    conversation: List[Dict[str, Any]]  # input items + output items, for chaining
    prompt_tokens: int


# ---------------------------------------------------------------- validation


def _items(body: Mapping[str, Any]) -> List[Dict[str, Any]]:
    value = body.get("input")
    if value is None:
        return []
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if not isinstance(value, list):
        raise err.invalid_type("input", "a string or an array", value)
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise err.invalid_type(f"input[{index}]", "an object", item)
        kind = item.get("type", "message" if "role" in item else None)
        if kind is None:
            raise err.missing_parameter(f"input[{index}].type")
        if kind == "message" and item.get("role") not in _chat.ROLES:
            raise err.invalid_value(
                f"input[{index}].role",
                item.get("role"),
                ("user", "assistant", "system", "developer"),
            )
        if kind in ("function_call", "function_call_output") and not item.get("call_id"):
            raise err.missing_parameter(f"input[{index}].call_id")
        items.append(dict(item))
    return items


def _function_tools(body: Mapping[str, Any]) -> List[Dict[str, Any]]:
    tools = body.get("tools")
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise err.invalid_type("tools", "an array", tools)
    functions = []
    for index, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise err.invalid_type(f"tools[{index}]", "an object", tool)
        if tool.get("type") != "function":
            continue
        if not isinstance(tool.get("name"), str):
            raise err.missing_parameter(f"tools[{index}].name")
        tool_is_strict(tool, index)
        functions.append(dict(tool))
    return functions


def tool_is_strict(tool: Mapping[str, Any], index: int = 0) -> bool:
    """Whether a function tool runs in strict mode, as the API decides it.

    ``strict: true`` with a parameter left out of ``required`` is the API's
    400; without ``strict`` the tool is strict exactly when every parameter
    is required (optional parameters keep it non-strict).
    """
    parameters = tool.get("parameters") or {}
    required = parameters.get("required") or []
    missing = [key for key in parameters.get("properties") or {} if key not in required]
    if tool.get("strict") is True and missing:
        raise err.ApiError(
            400,
            f"Invalid schema for function '{tool['name']}': In context=(), 'required' is "
            "required to be supplied and to be an array including every key in properties. "
            f"Missing '{missing[0]}'.",
            param=f"tools[{index}].parameters",
            code="invalid_function_parameters",
        )
    if tool.get("strict") is not None:
        return bool(tool["strict"])
    return not missing


def _text_format(body: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    text = body.get("text")
    if text is None:
        return None
    if not isinstance(text, Mapping):
        raise err.invalid_type("text", "an object", text)
    fmt = text.get("format")
    if fmt is None:
        return None
    if not isinstance(fmt, Mapping):
        raise err.invalid_type("text.format", "an object", fmt)
    kind = fmt.get("type")
    if kind not in ("text", "json_object", "json_schema"):
        raise err.invalid_value("text.format.type", kind, ("text", "json_object", "json_schema"))
    if kind == "json_schema":
        for key in ("name", "schema"):
            if key not in fmt:
                raise err.missing_parameter(f"text.format.{key}")
        if fmt.get("strict"):
            check_strict_schema(fmt["schema"], str(fmt["name"]), "text.format.schema")
    return dict(fmt)


def validate(body: Any) -> None:
    """Reject what the real API rejects, with its wording (raises :class:`ApiError`)."""
    err.check_body(body, KNOWN_PARAMETERS, ("model",))
    model = body["model"]
    if not isinstance(model, str):
        raise err.invalid_type("model", "a string", model)
    if body.get("input") is None and body.get("previous_response_id") is None:
        raise err.missing_parameter("input")
    _items(body)
    _function_tools(body)
    _text_format(body)
    check_number(body, "max_output_tokens", 16, None, integer=True)
    check_number(body, "temperature", 0, 2)
    if chat_snapshot(model) is None:
        raise err.ApiError(
            400,
            f"The requested model '{model}' does not exist.",
            param="model",
            code="model_not_found",
        )


# ---------------------------------------------------------------- the answer


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p for p in content if isinstance(p, Mapping)]
        return " ".join(str(p.get("text") or p.get("refusal") or "") for p in parts)
    return ""


def _chat_messages(
    items: List[Dict[str, Any]], instructions: Optional[str]
) -> List[Dict[str, Any]]:
    """The conversation the items stand for, as chat messages."""
    messages: List[Dict[str, Any]] = []
    if instructions:
        messages.append({"role": "developer", "content": instructions})
    calls_seen = set()
    for item in items:
        kind = item.get("type", "message")
        if kind == "message":
            messages.append({"role": item.get("role"), "content": _text_of(item.get("content"))})
        elif kind == "function_call":
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments", "")},
            }
            calls_seen.add(item["call_id"])
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and last.get("tool_calls"):
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            if item["call_id"] not in calls_seen:
                raise err.ApiError(
                    400,
                    f"No tool call found for function call output with call_id {item['call_id']}.",
                    param="input",
                )
            output = item.get("output")
            text = output if isinstance(output, str) else json.dumps(output)
            messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": text})
    return messages


def _chat_request(
    body: Mapping[str, Any], messages: List[Dict[str, Any]], fmt: Optional[Dict[str, Any]]
) -> Dict[str, Any]:
    request: Dict[str, Any] = {"model": body["model"], "messages": messages}
    functions = _function_tools(body)
    if functions:
        request["tools"] = [
            {"type": "function", "function": {k: v for k, v in f.items() if k != "type"}}
            for f in functions
        ]
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping) and choice.get("type") == "function":
        choice = {"type": "function", "function": {"name": choice.get("name")}}
    if choice is not None:
        request["tool_choice"] = choice
    if body.get("parallel_tool_calls") is not None:
        request["parallel_tool_calls"] = body["parallel_tool_calls"]
    if body.get("max_output_tokens") is not None:
        request["max_completion_tokens"] = body["max_output_tokens"]
    reasoning = body.get("reasoning")
    if isinstance(reasoning, Mapping) and reasoning.get("effort") is not None:
        request["reasoning_effort"] = reasoning["effort"]
    if fmt is not None and fmt.get("type") == "json_schema":
        request["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": fmt["name"], "schema": fmt["schema"]},
        }
    elif fmt is not None and fmt.get("type") == "json_object":
        request["response_format"] = {"type": "json_object"}
    return request


def _echo_tool(tool: Mapping[str, Any]) -> Dict[str, Any]:
    """A function tool as the API echoes it: ``strict`` decided, strict parameters closed."""
    if tool.get("type") != "function":
        return dict(tool)
    strict = tool_is_strict(tool)
    parameters = dict(tool.get("parameters") or {"type": "object", "properties": {}})
    if strict:
        parameters.setdefault("additionalProperties", False)
    return {
        "type": "function",
        "description": tool.get("description"),
        "name": tool["name"],
        "parameters": parameters,
        "strict": strict,
    }


class _Ids:
    """Ids that share the response's prefix, as the API's do."""

    def __init__(self, rng: random.Random, created: int) -> None:
        self.rng = rng
        self.prefix = random_hex(rng, 16) + "01"
        self.created = created
        self.count = 0

    def make(self, kind: str) -> str:
        stamp = format((self.created + min(self.count, 1)) & 0xFFFFFFFF, "08x")
        self.count += 1
        return f"{kind}_{self.prefix}{stamp}{random_hex(self.rng, 24)}"


def plan(
    body: Mapping[str, Any],
    rng: random.Random,
    created: int,
    previous: Optional[List[Dict[str, Any]]],
) -> ResponsePlan:
    """Decide the reply to a validated request; ``previous`` is the chained conversation."""
    items = (previous or []) + _items(body)
    fmt = _text_format(body)
    messages = _chat_messages(items, body.get("instructions"))
    chat_request = _chat_request(body, messages, fmt)
    chat = _chat.plan(chat_request, rng)
    choice = chat.choices[0]
    ids = _Ids(rng, created)
    response_id = ids.make("resp")
    model = str(body["model"])
    output: List[Dict[str, Any]] = []
    reasoning_tokens = int(chat.usage["completion_tokens_details"]["reasoning_tokens"])
    include = body.get("include") or []
    if reasoning_tokens and is_reasoning_model(model):
        reasoning: Dict[str, Any] = {"id": ids.make("rs"), "type": "reasoning"}
        if "reasoning.encrypted_content" in include:
            reasoning["encrypted_content"] = "gAAAAA" + random_alnum(rng, 120)
        reasoning["summary"] = []
        output.append(reasoning)
    truncated = choice.finish_reason == "length"
    if choice.tool_calls:
        for call in choice.tool_calls:
            output.append(
                {
                    "id": ids.make("fc"),
                    "type": "function_call",
                    "status": "completed",
                    "arguments": call["function"]["arguments"],
                    "call_id": call["id"],
                    "name": call["function"]["name"],
                }
            )
    else:
        message: Dict[str, Any] = {
            "id": ids.make("msg"),
            "type": "message",
            "status": "incomplete" if truncated else "completed",
            "content": [
                {
                    "type": "output_text",
                    "annotations": [],
                    "logprobs": [],
                    "text": choice.content or "",
                }
            ],
        }
        if model.startswith("gpt-5"):
            message["phase"] = "final_answer"
        message["role"] = "assistant"
        output.append(message)
    usage = chat.usage
    reasoning_param: Mapping[str, Any] = body.get("reasoning") or {}
    text_param: Mapping[str, Any] = body.get("text") or {}
    response: Dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": "incomplete" if truncated else "completed",
        "background": bool(body.get("background", False)),
        "billing": {"payer": "developer"},
        "completed_at": created + 1,
        "error": None,
        "frequency_penalty": 0.0,
        "incomplete_details": {"reason": "max_output_tokens"} if truncated else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": chat.model,
        "moderation": None,
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True) is not False,
        "presence_penalty": 0.0,
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "prompt_cache_retention": "24h",
        "reasoning": {
            "effort": reasoning_param.get("effort") if is_reasoning_model(model) else None,
            "summary": reasoning_param.get("summary"),
        },
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": chat.service_tier,
        "store": body.get("store", True) is not False,
        "temperature": float(body.get("temperature", 1.0)),
        "text": {
            "format": fmt or {"type": "text"},
            "verbosity": text_param.get("verbosity", "medium"),
        },
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": [_echo_tool(t) for t in body.get("tools") or [] if isinstance(t, Mapping)],
        "top_logprobs": int(body.get("top_logprobs") or 0),
        "top_p": float(body.get("top_p", 1.0)),
        "truncation": body.get("truncation", "disabled"),
        "usage": {
            "input_tokens": usage["prompt_tokens"],
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": usage["completion_tokens"],
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": usage["total_tokens"],
        },
        "user": body.get("user"),
        "metadata": dict(body.get("metadata") or {}),
    }
    conversation = items + [_as_input(item) for item in output]
    return ResponsePlan(response, conversation, int(usage["prompt_tokens"]))


def _as_input(item: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("id", "status", "phase")}
