"""The pure half of the tool loop: turn tool calls into invocations and outcomes
into ``tool`` messages. No threads here; the drivers run the invocations."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ..errors import FunctionCallError
from ..models.chat import ToolCall
from .effects import ToolInvocation, ToolOutcome
from .tool_schema import coerce_arguments

__all__ = ["prepare_invocations", "tool_messages"]


def _render(value: Any) -> str:
    """Tool results go back as text: strings as they are, everything else as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _error_content(name: str, error: BaseException) -> str:
    kind = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
    return json.dumps({"error": f"{kind}: {error}", "tool": name}, ensure_ascii=False)


def prepare_invocations(
    calls: Sequence[ToolCall], functions: Mapping[str, Callable[..., Any]]
) -> Tuple[List[ToolInvocation], Dict[str, BaseException]]:
    """Invocations for the calls that can run, and the errors of those that cannot.

    A call cannot run when it names an unknown function, when its arguments
    are not a JSON object, or when they do not fit the function's parameters.
    """
    runnable: List[ToolInvocation] = []
    failed: Dict[str, BaseException] = {}
    for call in calls:
        name = call.function.name
        fn = functions.get(name)
        if fn is None:
            failed[call.id] = LookupError(f"unknown function {name!r}")
            continue
        try:
            arguments = json.loads(call.function.arguments or "{}")
        except (ValueError, RecursionError) as exc:  # replies: absurd nesting is bad JSON too
            failed[call.id] = ValueError(f"arguments are not valid JSON: {exc}")
            continue
        if not isinstance(arguments, dict):
            failed[call.id] = ValueError("arguments are not a JSON object")
            continue
        try:
            arguments = coerce_arguments(fn, arguments)
        except TypeError as exc:
            failed[call.id] = exc
            continue
        runnable.append(ToolInvocation(call.id, name, fn, arguments))
    return runnable, failed


def tool_messages(
    calls: Sequence[ToolCall],
    outcomes: Sequence[ToolOutcome],
    failed: Mapping[str, BaseException],
    *,
    fail_on_function_error: bool,
) -> List[Dict[str, Any]]:
    """One ``tool`` message per call, in the calls' order.

    With ``fail_on_function_error`` the first failure raises FunctionCallError
    (naming the tool and keeping the cause) instead of being reported back.
    """
    by_id: Dict[str, ToolOutcome] = {outcome.call_id: outcome for outcome in outcomes}
    messages: List[Dict[str, Any]] = []
    for call in calls:
        name = call.function.name
        error: Optional[BaseException] = failed.get(call.id)
        outcome = by_id.get(call.id)
        if error is None and outcome is not None:
            error = outcome.error
        if error is not None:
            if fail_on_function_error:
                raise FunctionCallError(
                    f"tool {name!r} failed: {type(error).__name__}: {error}",
                    function_name=name,
                    cause=error,
                ) from error
            content = _error_content(name, error)
        else:
            content = _render(outcome.value if outcome is not None else None)
        messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
    return messages
