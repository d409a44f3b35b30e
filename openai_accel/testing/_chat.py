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
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import attrs

from . import _errors as err
from ._catalog import chat_snapshot, is_reasoning_model
from ._schema import SchemaContext, entities_of, instance_for, words_of
from ._strict_schema import check_strict_schema
from ._wire import count_tokens, fingerprint, pieces, random_alnum, wordset

KNOWN_PARAMETERS = wordset(
    """
    messages model audio frequency_penalty function_call functions logit_bias logprobs
    max_completion_tokens max_tokens metadata modalities n parallel_tool_calls prediction
    presence_penalty prompt_cache_key prompt_cache_retention prompt_cache_options
    reasoning_effort response_format safety_identifier seed service_tier stop store stream
    stream_options temperature tool_choice tools top_logprobs top_p user verbosity
    web_search_options moderation
    """
)
ROLES = ("system", "assistant", "user", "function", "tool", "developer")
REASONING_TOKENS = 16
MAX_CALLS_PER_TOOL = 5
_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_PLACE_PARAMS = wordset(
    """
    location city place country town region state destination origin address
    """
)


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


# ---------------------------------------------------------------- validation


def _check_number(
    body: Mapping[str, Any],
    name: str,
    low: Optional[float],
    high: Optional[float],
    integer: bool = False,
) -> None:
    if name not in body or body[name] is None:
        return
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise err.invalid_type(name, "an integer" if integer else "a number", value)
    if integer and not isinstance(value, int):
        raise err.invalid_type(name, "an integer", value)
    if low is not None and value < low:
        raise err.below_minimum(name, value, low)
    if high is not None and value > high:
        raise err.above_maximum(name, value, high)


