"""Request validation for ``POST /v1/chat/completions``, in the real API's wording.

Checks run in the order the API makes them, so that a request with several
faults gets the same first error as from the real service.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import _errors as err
from ._catalog import chat_snapshot, is_reasoning_model
from ._strict_schema import check_strict_schema
from ._wire import wordset

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
_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


# ---------------------------------------------------------------- validation


def check_number(
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


#: Chat models that take text only: an image part is refused as the API does.
_TEXT_ONLY_MODELS = re.compile(
    r"^(gpt-3\.5-turbo|gpt-4(-0314|-0613|-32k[\w-]*)?$|o1-mini|o1-preview|o3-mini)"
)


def _check_image_input(model: str, messages: List[Any]) -> None:
    """A non-vision model answers an image part with a 400 naming the part (issue 14)."""
    if not _TEXT_ONLY_MODELS.match(model):
        return
    for index, message in enumerate(messages):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for part_index, part in enumerate(content):
            if isinstance(part, Mapping) and part.get("type") == "image_url":
                raise err.ApiError(
                    400,
                    "Invalid content type. image_url is only supported by certain models.",
                    param=f"messages.[{index}].content.[{part_index}].type",
                )


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
    check_number(body, "temperature", 0, 2)
    check_number(body, "top_p", 0, 1)
    check_number(body, "presence_penalty", -2, 2)
    check_number(body, "frequency_penalty", -2, 2)
    check_number(body, "n", 1, 128, integer=True)
    check_number(body, "max_tokens", 1, None, integer=True)
    check_number(body, "max_completion_tokens", 1, None, integer=True)
    check_number(body, "top_logprobs", 0, 20, integer=True)
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
    _check_image_input(model, body["messages"])
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


def _unanswered_tool_calls(assistant_index: int, missing: List[str]) -> err.ApiError:
    """The real API's 400 for an assistant tool call with no ``tool`` reply."""
    return err.ApiError(
        400,
        "An assistant message with 'tool_calls' must be followed by tool messages "
        "responding to each 'tool_call_id'. The following tool_call_ids did not have "
        f"response messages: {', '.join(missing)}",
        param=f"messages.[{assistant_index}].role",
    )
