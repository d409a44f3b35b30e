"""Tool execution shared by every tool loop (Chat Completions and Responses).

A loop hands over the model's calls as neutral :class:`PendingCall` values
(call id, function name, JSON arguments); :func:`execute_calls` turns them
into invocations, runs the runnable ones in parallel through the ``RunTools``
effect (the drivers own the threads / tasks and the timeouts) and returns one
``(call_id, text)`` result per call, in the calls' order. Each API then only
wraps the results in its own shape (``tool`` messages, ``function_call_output``
items), so argument checking, error reporting and ``fail_on_function_error``
behave identically on both.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import attrs

from ..errors import BadRequestError, FunctionCallError
from .effects import Flow, ToolInvocation, ToolOutcome, run_tools
from .tool_schema import coerce_arguments

__all__ = [
    "PendingCall",
    "ToolResult",
    "check_max_rounds",
    "execute_calls",
    "prepare_invocations",
    "tool_results",
]

#: ``(call_id, text for the model)``
ToolResult = Tuple[str, str]


@attrs.frozen
class PendingCall:
    """One tool call the model asked for, whichever API it came from."""

    call_id: str
    name: str
    #: The arguments exactly as the model wrote them: a JSON string.
    arguments: str


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
    calls: Sequence[PendingCall], functions: Mapping[str, Callable[..., Any]]
) -> Tuple[List[ToolInvocation], Dict[str, BaseException]]:
    """Invocations for the calls that can run, and the errors of those that cannot.

    A call cannot run when it names an unknown function, when its arguments
    are not a JSON object, or when they do not fit the function's parameters.
    """
    runnable: List[ToolInvocation] = []
    failed: Dict[str, BaseException] = {}
    for call in calls:
        fn = functions.get(call.name)
        if fn is None:
            failed[call.call_id] = LookupError(f"unknown function {call.name!r}")
            continue
        try:
            arguments = json.loads(call.arguments or "{}")
        except (ValueError, RecursionError) as exc:  # replies: absurd nesting is bad JSON too
            failed[call.call_id] = ValueError(f"arguments are not valid JSON: {exc}")
            continue
        if not isinstance(arguments, dict):
            failed[call.call_id] = ValueError("arguments are not a JSON object")
            continue
        try:
            arguments = coerce_arguments(fn, arguments)
        except TypeError as exc:
            failed[call.call_id] = exc
            continue
        runnable.append(ToolInvocation(call.call_id, call.name, fn, arguments))
    return runnable, failed


def tool_results(
    calls: Sequence[PendingCall],
    outcomes: Sequence[ToolOutcome],
    failed: Mapping[str, BaseException],
    *,
    fail_on_function_error: bool,
) -> List[ToolResult]:
    """One ``(call_id, text)`` per call, in the calls' order.

    With ``fail_on_function_error`` the first failure raises FunctionCallError
    (naming the tool and keeping the cause) instead of being reported back.
    """
    by_id: Dict[str, ToolOutcome] = {outcome.call_id: outcome for outcome in outcomes}
    results: List[ToolResult] = []
    for call in calls:
        error: Optional[BaseException] = failed.get(call.call_id)
        outcome = by_id.get(call.call_id)
        if error is None and outcome is not None:
            error = outcome.error
        if error is not None:
            if fail_on_function_error:
                raise FunctionCallError(
                    f"tool {call.name!r} failed: {type(error).__name__}: {error}",
                    function_name=call.name,
                    cause=error,
                ) from error
            content = _error_content(call.name, error)
        else:
            content = _render(outcome.value if outcome is not None else None)
        results.append((call.call_id, content))
    return results


def execute_calls(
    calls: Sequence[PendingCall],
    functions: Mapping[str, Callable[..., Any]],
    timeout: Optional[float],
    *,
    fail_on_function_error: bool,
) -> Flow[List[ToolResult]]:
    """Run one round of tool calls in parallel; one result per call, in order."""
    invocations, failed = prepare_invocations(calls, functions)
    outcomes = (yield from run_tools(invocations, timeout)) if invocations else []
    return tool_results(calls, outcomes, failed, fail_on_function_error=fail_on_function_error)


def check_max_rounds(max_rounds: int) -> None:
    """Both loops refuse a round limit that could never reach the model."""
    if max_rounds < 1:
        raise BadRequestError("max_rounds must be at least 1", param="max_rounds")
