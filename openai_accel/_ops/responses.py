"""The Responses API: a response, a stream of typed events, and the parallel tool loop."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .._core.context import ClientCore
from .._core.effects import Flow, emit
from .._core.endpoints import ENDPOINTS
from .._core.json_stream import JSONStreamDecoder
from .._core.pipeline import (
    Exchange,
    call_json,
    finish_error,
    finish_ok,
    open_exchange,
    read_stream,
)
from .._core.request import ApiCall, CallOptions, split_options
from .._core.response_stream import ResponseStreamAccumulator
from .._core.structured import (
    StructuredFormat,
    is_strict_ready,
    parse_structured,
    strict_format,
    text_format_config,
)
from .._core.tool_schema import tools_from_functions
from .._core.tools import PendingCall, check_max_rounds, execute_calls
from ..errors import BadRequestError, StreamError
from ..models.responses import Response, structure_event, structure_response

__all__ = ["respond", "respond_with_functions", "stream_response"]

Input = Union[str, Sequence[Mapping[str, Any]]]

DEFAULT_RESPONSE_MODEL = "gpt-4o-mini"
#: Events whose delta is the first visible output (time to first token).
_DELTA_EVENTS = frozenset(
    {
        "response.output_text.delta",
        "response.function_call_arguments.delta",
        "response.refusal.delta",
    }
)
_NOT_AN_INPUT = "input must be a string or a non-empty list of input items (dicts)"


def _input(value: Input) -> Union[str, List[Dict[str, Any]]]:
    """The ``input`` field, checked: a string, or a new list of the caller's item dicts."""
    if isinstance(value, str):
        return value
    if not isinstance(value, (list, tuple)) or not value:
        raise BadRequestError(_NOT_AN_INPUT, param="input")
    items: List[Dict[str, Any]] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise BadRequestError(
                f"input[{index}] must be a dict (an input item), got {item!r:.80}",
                param=f"input[{index}]",
            )
        items.append(item if type(item) is dict else dict(item))
    return items


def _text_format(text_format: Any) -> Optional[StructuredFormat]:
    if text_format is None or isinstance(text_format, Mapping):
        return None
    return strict_format(text_format, param="text_format")


def response_body(
    input: Input,
    model: str,
    named: Mapping[str, Any],
    text_format: Any,
    structured: Optional[StructuredFormat],
    extra: Mapping[str, Any],
) -> Dict[str, Any]:
    """The request body: ``named`` are the keyword arguments ``respond`` names (None: unsent)."""
    body: Dict[str, Any] = {"model": model, "input": _input(input)}
    for key, value in named.items():
        if value is None or (key == "tools" and not value):
            continue
        if key == "reasoning":
            value = dict(value)  # a copy: the caller's dict is never mutated
        elif key == "tools":
            value = list(value)
        body[key] = value
    body.update(extra)
    if structured is not None or isinstance(text_format, Mapping):
        fmt = text_format_config(structured) if structured is not None else dict(text_format)
        text = body.get("text")
        body["text"] = {**(text if isinstance(text, Mapping) else {}), "format": fmt}
    return body


def _finish(response: Response, structured: Optional[StructuredFormat]) -> Response:
    """Fill ``.parsed`` for a structured call (a refusal leaves it None)."""
    if structured is None or response.refusal is not None:
        return response
    response.parsed = parse_structured(
        response.output_text,
        structured.cls,
        truncated=response.status == "incomplete",
        request_id=response.request_id,
        body=response.raw,
    )
    return response


def _prepare(
    input: Input,
    model: str,
    text_format: Any,
    named: Mapping[str, Any],
    extra: Dict[str, Any],
) -> Tuple[CallOptions, Dict[str, Any], Optional[StructuredFormat]]:
    """Per-call options, the body, and the structured format (checked before sending)."""
    options, body_extra = split_options(extra)
    structured = _text_format(text_format)
    body = response_body(input, model, named, text_format, structured, body_extra)
    return options, body, structured


def respond(
    ctx: ClientCore,
    /,
    input: Input,
    *,
    model: str = DEFAULT_RESPONSE_MODEL,
    instructions: Optional[str] = None,
    tools: Optional[Sequence[Mapping[str, Any]]] = None,
    tool_choice: Any = None,
    previous_response_id: Optional[str] = None,
    max_output_tokens: Optional[int] = None,
    reasoning: Optional[Mapping[str, Any]] = None,
    text_format: Any = None,
    **extra: Any,
) -> Flow[Response]:
    """Create a response (the Responses API).

    ``input`` is a string or a list of input items (messages,
    ``function_call_output`` items, the previous response's output items...).
    ``text_format`` is an attrs class, a dataclass or a TypedDict for a
    structured answer in ``.parsed`` (a strict JSON schema is derived and
    sent), or a ``text.format`` dict sent as it is. Every other keyword
    (``store``, ``background``, ``include``, ``metadata``...) goes into the
    body unchanged, except the per-call options (``timeout``,
    ``extra_headers``, ``extra_body``, retry settings...).
    """
    named = dict(
        instructions=instructions,
        tools=tools,
        tool_choice=tool_choice,
        previous_response_id=previous_response_id,
        max_output_tokens=max_output_tokens,
        reasoning=reasoning,
    )
    options, body, structured = _prepare(input, model, text_format, named, extra)

    def parse(data: Any, exchange: Exchange) -> Response:
        return _finish(
            structure_response(
                data, request_id=exchange.request_id, headers=exchange.response.headers
            ),
            structured,
        )

    call = ApiCall(ENDPOINTS["response"], options, json=body, model=model)
    return (yield from call_json(ctx, call, parse))


