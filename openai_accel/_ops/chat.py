"""Chat: a completion, a stream, and the parallel tool-calling loop."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .._core.chat_stream import ChatStreamAccumulator
from .._core.context import ClientCore
from .._core.effects import Emit, Flow, ReadChunk
from .._core.endpoints import ENDPOINTS
from .._core.json_stream import JSONStreamDecoder
from .._core.pipeline import (
    Exchange,
    call_json,
    finish_error,
    finish_ok,
    open_exchange,
    read_stream,
    stream_broke_off,
)
from .._core.request import ApiCall, CallOptions, split_options
from .._core.structured import chat_structured, parse_chat
from ..errors import APIConnectionError, InvalidResponseError, StreamError
from ..models._base import structure
from ..models.chat import ChatChunk, ChatResponse
from .chat_request import (
    DEFAULT_CHAT_MODEL,
    Messages,
    Tool,
    chat_body,
    checked_messages,
    function_map,
    is_openai_endpoint,
    refuse_stream_flag,
)

__all__ = ["chat", "chat_with_functions", "stream_chat"]

#: After [DONE], read at most this much more before giving up on connection reuse.
_DRAIN_LIMIT = 65536


def _parse_chat(data: Any, exchange: Exchange) -> ChatResponse:
    return structure(
        data, ChatResponse, request_id=exchange.request_id, headers=exchange.response.headers
    )


def _prepare(
    ctx: ClientCore,
    messages: Messages,
    model: str,
    temperature: Optional[float],
    max_tokens: Optional[int],
    tools: Optional[Sequence[Tool]],
    tool_choice: Any,
    extra: Dict[str, Any],
    *,
    streaming: bool,
) -> Tuple[CallOptions, Any, Dict[str, Any]]:
    """What ``chat`` and ``stream_chat`` both do first: (call options, structured type, body)."""
    options, body_extra = split_options(extra)
    structured = chat_structured(body_extra)  # response_format=SomeClass (responses)
    refuse_stream_flag(body_extra, streaming=streaming)
    body = chat_body(
        messages,
        model,
        temperature,
        max_tokens,
        tools,
        tool_choice,
        body_extra,
        openai_endpoint=is_openai_endpoint(ctx.config.base_url),
    )
    return options, structured, body


def chat(
    ctx: ClientCore,
    /,
    messages: Messages,
    *,
    model: str = DEFAULT_CHAT_MODEL,
    temperature: Optional[float] = None,
    max_tokens: Optional[int] = None,
    tools: Optional[Sequence[Tool]] = None,
    tool_choice: Any = None,
    **extra: Any,
) -> Flow[ChatResponse]:
    """Create a chat completion.

    ``messages`` is the conversation (a plain string is one user message).
    Keyword arguments not named here go into the JSON body unchanged, except
    the per-call options ``timeout``, ``extra_headers``, ``extra_query``,
    ``extra_body``, ``max_retries`` (and the other retry settings) and
    ``queue_timeout``. ``response_format`` may be an attrs class, a dataclass
    or a TypedDict: a strict JSON schema is derived from it and the answer is
    parsed into ``.parsed`` (see structured outputs in the docs).
    """
    options, structured, body = _prepare(
        ctx, messages, model, temperature, max_tokens, tools, tool_choice, extra, streaming=False
    )
    call = ApiCall(ENDPOINTS["chat"], options, json=body, model=model)
    if structured is not None:
        parse_as = structured

        def parse(data: Any, exchange: Exchange) -> ChatResponse:
            return parse_chat(_parse_chat(data, exchange), parse_as)  # type: ignore[no-any-return]

        return (yield from call_json(ctx, call, parse))
    return (yield from call_json(ctx, call, _parse_chat))


def stream_chat(
    ctx: ClientCore,
    /,
    messages: Messages,
    *,
    model: str = DEFAULT_CHAT_MODEL,
    temperature: Optional[float] = None,
    max_tokens: Optional[int] = None,
    tools: Optional[Sequence[Tool]] = None,
    tool_choice: Any = None,
    **extra: Any,
) -> Flow[ChatResponse]:
    """Stream a chat completion: iterate for ``ChatChunk`` items, then ``final()``.

    Usage is requested by default (``stream_options={"include_usage": True}``;
    pass your own ``stream_options`` to change it) so metrics know the tokens.
    A stream that ends without ``[DONE]`` raises ``StreamError``. Close the
    stream (or use it as a context manager) to stop early.
    """
    options, structured, body = _prepare(
        ctx, messages, model, temperature, max_tokens, tools, tool_choice, extra, streaming=True
    )
    body["stream"] = True
    body.setdefault("stream_options", {"include_usage": True})
    call = ApiCall(ENDPOINTS["chat_stream"], options, json=body, model=model)
    exchange = yield from open_exchange(ctx, call)
    recorder = ctx.recorder
    stream = exchange.response.stream
    decoder = JSONStreamDecoder()
    accumulator = ChatStreamAccumulator()
    received = 0
    first_token_seen = False
    # perf: this loop runs once per chunk, so it yields its effects itself
    # (one ReadChunk reused for every read) instead of through the helpers,
    # which cost a generator object per step.
    read = ReadChunk(stream)
    try:
        yield from _refuse_a_json_reply(exchange)
        while not decoder.done:
            try:
                data = yield read
            except APIConnectionError as exc:
                raise stream_broke_off(exc) from exc
            if not data:
                decoder.finish()
                break
            received += len(data)
            for payload in decoder.feed(data):
                accumulator.add(payload)  # checks the chunk's shape as it folds
                chunk = ChatChunk.from_checked(payload)
                if not first_token_seen and (chunk.content or chunk.tool_calls):
                    first_token_seen = True
                    recorder.first_token(exchange.metrics)
                yield Emit(chunk)
        drained = 0
        while drained <= _DRAIN_LIMIT:  # reach the end so the connection can be reused
            data = yield from read_stream(stream)
            if not data:
                break
            drained += len(data)
        final = structure(
            accumulator.final_body(),
            ChatResponse,
            request_id=exchange.request_id,
            headers=exchange.response.headers,
        )
        if structured is not None:
            parse_chat(final, structured)
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
    finish_ok(ctx, exchange, usage=final.raw.get("usage"), response_size=received, reply=final.raw)
    return final


def _refuse_a_json_reply(exchange: Exchange) -> Flow[None]:
    """A 2xx JSON body to a stream request is named as such, not as "ended before [DONE]".

    Some compatible servers (and proxies) ignore ``"stream": true`` and send a
    whole ``chat.completion``; others send an error object with status 200.
    """
    content_type = exchange.response.headers.get("content-type") or ""
    if "json" not in content_type.lower() or "event-stream" in content_type.lower():
        return
    stream = exchange.response.stream
    parts: List[bytes] = []
    size = 0
    while size <= _DRAIN_LIMIT:
        data = yield from read_stream(stream)
        if not data:
            break
        parts.append(data)
        size += len(data)
    body = b"".join(parts)
    excerpt = body[:200].decode("utf-8", "replace") + ("..." if len(body) > 200 else "")
    raise InvalidResponseError(
        f"the server replied with JSON ({content_type}) instead of an event stream: {excerpt}",
        body=body.decode("utf-8", "replace"),
        request_id=exchange.request_id,
    )


def chat_with_functions(
    ctx: ClientCore,
    /,
    messages: Messages,
    functions: Union[Mapping[str, Callable[..., Any]], Sequence[Callable[..., Any]]],
    *,
    max_rounds: int = 3,
    function_timeout: Optional[float] = 30.0,
    fail_on_function_error: bool = False,
    tools: Optional[Sequence[Tool]] = None,
    **chat_options: Any,
) -> Flow[ChatResponse]:
    """Chat, running the model's tool calls until it answers in text.

    Each round sends the conversation; all tool calls of a round run in
    parallel (threads for the blocking client; coroutines, and an executor for
    plain callables, for the asyncio client), each limited to
    ``function_timeout`` seconds. Their results go back as ``tool`` messages.
    At most ``max_rounds`` model calls are made: when the last one still asks
    for tools, it is returned with ``max_rounds_reached=True`` and its calls
    are not run. A failing, timed-out or unknown tool, or arguments that are
    not valid JSON, become an error message to the model, or a
    ``FunctionCallError`` with ``fail_on_function_error=True``.
    ``.messages`` on the result holds the whole exchange. Without ``tools=``,
    tool schemas are derived from the functions' signatures and docstrings.
    """
    # perf: the tool machinery (schemas from signatures, argument coercion) is
    # imported by the first tool loop, not by ``import openai_accel``.
    from .._core.tool_schema import tools_from_functions
    from .._core.tools import PendingCall, check_max_rounds, execute_calls

    check_max_rounds(max_rounds)
    functions = function_map(functions)
    tool_defs = list(tools) if tools is not None else tools_from_functions(functions)
    conversation = checked_messages(messages)
    round_number = 0
    while True:
        round_number += 1
        response = yield from chat(ctx, conversation, tools=tool_defs, **chat_options)
        conversation.append(response.message)
        calls = response.tool_calls
        if not calls or round_number >= max_rounds:
            response.messages = conversation
            response.rounds = round_number
            response.max_rounds_reached = bool(calls)
            return response
        pending = [PendingCall(c.id, c.function.name, c.function.arguments) for c in calls]
        results = yield from execute_calls(
            pending, functions, function_timeout, fail_on_function_error=fail_on_function_error
        )
        conversation.extend(
            {"role": "tool", "tool_call_id": call_id, "content": content}
            for call_id, content in results
        )