def message_text(content: Any) -> str:
    """The text of a message's content (a string, or the text parts of a list)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, Mapping):
                if part.get("type") in ("text", "input_text") and isinstance(part.get("text"), str):
                    texts.append(part["text"])
                elif part.get("type") == "refusal" and isinstance(part.get("refusal"), str):
                    texts.append(part["refusal"])
            elif isinstance(part, str):
                texts.append(part)
        return " ".join(texts)
    return ""


def _image_parts(content: Any) -> int:
    if not isinstance(content, list):
        return 0
    return sum(
        1 for part in content if isinstance(part, Mapping) and part.get("type") == "image_url"
    )


def _validate_messages(messages: Any) -> None:
    if not isinstance(messages, list):
        raise err.invalid_type("messages", "an array", messages)
    if not messages:
        raise err.ApiError(
            400,
            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead.",
            param="messages",
            code="empty_array",
        )
    pending: List[Tuple[int, List[str]]] = []  # (assistant index, unanswered call ids)
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, Mapping):
            raise err.invalid_type(where, "an object", message)
        role = message.get("role")
        if role is None:
            raise err.missing_parameter(f"{where}.role")
        if role not in ROLES:
            raise err.invalid_value(f"{where}.role", role, ROLES)
        content = message.get("content")
        if role in ("system", "user", "developer", "tool") and "content" not in message:
            raise err.missing_parameter(f"{where}.content")
        if role == "user" and isinstance(content, list):
            for part_index, part in enumerate(content):
                _validate_part(part, f"{where}.content[{part_index}]")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id is None:
                raise err.missing_parameter(f"{where}.tool_call_id")
            if not pending:
                raise err.ApiError(
                    400,
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    param=f"messages.[{index}].role",
                )
            ids = pending[-1][1]
            if call_id in ids:
                ids.remove(call_id)
            continue
        if pending and pending[-1][1]:
            raise _unanswered_tool_calls(*pending[-1])
        pending = []
        if role == "assistant":
            calls = message.get("tool_calls")
            if calls:
                if not isinstance(calls, list):
                    raise err.invalid_type(f"{where}.tool_calls", "an array", calls)
                ids = [str(c.get("id")) for c in calls if isinstance(c, Mapping)]
                pending = [(index, ids)]
            elif "content" not in message and not message.get("function_call"):
                raise err.missing_parameter(f"{where}.content")
    if pending and pending[-1][1]:
        raise _unanswered_tool_calls(*pending[-1])


def _validate_part(part: Any, where: str) -> None:
    if not isinstance(part, Mapping):
        raise err.invalid_type(where, "an object", part)
    kind = part.get("type")
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else None
        if not isinstance(url, str):
            raise err.missing_parameter(f"{where}.image_url.url")
        if not url.startswith(("http://", "https://", "data:image/")):
            raise err.ApiError(400, f"Error while downloading {url}.", code="invalid_image_url")
    elif kind not in ("text", "input_audio", "file", "refusal"):
        raise err.invalid_value(f"{where}.type", kind, ("text", "image_url", "input_audio", "file"))


def _function_tools(body: Mapping[str, Any]) -> List[Dict[str, Any]]:
    tools = body.get("tools")
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise err.invalid_type("tools", "an array", tools)
    if not tools:
        raise err.ApiError(
            400,
            "Invalid 'tools': empty array. Expected an array with minimum length 1, but got "
            "an empty array instead.",
            param="tools",
            code="empty_array",
        )
    functions = []
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        if not isinstance(tool, Mapping):
            raise err.invalid_type(where, "an object", tool)
        kind = tool.get("type")
        if kind is None:
            raise err.missing_parameter(f"{where}.type")
        if kind not in ("function", "custom"):
            raise err.invalid_value(f"{where}.type", kind, ("function", "custom"))
        if kind != "function":
            continue
        function = tool.get("function")
        if not isinstance(function, Mapping):
            raise err.missing_parameter(f"{where}.function")
        name = function.get("name")
        if name is None:
            raise err.missing_parameter(f"{where}.function.name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise err.ApiError(
                400,
                f"Invalid '{where}.function.name': string does not match pattern. Expected a "
                "string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                param=f"{where}.function.name",
                code="invalid_value",
            )
        functions.append(dict(function))
    return functions


def validate(body: Any) -> None:
    """Reject what the real API rejects, with its wording (raises :class:`ApiError`)."""
    err.check_body(body, KNOWN_PARAMETERS, ("model", "messages"))
    model = body["model"]
    if not isinstance(model, str):
        raise err.invalid_type("model", "a string", model)
    _validate_messages(body["messages"])
    _check_number(body, "temperature", 0, 2)
    _check_number(body, "top_p", 0, 1)
    _check_number(body, "presence_penalty", -2, 2)
    _check_number(body, "frequency_penalty", -2, 2)
    _check_number(body, "n", 1, 128, integer=True)
    _check_number(body, "max_tokens", 1, None, integer=True)
    _check_number(body, "max_completion_tokens", 1, None, integer=True)
    _check_number(body, "top_logprobs", 0, 20, integer=True)
    if body.get("stream_options") is not None and not body.get("stream"):
        raise err.ApiError(
            400,
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            param="stream_options",
        )
    functions = _function_tools(body)
    _validate_tool_choice(body, functions)
    _validate_response_format(body)
    if chat_snapshot(model) is None:
        raise err.model_not_found(model)
    if is_reasoning_model(model):
        if body.get("max_tokens") is not None:
            raise err.unsupported_parameter("max_tokens", "Use 'max_completion_tokens' instead.")
        for name in ("temperature", "top_p"):
            value = body.get(name)
            if value is not None and value != 1:
                raise err.ApiError(
                    400,
                    f"Unsupported value: '{name}' does not support {value} with this model. "
                    "Only the default (1) value is supported.",
                    param=name,
                    code="unsupported_value",
                )
        if body.get("stop") is not None:
            raise err.unsupported_parameter("stop")


def _validate_tool_choice(body: Mapping[str, Any], functions: List[Dict[str, Any]]) -> None:
    choice = body.get("tool_choice")
    if choice is None:
        return
    if not body.get("tools"):
        raise err.ApiError(
            400,
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
            "specified.",
            param="tool_choice",
        )
    if isinstance(choice, str):
        if choice not in ("none", "auto", "required"):
            raise err.invalid_value("tool_choice", choice, ("none", "auto", "required"))
        return
    if not isinstance(choice, Mapping):
        raise err.invalid_type("tool_choice", "a string or an object", choice)
    if choice.get("type") != "function":
        return  # allowed_tools / custom: accepted, not acted on
    function = choice.get("function")
    name = function.get("name") if isinstance(function, Mapping) else None
    if not isinstance(name, str):
        raise err.missing_parameter("tool_choice.function.name")
    if name not in [f.get("name") for f in functions]:
        raise err.ApiError(
            400,
            f"Invalid value for 'tool_choice': tool choice '{name}' does not match any of the "
            "specified tools.",
            param="tool_choice",
            code="invalid_value",
        )


def _validate_response_format(body: Mapping[str, Any]) -> None:
    fmt = body.get("response_format")
    if fmt is None:
        return
    if not isinstance(fmt, Mapping):
        raise err.invalid_type("response_format", "an object", fmt)
    kind = fmt.get("type")
    if kind not in ("text", "json_object", "json_schema"):
        raise err.invalid_value(
            "response_format.type", kind, ("text", "json_object", "json_schema")
        )
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, Mapping):
            raise err.missing_parameter("response_format.json_schema")
        if "name" not in spec:
            raise err.missing_parameter("response_format.json_schema.name")
        if spec.get("strict") and "schema" in spec:  # responses: strict-mode rules
            check_strict_schema(spec["schema"], str(spec["name"]), "response_format")
    if kind == "json_object":
        texts = " ".join(
            message_text(m.get("content")) for m in body["messages"] if isinstance(m, Mapping)
        )
        if "json" not in texts.lower():
            raise err.ApiError(
                400,
                "'messages' must contain the word 'json' in some form, to use "
                "'response_format' of type 'json_object'.",
                param="messages",
            )


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


_FRAGMENT_SIZES = (3, 5, 4, 6, 2, 7)


def split_arguments(arguments: str) -> List[str]:
    """Cut a JSON string at deterministic, deliberately awkward points (like the API)."""
    fragments = []
    position = 0
    turn = 0
    while position < len(arguments):
        size = _FRAGMENT_SIZES[turn % len(_FRAGMENT_SIZES)]
        fragments.append(arguments[position : position + size])
        position += size
        turn += 1
    return fragments or [""]


def stream_chunks(
    chat: ChatPlan, completion_id: str, created: int, rng: random.Random
) -> List[Dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a stream, in order (without ``[DONE]``)."""
    chunks: List[Dict[str, Any]] = []

    def chunk(choices: List[Dict[str, Any]], usage_first: bool = False) -> Dict[str, Any]:
        item: Dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": chat.model,
            "service_tier": chat.service_tier,
            "system_fingerprint": chat.system_fingerprint,
        }
        if chat.include_usage and usage_first:
            item["usage"] = None
        item["choices"] = choices
        if chat.include_usage and not usage_first:
            item["usage"] = None
        if chat.include_obfuscation:
            item["obfuscation"] = random_alnum(rng, rng.randint(1, 16))
        return item

    def choice(
        index: int,
        delta: Dict[str, Any],
        finish: Optional[str] = None,
        logprobs: Optional[Dict[str, Any]] = None,
    ) -> List[Dict[str, Any]]:
        return [{"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]

    for index, plan_choice in enumerate(chat.choices):
        if plan_choice.tool_calls is not None:
            chunks.append(chunk(choice(index, {"role": "assistant", "content": None}), True))
            for call_index, call in enumerate(plan_choice.tool_calls):
                opening = {
                    "index": call_index,
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["function"]["name"], "arguments": ""},
                }
                chunks.append(chunk(choice(index, {"tool_calls": [opening]}), True))
                for fragment in split_arguments(call["function"]["arguments"]):
                    delta = {
                        "tool_calls": [{"index": call_index, "function": {"arguments": fragment}}]
                    }
                    chunks.append(chunk(choice(index, delta), True))
        else:
            opening_delta = {"role": "assistant", "content": "", "refusal": None}
            chunks.append(chunk(choice(index, opening_delta)))
            entries = (plan_choice.logprobs or {}).get("content") or []
            for piece_index, piece in enumerate(pieces(plan_choice.content or "")):
                logprobs = None
                if plan_choice.logprobs is not None and piece_index < len(entries):
                    logprobs = {"content": [entries[piece_index]], "refusal": None}
                chunks.append(chunk(choice(index, {"content": piece}, None, logprobs)))
        chunks.append(chunk(choice(index, {}, plan_choice.finish_reason)))
    if chat.include_usage:
        final = chunk([])
        final["usage"] = chat.usage
        if "obfuscation" in final:
            final["obfuscation"] = final.pop("obfuscation")
        chunks.append(final)
    return chunks


def _unanswered_tool_calls(assistant_index: int, missing: List[str]) -> err.ApiError:
    """The real API's 400 for an assistant tool call with no ``tool`` reply."""
    return err.ApiError(
        400,
        "An assistant message with 'tool_calls' must be followed by tool messages "
        "responding to each 'tool_call_id'. The following tool_call_ids did not have "
        f"response messages: {', '.join(missing)}",
        param=f"messages.[{assistant_index}].role",
    )
