"""``POST /v1/chat/completions``: validation, a deterministic answer, and its wire forms.

The answer depends only on the request, so the same request always gets the
same content (ids and timestamps differ, as they do for real):

* **Tool calls** are made when the request has function ``tools``,
  ``tool_choice`` is not ``"none"`` and no ``role: "tool"`` message follows the
  last user message. ``tool_choice: {"type": "function", "function": {"name": X}}``
  calls X. Otherwise the tools whose *name* shares a content word with the
  user's message are called (in the order given); if none does, those whose
  *description* shares one; if still none, ``"required"`` calls every tool and
  ``"auto"`` answers in text. A tool whose only required parameter is a
  place-like string (``location``, ``city``...) is called once per capitalised
  phrase of the message ("Seattle and San Francisco" -> two calls), at most 5.
  ``parallel_tool_calls: false`` keeps the first call. Arguments satisfy the
  tool's JSON schema (see ``_schema``).
* **After tool results** (tool messages after the last user message) the
  answer is text quoting every result: ``Based on the tool results:
  get_weather returned {"temp": 20}.``
* **Otherwise** the answer echoes the last user message: ``You said: <text>``
  (``Hello! How can I help you today?`` when there is none). With
  ``response_format`` ``json_schema`` the answer is an instance of the schema;
  with ``json_object`` it is ``{"answer": <that text>}``.
* ``stop`` cuts the text at the first stop sequence; ``max_tokens`` /
  ``max_completion_tokens`` keep that many tokens and set ``finish_reason:
  "length"``. Reasoning models (o-series, gpt-5) spend 16 reasoning tokens of
  that budget first, as the real ones spend some.
* Tokens are counted with a simple tokenizer (a word or a punctuation mark),
  and a stream sends exactly one content delta per counted token.
"""

from __future__ import annotations

import json
import random
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import attrs

from ._catalog import chat_snapshot, is_reasoning_model
from ._chat_stream import split_arguments, stream_chunks
from ._chat_validate import (
    KNOWN_PARAMETERS,
    ROLES,
    _function_tools,
    _image_parts,
    message_text,
    validate,
)
from ._schema import SchemaContext, entities_of, instance_for, words_of
from ._wire import count_tokens, fingerprint, pieces, random_alnum, wordset

REASONING_TOKENS = 16
MAX_CALLS_PER_TOOL = 5
_PLACE_PARAMS = wordset(
    """
    location city place country town region state destination origin address
    """
)

# Validation is in ._chat_validate, the stream's chunks in ._chat_stream; the
# server and the Responses emulator reach them through this module.
__all__ = [
    "KNOWN_PARAMETERS",
    "ROLES",
    "ChatPlan",
    "ChoicePlan",
    "choose_tool_calls",
    "completion_body",
    "message_text",
    "plan",
    "split_arguments",
    "stream_chunks",
    "validate",
]


@attrs.frozen
class ChoicePlan:
    """One choice's content: text, or tool calls."""

    content: Optional[str]
    tool_calls: Optional[List[Dict[str, Any]]]
    finish_reason: str
    logprobs: Optional[Dict[str, Any]]


@attrs.frozen
class ChatPlan:
    """Everything a reply needs, independent of how it is sent (JSON or SSE)."""

    model: str
    choices: List[ChoicePlan]
    usage: Dict[str, Any]
    include_usage: bool
    include_obfuscation: bool
    service_tier: str
    system_fingerprint: Optional[str]


# ---------------------------------------------------------------- the answer


