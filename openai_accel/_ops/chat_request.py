"""What a chat request says: the conversation, tools and options checked, and the body built.

Kept apart from the flows in ``chat.py`` because all of it is pure and runs
before anything is sent: a message that is not a dict, a tool that is neither
a dict nor a function, a ``stream=`` that contradicts the method, each becomes
a :class:`~openai_accel.errors.BadRequestError` naming the parameter, and
nothing is billed.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union
from urllib.parse import urlsplit

from ..errors import BadRequestError

__all__ = [
    "DEFAULT_CHAT_MODEL",
    "Messages",
    "Tool",
    "chat_body",
    "checked_messages",
    "function_map",
    "is_openai_endpoint",
    "refuse_stream_flag",
    "tool_definitions",
]

Messages = Union[str, Sequence[Mapping[str, Any]]]
#: A tool dict as the API takes it, or a function whose schema is derived.
Tool = Union[Mapping[str, Any], Callable[..., Any]]

DEFAULT_CHAT_MODEL = "gpt-4o-mini"
OPENAI_API_HOST = "api.openai.com"
#: Reasoning models reject ``max_tokens`` and want ``max_completion_tokens``.
_COMPLETION_TOKENS_MODELS = ("o1", "o3", "o4", "gpt-5")


_NOT_A_CONVERSATION = "messages must be a non-empty list of message dicts"


def checked_messages(messages: Messages) -> List[Dict[str, Any]]:
    """A new list of the caller's messages, checked; dicts are not copied (never mutated)."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    # type() first: isinstance against typing.Sequence costs microseconds per call
    is_sequence = type(messages) is list or isinstance(messages, (tuple, Sequence))
    if not is_sequence or not messages:
        raise BadRequestError(_NOT_A_CONVERSATION, param="messages")
    result: List[Dict[str, Any]] = []
    for index, message in enumerate(messages):
        if type(message) is dict and "role" in message:
            result.append(message)  # the fast path: a plain dict
        elif isinstance(message, Mapping) and "role" in message:
            result.append(dict(message))
        else:
            raise BadRequestError(
                f"messages[{index}] must be a dict with a 'role' key, got {message!r:.80}",
                param=f"messages[{index}]",
            )
    return result


@functools.lru_cache(maxsize=16)
def is_openai_endpoint(base_url: str) -> bool:
    """Whether requests go to OpenAI itself, whose reasoning models refuse ``max_tokens``.

    Compatible servers (vLLM, llama.cpp, proxies) ignore ``max_completion_tokens``
    and would lose the cap, so only OpenAI's own host gets the rename.
    """
    return urlsplit(base_url).hostname == OPENAI_API_HOST


def tool_definitions(tools: Sequence[Tool]) -> List[Mapping[str, Any]]:
    """Tool dicts as given; a plain function becomes its derived schema (named ``__name__``)."""
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
        raise BadRequestError(
            f"tools must be a list of tool dicts or functions, got {type(tools).__name__}",
            param="tools",
        )
    result: List[Mapping[str, Any]] = []
    for index, tool in enumerate(tools):
        if isinstance(tool, Mapping):
            result.append(tool)
        elif callable(tool):
            result.append(_schema_of(tool, f"tools[{index}]"))
        else:
            raise BadRequestError(
                f"tools[{index}] must be a tool dict or a function, got {type(tool).__name__}",
                param=f"tools[{index}]",
            )
    return result


def _schema_of(fn: Callable[..., Any], where: str) -> Dict[str, Any]:
    from .._core.tool_schema import tool_from_callable  # perf: only when a tool is a function

    name = getattr(fn, "__name__", None)
    try:
        return tool_from_callable(name, fn)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise BadRequestError(f"{where}: {exc}", param=where) from None


def function_map(functions: Any) -> Mapping[str, Callable[..., Any]]:
    """``chat_with_functions``' functions: a name -> callable mapping, or a list of callables."""
    if isinstance(functions, Mapping):
        for name, fn in functions.items():
            if not callable(fn):
                raise BadRequestError(
                    f"functions[{name!r}] must be callable, got {type(fn).__name__}",
                    param="functions",
                )
        return functions
    if isinstance(functions, (str, bytes)) or not isinstance(functions, Sequence):
        raise BadRequestError(
            "functions must be a mapping of name -> callable or a list of functions, "
            f"got {type(functions).__name__}",
            param="functions",
        )
    by_name: Dict[str, Callable[..., Any]] = {}
    for index, fn in enumerate(functions):
        name = getattr(fn, "__name__", None)
        if not callable(fn) or not isinstance(name, str):
            raise BadRequestError(
                f"functions[{index}] must be a named function, got {type(fn).__name__}; "
                "pass a mapping {name: callable} for callables without a __name__",
                param=f"functions[{index}]",
            )
        if name in by_name:
            raise BadRequestError(
                f"functions[{index}]: two functions are named {name!r}; "
                "pass a mapping {name: callable} to name them apart",
                param=f"functions[{index}]",
            )
        by_name[name] = fn
    return by_name


def refuse_stream_flag(extra: Mapping[str, Any], streaming: bool) -> None:
    """``stream=`` contradicting the method is refused before anything is sent (and billed)."""
    if "stream" not in extra or bool(extra["stream"]) is streaming:
        return
    if streaming:
        raise BadRequestError(
            "stream_chat() always streams; call chat() for a complete reply",
            param="stream",
        )
    raise BadRequestError(
        "chat() returns a complete reply; call stream_chat(...) to stream "
        "(it takes the same arguments)",
        param="stream",
    )


def chat_body(
    messages: Messages,
    model: str,
    temperature: Optional[float],
    max_tokens: Optional[int],
    tools: Optional[Sequence[Tool]],
    tool_choice: Any,
    extra: Mapping[str, Any],
    *,
    openai_endpoint: bool = True,
) -> Dict[str, Any]:
    body: Dict[str, Any] = {"model": model, "messages": checked_messages(messages)}
    if temperature is not None:
        body["temperature"] = temperature
    if max_tokens is not None and "max_completion_tokens" not in extra:  # never both
        renamed = openai_endpoint and model.startswith(_COMPLETION_TOKENS_MODELS)
        body["max_completion_tokens" if renamed else "max_tokens"] = max_tokens
    if tools:
        body["tools"] = tool_definitions(tools)
    if tool_choice is not None:
        body["tool_choice"] = tool_choice
    body.update(extra)
    return body
