"""Assemble streamed ``chat.completion.chunk`` objects into a ``chat.completion`` body.

Callers that stream for latency still want the final answer in the shape a
non-streaming call returns, so that response parsing, tool dispatch, logging
and usage accounting have one code path. The accumulator is fed each decoded
chunk and is cheap per chunk: fragments are appended to lists and joined only
when :meth:`ChatStreamAccumulator.final_body` is asked for.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

__all__ = ["ChatStreamAccumulator"]


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
        if self.id is None and delta.get("id") is not None:
            self.id = delta["id"]
        if self.type is None and delta.get("type") is not None:
            self.type = delta["type"]
        function = delta.get("function")
        if isinstance(function, Mapping):
            if self.name is None and function.get("name") is not None:
                self.name = function["name"]
            fragment = function.get("arguments")
            if isinstance(fragment, str) and fragment:
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
        delta = choice.get("delta") or {}
        role = delta.get("role")
        if role is not None and self.role is None:
            self.role = role
        content = delta.get("content")
        if isinstance(content, str):
            self.content_seen = True
            if content:
                self.content.append(content)
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            self.refusal.append(refusal)
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            for call_delta in tool_calls:
                self._add_tool_call(call_delta)
        finish_reason = choice.get("finish_reason")
        if finish_reason is not None:
            self.finish_reason = finish_reason
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, Mapping):
            self._add_logprobs(logprobs)

    def _add_tool_call(self, delta: Mapping[str, Any]) -> None:
        index = delta.get("index")
        if not isinstance(index, int):
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

    def add(self, chunk: Mapping[str, Any]) -> None:
        """Fold in one decoded chunk."""
        self._chunks += 1
        # Every chunk repeats these; keep the latest non-null value so that a
        # null in one chunk cannot erase a value another chunk supplied.
        value = chunk.get("id")
        if value is not None:
            self._id = value
        value = chunk.get("created")
        if value is not None:
            self._created = value
        value = chunk.get("model")
        if value is not None:
            self._model = value
        value = chunk.get("system_fingerprint")
        if value is not None:
            self._system_fingerprint = value
        if "service_tier" in chunk:
            self._has_service_tier = True
            value = chunk["service_tier"]
            if value is not None:
                self._service_tier = value
        usage = chunk.get("usage")
        if usage is not None:
            self._usage = usage
        choices = chunk.get("choices")
        if choices:
            for choice in choices:
                index = choice.get("index")
                if not isinstance(index, int):
                    index = 0
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