def _last_user_index(messages: Sequence[Mapping[str, Any]]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "user":
            return index
    return -1


def _tool_results(messages: Sequence[Mapping[str, Any]], after: int) -> List[Tuple[str, str]]:
    names: Dict[str, str] = {}
    results: List[Tuple[str, str]] = []
    for index, message in enumerate(messages):
        if message.get("role") == "assistant":
            for call in message.get("tool_calls") or []:
                if isinstance(call, Mapping):
                    function = call.get("function")
                    name = function.get("name") if isinstance(function, Mapping) else None
                    names[str(call.get("id"))] = str(name or "tool")
        elif message.get("role") == "tool" and index > after:
            call_id = str(message.get("tool_call_id"))
            results.append((names.get(call_id, call_id), message_text(message.get("content"))))
    return results


def _place_parameter(parameters: Mapping[str, Any]) -> Optional[str]:
    required = parameters.get("required") or []
    properties = parameters.get("properties") or {}
    if len(required) != 1:
        return None
    name = required[0]
    schema = properties.get(name)
    if not isinstance(schema, Mapping) or schema.get("type") not in ("string", None):
        return None
    if "enum" in schema or "format" in schema:
        return None
    return str(name) if str(name).lower() in _PLACE_PARAMS else None


def choose_tool_calls(
    functions: List[Dict[str, Any]],
    tool_choice: Any,
    parallel: bool,
    user_text: str,
) -> List[Tuple[str, Dict[str, Any]]]:
    """(name, arguments) pairs to call, by the rule in the module docstring."""
    if not functions or tool_choice == "none":
        return []
    by_name = {str(f["name"]): f for f in functions}
    selected: List[Dict[str, Any]] = []
    if isinstance(tool_choice, Mapping) and tool_choice.get("type") == "function":
        function = tool_choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        if name in by_name:
            selected = [by_name[str(name)]]
    else:
        message_words = set(words_of(user_text))
        selected = [f for f in functions if set(words_of(str(f["name"]))) & message_words]
        if not selected:
            selected = [
                f
                for f in functions
                if set(words_of(str(f.get("description") or ""))) & message_words
            ]
        if not selected and tool_choice == "required":
            selected = list(functions)
    calls: List[Tuple[str, Dict[str, Any]]] = []
    entities = entities_of(user_text)
    for function in selected:
        parameters = function.get("parameters")
        if not isinstance(parameters, Mapping):
            parameters = {"type": "object", "properties": {}}
        place = _place_parameter(parameters)
        per_call: List[Optional[str]] = [None]
        if place is not None and len(entities) > 1:
            per_call = list(entities[:MAX_CALLS_PER_TOOL])
        for entity in per_call:
            arguments = instance_for(parameters, SchemaContext(user_text, entity))
            if not isinstance(arguments, dict):
                arguments = {}
            calls.append((str(function["name"]), arguments))
    if not parallel:
        calls = calls[:1]
    return calls


def _answer_text(body: Mapping[str, Any]) -> str:
    messages = body["messages"]
    last_user = _last_user_index(messages)
    results = _tool_results(messages, last_user)
    user_text = message_text(messages[last_user].get("content")) if last_user >= 0 else ""
    if results:
        quoted = "; ".join(f"{name} returned {content}" for name, content in results)
        text = f"Based on the tool results: {quoted}."
    elif last_user >= 0:
        text = f"You said: {user_text}"
    else:
        text = "Hello! How can I help you today?"
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping):
        if fmt.get("type") == "json_object":
            return json.dumps({"answer": text}, ensure_ascii=False)
        if fmt.get("type") == "json_schema":
            spec = fmt.get("json_schema") or {}
            schema = spec.get("schema") if isinstance(spec, Mapping) else None
            value = instance_for(schema or {"type": "object"}, SchemaContext(user_text))
            return json.dumps(value, ensure_ascii=False)
    return text


def _apply_stop(text: str, stop: Any) -> str:
    """The text up to the first stop sequence (which the API never includes)."""
    sequences = [stop] if isinstance(stop, str) else list(stop or [])
    cut = len(text)
    for sequence in sequences:
        if isinstance(sequence, str) and sequence:
            position = text.find(sequence)
            if 0 <= position < cut:
                cut = position
    return text[:cut]


def _logprobs(text: str, top: int) -> Dict[str, Any]:
    entries = []
    for index, piece in enumerate(pieces(text)):
        logprob = -round(0.0001 * (1 + (index * 7919) % 97), 6)
        entry: Dict[str, Any] = {
            "token": piece,
            "logprob": logprob,
            "bytes": list(piece.encode("utf-8")),
        }
        alternatives = [{"token": piece, "logprob": logprob, "bytes": entry["bytes"]}]
        entry["top_logprobs"] = alternatives[:top]
        entries.append(entry)
    return {"content": entries, "refusal": None}