def stream_response(
    ctx: ClientCore,
    /,
    input: Input,
    *,
    model: str = DEFAULT_RESPONSE_MODEL,
    instructions: Optional[str] = None,
    tools: Optional[Sequence[Mapping[str, Any]]] = None,
    tool_choice: Any = None,
    previous_response_id: Optional[str] = None,
    max_output_tokens: Optional[int] = None,
    reasoning: Optional[Mapping[str, Any]] = None,
    text_format: Any = None,
    **extra: Any,
) -> Flow[Response]:
    """Stream a response: iterate for ``ResponseEvent`` items, then ``final()``.

    ``final()`` is the same ``Response`` the non-streamed call returns. A
    stream that ends before ``response.completed`` (or ``response.incomplete``)
    raises ``StreamError``, as do an ``error`` event and ``response.failed``.
    Close the stream (or use it as a context manager) to stop early.
    """
    named = dict(
        instructions=instructions,
        tools=tools,
        tool_choice=tool_choice,
        previous_response_id=previous_response_id,
        max_output_tokens=max_output_tokens,
        reasoning=reasoning,
    )
    options, body, structured = _prepare(input, model, text_format, named, extra)
    body["stream"] = True
    call = ApiCall(ENDPOINTS["response_stream"], options, json=body, model=model)
    exchange = yield from open_exchange(ctx, call)
    recorder = ctx.recorder
    stream = exchange.response.stream
    decoder = JSONStreamDecoder(expect_done=False)
    accumulator = ResponseStreamAccumulator()
    received = 0
    first_token_seen = False
    try:
        while not decoder.done and not accumulator.finished:
            data = yield from read_stream(stream)
            if not data:
                decoder.finish()
                break
            received += len(data)
            for payload in decoder.feed(data):
                event = structure_event(payload)
                if not first_token_seen and event.type in _DELTA_EVENTS:
                    first_token_seen = True
                    recorder.first_token(exchange.metrics)
                yield from emit(event)
                accumulator.add(payload)
        body_out = accumulator.final_body()
        final = _finish(
            structure_response(
                body_out, request_id=exchange.request_id, headers=exchange.response.headers
            ),
            structured,
        )
    except GeneratorExit:
        finish_error(
            ctx,
            exchange,
            StreamError("closed by the caller before the end"),
            response_size=received,
        )
        raise
    except BaseException as exc:
        finish_error(ctx, exchange, exc, response_size=received)
        raise
    finally:
        exchange.close()
    finish_ok(ctx, exchange, usage=final.raw.get("usage"), response_size=received)
    return final


def _flat_tool(tool: Mapping[str, Any]) -> Dict[str, Any]:
    """A derived (Chat Completions shaped) tool in the Responses API's flat shape.

    The spec wants ``strict`` on every function tool: true when the derived
    parameters already satisfy strict mode (all required), false otherwise,
    so that optional parameters stay optional.
    """
    function = tool.get("function")
    if tool.get("type") != "function" or not isinstance(function, Mapping):
        return dict(tool)
    flat: Dict[str, Any] = {"type": "function", **function}
    flat.setdefault("strict", is_strict_ready(flat.get("parameters") or {}))
    return flat


def respond_with_functions(
    ctx: ClientCore,
    /,
    input: Input,
    functions: Mapping[str, Callable[..., Any]],
    *,
    max_rounds: int = 3,
    function_timeout: Optional[float] = 30.0,
    fail_on_function_error: bool = False,
    tools: Optional[Sequence[Mapping[str, Any]]] = None,
    **respond_options: Any,
) -> Flow[Response]:
    """Respond, running the model's function calls until it answers in text.

    The Responses API twin of ``chat_with_functions``, with the same tool
    execution: every ``function_call`` item of a round runs in parallel, each
    limited to ``function_timeout`` seconds, and its result goes back as a
    ``function_call_output`` item with the call's ``call_id``, after the
    round's output items. At most ``max_rounds`` model calls are made; when
    the last one still asks for functions it is returned with
    ``max_rounds_reached=True``. Failing, timed-out or unknown functions, and
    arguments that are not valid JSON, are reported to the model (or raise
    ``FunctionCallError`` with ``fail_on_function_error=True``).
    ``.messages`` holds every input item sent, ready for a next turn.
    """
    check_max_rounds(max_rounds)
    tool_defs = (
        list(tools)
        if tools is not None
        else [_flat_tool(tool) for tool in tools_from_functions(functions)]
    )
    first = _input(input)
    items: List[Dict[str, Any]] = (
        [{"role": "user", "content": first}] if isinstance(first, str) else first
    )
    round_number = 0
    while True:
        round_number += 1
        response = yield from respond(ctx, list(items), tools=tool_defs, **respond_options)
        items.extend(item.raw for item in response.output)
        calls = response.tool_calls
        if not calls or round_number >= max_rounds:
            response.messages = items
            response.rounds = round_number
            response.max_rounds_reached = bool(calls)
            return response
        results = yield from execute_calls(
            [PendingCall(call.call_id, call.name, call.arguments) for call in calls],
            functions,
            function_timeout,
            fail_on_function_error=fail_on_function_error,
        )
        items.extend(
            {"type": "function_call_output", "call_id": call_id, "output": content}
            for call_id, content in results
        )
