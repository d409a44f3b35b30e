"""Assemble streamed ``chat.completion.chunk`` objects into a ``chat.completion`` body.

Callers that stream for latency still want the final answer in the shape a
non-streaming call returns, so that response parsing, tool dispatch, logging
and usage accounting have one code path. The accumulator is fed each decoded
chunk and is cheap per chunk: fragments are appended to lists and joined only
when :meth:`ChatStreamAccumulator.final_body` is asked for.

The accumulator is also where a chunk's shape is checked, with explicit type
checks as it folds (no second pass, no converter): a stream event that is not
a ``chat.completion.chunk`` (``data: 42``, ``{"choices": "x"}``, tool calls
of ints, content that is not a string) raises :class:`InvalidResponseError`
naming the field and what came, instead of an ``AttributeError`` later. What
passes the checks is safe to build a ``ChatChunk`` from without structuring.
Unknown keys stay tolerated.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from ..errors import InvalidResponseError

__all__ = ["ChatStreamAccumulator", "check_chunk_type"]

_EXCERPT = 120


def _wrong(where: str, expected: str, value: Any) -> InvalidResponseError:
    try:
        shown = repr(value)
    except RecursionError:  # nested deeper than repr can go; the type says enough
        shown = "..."
    if len(shown) > _EXCERPT:
        shown = shown[:_EXCERPT] + "..."
    return InvalidResponseError(
        f"stream chunk field {where} must be {expected}, got {type(value).__name__}: {shown}",
        body=value,
    )


def _str_or_none(container: Mapping[str, Any], key: str, where: str) -> Optional[str]:
    value = container.get(key)
    if value is None or type(value) is str:
        return value
    raise _wrong(f"{where}.{key}", "a string or null", value)


def _int_or_none(container: Mapping[str, Any], key: str, where: str) -> Optional[int]:
    value = container.get(key)
    if value is None or type(value) is int:
        return value
    raise _wrong(f"{where}.{key}", "an integer or null", value)


def _dict_or_none(container: Mapping[str, Any], key: str, where: str) -> Any:
    value = container.get(key)
    if value is None or type(value) is dict:
        return value
    raise _wrong(f"{where}.{key}", "an object or null", value)


def _list_or_none(container: Mapping[str, Any], key: str, where: str) -> Any:
    value = container.get(key)
    if value is None or type(value) is list:
        return value
    raise _wrong(f"{where}.{key}", "a list or null", value)


def check_chunk_type(chunk: Any) -> None:
    """Raise :class:`InvalidResponseError` unless the event is a JSON object."""
    if type(chunk) is not dict:
        raise _wrong("(the event)", "a chat.completion.chunk object", chunk)


class _ToolCall:
    """One tool call being assembled from its deltas."""

    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self) -> None:
        self.id: Optional[str] = None
        self.type: Optional[str] = None
        self.name: Optional[str] = None
        self.arguments: List[str] = []

    def add(self, delta: Mapping[str, Any]) -> None:
        # OpenAI sends id/type/name once, in the call's first delta. Some
        # compatible servers repeat them in every delta, so the first value
        # wins instead of being concatenated; only arguments are fragments.
        where = "tool_calls[]"
        call_id = _str_or_none(delta, "id", where)
        if self.id is None and call_id is not None:
            self.id = call_id
        call_type = _str_or_none(delta, "type", where)
        if self.type is None and call_type is not None:
            self.type = call_type
        function = _dict_or_none(delta, "function", where)
        if function is not None:
            name = _str_or_none(function, "name", "tool_calls[].function")
            if self.name is None and name is not None:
                self.name = name
            fragment = _str_or_none(function, "arguments", "tool_calls[].function")
            if fragment:
                self.arguments.append(fragment)

    def body(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type or "function",
            "function": {"name": self.name, "arguments": "".join(self.arguments)},
        }


class _Choice:
    """One choice (``n`` > 1 streams several, told apart by ``index``)."""

    __slots__ = (
        "content",
        "content_seen",
        "finish_reason",
        "last_tool_index",
        "logprobs",
        "refusal",
        "role",
        "tool_calls",
    )

    def __init__(self) -> None:
        self.role: Optional[str] = None
        self.content: List[str] = []
        self.content_seen = False
        self.refusal: List[str] = []
        self.tool_calls: Dict[int, _ToolCall] = {}
        self.last_tool_index = -1
        self.finish_reason: Optional[str] = None
        self.logprobs: Optional[Dict[str, Any]] = None

    def add(self, choice: Mapping[str, Any]) -> None:
        # perf: the checks of _dict_or_none / _str_or_none inline (once per chunk)
        get = choice.get
        delta = get("delta")
        if delta is not None and type(delta) is not dict:
            raise _wrong("choices[].delta", "an object or null", delta)
        if delta:
            self._add_delta(delta)
        finish_reason = get("finish_reason")
        if finish_reason is not None:
            if type(finish_reason) is not str:
                raise _wrong("choices[].finish_reason", "a string or null", finish_reason)
            self.finish_reason = finish_reason
        logprobs = get("logprobs")
        if logprobs is not None:
            if type(logprobs) is not dict:
                raise _wrong("choices[].logprobs", "an object or null", logprobs)
            self._add_logprobs(logprobs)

    def _add_delta(self, delta: Mapping[str, Any]) -> None:
        content = delta.get("content")
        if type(content) is str:  # the common chunk: one content fragment
            self.content_seen = True
            if content:
                self.content.append(content)
        elif content is not None:
            raise _wrong("choices[].delta.content", "a string or null", content)
        if len(delta) == 1 and content is not None:
            return
        where = "choices[].delta"
        role = _str_or_none(delta, "role", where)
        if role is not None and self.role is None:
            self.role = role
        refusal = _str_or_none(delta, "refusal", where)
        if refusal:
            self.refusal.append(refusal)
        tool_calls = _list_or_none(delta, "tool_calls", where)
        if tool_calls:
            for call_delta in tool_calls:
                if type(call_delta) is not dict:
                    raise _wrong("choices[].delta.tool_calls[]", "an object", call_delta)
                self._add_tool_call(call_delta)

    def _add_tool_call(self, delta: Mapping[str, Any]) -> None:
        index = _int_or_none(delta, "index", "tool_calls[]")
        if index is None:
            # A compatible server that omits ``index``: a delta with a new id
            # starts the next call, anything else continues the last one.
            call_id = delta.get("id")
            last = self.tool_calls.get(self.last_tool_index)
            if last is None or (call_id is not None and call_id != last.id):
                index = max(self.tool_calls, default=-1) + 1
            else:
                index = self.last_tool_index
        call = self.tool_calls.get(index)
        if call is None:
            call = self.tool_calls[index] = _ToolCall()
        call.add(delta)
        self.last_tool_index = index

    def _add_logprobs(self, logprobs: Mapping[str, Any]) -> None:
        # Each chunk carries the token logprobs of its own delta; the
        # non-streaming body has them all in one list per key.
        merged = self.logprobs
        if merged is None:
            merged = self.logprobs = {}
        for key, value in logprobs.items():
            if isinstance(value, list):
                existing = merged.get(key)
                if isinstance(existing, list):
                    existing.extend(value)
                else:
                    merged[key] = list(value)
            elif key not in merged or value is not None:
                merged[key] = value

    def body(self, index: int) -> Dict[str, Any]:
        tool_calls = [self.tool_calls[i].body() for i in sorted(self.tool_calls)]
        refusal = "".join(self.refusal) or None
        content: Optional[str] = "".join(self.content) if self.content_seen else None
        if not content and (tool_calls or refusal is not None):
            # The non-streaming API reports content null next to tool calls
            # or a refusal, although the first streamed delta says "".
            content = None
        message: Dict[str, Any] = {
            "role": self.role or "assistant",
            "content": content,
            "refusal": refusal,
        }
        if tool_calls:
            message["tool_calls"] = tool_calls
        return {
            "index": index,
            "message": message,
            "logprobs": self.logprobs,
            "finish_reason": self.finish_reason,
        }


class ChatStreamAccumulator:
    """Fold ``chat.completion.chunk`` dicts into one ``chat.completion`` body.

    Feed every decoded chunk to :meth:`add` in order, then call
    :meth:`final_body`. Unknown keys (``obfuscation`` padding and whatever
    the API adds next) are ignored rather than rejected, so new server
    fields never break streaming.
    """

    def __init__(self) -> None:
        self._id: Any = None
        self._created: Any = None
        self._model: Any = None
        self._system_fingerprint: Any = None
        self._service_tier: Any = None
        self._has_service_tier = False
        self._usage: Any = None
        self._choices: Dict[int, _Choice] = {}
        self._chunks = 0

    @property
    def chunks(self) -> int:
        """How many chunks were added (0 means the stream carried no answer)."""
        return self._chunks

    def add(self, chunk: Any) -> None:
        """Fold in one decoded chunk; a chunk of the wrong shape is InvalidResponseError.

        Each field is checked as it is read; the stream fails at the first
        wrong one, so what was folded before it does not matter any more.
        """
        if type(chunk) is not dict:  # perf: check_chunk_type inline
            check_chunk_type(chunk)
        # Every chunk repeats these; keep the latest non-null value so that a
        # null in one chunk cannot erase a value another chunk supplied.
        # Checked inline (not through the helpers): this runs for every chunk.
        get = chunk.get
        chunk_id = get("id")
        model = get("model")
        fingerprint = get("system_fingerprint")
        service_tier = get("service_tier")
        if chunk_id is not None and type(chunk_id) is not str:
            raise _wrong("chunk.id", "a string or null", chunk_id)
        if model is not None and type(model) is not str:
            raise _wrong("chunk.model", "a string or null", model)
        if fingerprint is not None and type(fingerprint) is not str:
            raise _wrong("chunk.system_fingerprint", "a string or null", fingerprint)
        if service_tier is not None and type(service_tier) is not str:
            raise _wrong("chunk.service_tier", "a string or null", service_tier)
        created = get("created")
        if created is not None and type(created) is not int:
            raise _wrong("chunk.created", "an integer or null", created)
        usage = get("usage")
        if usage is not None and type(usage) is not dict:
            raise _wrong("chunk.usage", "an object or null", usage)
        choices = get("choices")
        states = []
        if choices:
            if type(choices) is not list:
                raise _wrong("chunk.choices", "a list or null", choices)
            for choice in choices:
                if type(choice) is not dict:
                    raise _wrong("chunk.choices[]", "an object", choice)
                index = choice.get("index")
                if index is None:
                    index = 0
                elif type(index) is not int:
                    raise _wrong("choices[].index", "an integer or null", index)
                states.append((index, choice))
        self._chunks += 1
        if chunk_id is not None:
            self._id = chunk_id
        if created is not None:
            self._created = created
        if model is not None:
            self._model = model
        if fingerprint is not None:
            self._system_fingerprint = fingerprint
        if "service_tier" in chunk:
            self._has_service_tier = True
            if service_tier is not None:
                self._service_tier = service_tier
        if usage is not None:
            self._usage = usage
        for index, choice in states:
            state = self._choices.get(index)
            if state is None:
                state = self._choices[index] = _Choice()
            state.add(choice)

    def final_body(self) -> Dict[str, Any]:
        """The body a non-streaming call would have returned, built from the chunks so far.

        Keys follow the non-streaming order: ``id``, ``object``, ``created``,
        ``model``, ``choices``, ``usage``, ``service_tier`` (only when the
        chunks carried it) and ``system_fingerprint``. ``usage`` is ``None``
        unless the stream was requested with ``stream_options.include_usage``.
        Safe to call more than once.
        """
        body: Dict[str, Any] = {
            "id": self._id,
            "object": "chat.completion",
            "created": self._created,
            "model": self._model,
            "choices": [self._choices[i].body(i) for i in sorted(self._choices)],
            "usage": self._usage,
        }
        if self._has_service_tier:
            body["service_tier"] = self._service_tier
        body["system_fingerprint"] = self._system_fingerprint
        return body