def _prompt_tokens(body: Mapping[str, Any]) -> int:
    total = 3
    for message in body["messages"]:
        total += 4 + count_tokens(message_text(message.get("content")))
        total += 85 * _image_parts(message.get("content"))
        for call in message.get("tool_calls") or []:
            if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
                function = call["function"]
                total += count_tokens(str(function.get("name", "")))
                total += count_tokens(str(function.get("arguments", "")))
    if body.get("tools"):
        total += count_tokens(json.dumps(body["tools"]))
    return total


def plan(body: Mapping[str, Any], rng: random.Random) -> ChatPlan:
    """Decide the reply to a validated request (tool-call ids come from ``rng``)."""
    model = str(body["model"])
    messages = body["messages"]
    reasoning = is_reasoning_model(model)
    last_user = _last_user_index(messages)
    user_text = message_text(messages[last_user].get("content")) if last_user >= 0 else ""
    answered = bool(_tool_results(messages, last_user))
    functions = _function_tools(body)
    calls_wanted: List[Tuple[str, Dict[str, Any]]] = []
    if functions and not answered:
        parallel = body.get("parallel_tool_calls") is not False
        calls_wanted = choose_tool_calls(
            functions, body.get("tool_choice", "auto"), parallel, user_text
        )
    effort = body.get("reasoning_effort")
    reasoning_tokens = REASONING_TOKENS if reasoning and effort not in ("minimal", "none") else 0
    budget = body.get("max_completion_tokens")
    if budget is None:
        budget = body.get("max_tokens")
    if budget is not None:
        reasoning_tokens = min(reasoning_tokens, int(budget))
    count = int(body.get("n") or 1)
    choices: List[ChoicePlan] = []
    completion_tokens = 0
    for _ in range(count):
        completion_tokens += reasoning_tokens
        if calls_wanted:
            tool_calls = []
            for name, arguments in calls_wanted:
                text = json.dumps(arguments, ensure_ascii=False)
                tool_calls.append(
                    {
                        "id": "call_" + random_alnum(rng, 24),
                        "type": "function",
                        "function": {"name": name, "arguments": text},
                    }
                )
                completion_tokens += count_tokens(name) + count_tokens(text) + 3
            choices.append(ChoicePlan(None, tool_calls, "tool_calls", None))
            continue
        text = _apply_stop(_answer_text(body), body.get("stop"))
        finish = "stop"
        tokens = pieces(text)
        if budget is not None and len(tokens) > int(budget) - reasoning_tokens:
            tokens = tokens[: int(budget) - reasoning_tokens]
            text = "".join(tokens)
            finish = "length"
        completion_tokens += len(tokens)
        logprobs = None
        if body.get("logprobs"):
            logprobs = _logprobs(text, int(body.get("top_logprobs") or 0))
        choices.append(ChoicePlan(text, None, finish, logprobs))
    prompt_tokens = _prompt_tokens(body)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning_tokens * count,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
    stream_options = body.get("stream_options")
    options = stream_options if isinstance(stream_options, Mapping) else {}
    served = chat_snapshot(model) or model
    tier = body.get("service_tier")
    plain_fp = reasoning or served.startswith("gpt-3.5")
    return ChatPlan(
        model=served,
        choices=choices,
        usage=usage,
        include_usage=bool(options.get("include_usage")),
        include_obfuscation=options.get("include_obfuscation", True) is not False,
        service_tier=tier if tier in ("flex", "priority") else "default",
        system_fingerprint=None if plain_fp else fingerprint(served),
    )


def completion_body(chat: ChatPlan, completion_id: str, created: int) -> Dict[str, Any]:
    """The non-streaming ``chat.completion`` object, keys in the API's order."""
    choices = []
    for index, choice in enumerate(chat.choices):
        message: Dict[str, Any] = {"role": "assistant", "content": choice.content}
        if choice.tool_calls is not None:
            message["tool_calls"] = choice.tool_calls
        message["refusal"] = None
        message["annotations"] = []
        choices.append(
            {
                "index": index,
                "message": message,
                "logprobs": choice.logprobs,
                "finish_reason": choice.finish_reason,
            }
        )
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": chat.model,
        "choices": choices,
        "usage": chat.usage,
        "service_tier": chat.service_tier,
        "system_fingerprint": chat.system_fingerprint,
    }
