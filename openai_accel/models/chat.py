"""Chat completion replies and stream chunks."""

from typing import Any, Dict, List, Mapping, Optional

import attrs

from .._core.response import loads_reply
from ._base import library_field, structure
from ._result import ApiResult, RawDict


@attrs.define
class FunctionCall:
    __wire_required__ = ("name",)

    name: str = ""
    #: The arguments exactly as the model wrote them: a JSON string.
    arguments: str = ""

    def parsed_arguments(self) -> Any:
        """The arguments decoded from JSON (raises ValueError if the model wrote bad JSON).

        Absurdly nested arguments are bad JSON too (a ValueError, not RecursionError).
        """
        return loads_reply(self.arguments) if self.arguments else {}


@attrs.define
class ToolCall:
    __wire_required__ = ("function",)

    id: str = ""
    type: str = "function"
    function: FunctionCall = attrs.field(factory=FunctionCall)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "function": {"name": self.function.name, "arguments": self.function.arguments},
        }


@attrs.define
class PromptTokensDetails:
    cached_tokens: Optional[int] = None
    audio_tokens: Optional[int] = None


@attrs.define
class CompletionTokensDetails:
    reasoning_tokens: Optional[int] = None
    audio_tokens: Optional[int] = None
    accepted_prediction_tokens: Optional[int] = None
    rejected_prediction_tokens: Optional[int] = None


@attrs.define
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: Optional[PromptTokensDetails] = None
    completion_tokens_details: Optional[CompletionTokensDetails] = None

    @property
    def input_tokens(self) -> int:
        return self.prompt_tokens

    @property
    def output_tokens(self) -> int:
        return self.completion_tokens


@attrs.define
class ChatMessage:
    #: The API always sends ``content`` (null beside tool calls or a refusal).
    __wire_required__ = (("content", "tool_calls"),)

    role: str = "assistant"
    content: Optional[str] = None
    refusal: Optional[str] = None
    tool_calls: Optional[List[ToolCall]] = None


@attrs.define
class Choice:
    __wire_required__ = ("message",)

    index: int = 0
    message: ChatMessage = attrs.field(factory=ChatMessage)
    finish_reason: Optional[str] = None


@attrs.define
class ChatResponse(ApiResult):
    """A chat completion. The shortcuts read the first choice."""

    __wire_required__ = ("choices",)

    id: str = ""
    model: str = ""
    created: int = 0
    choices: List[Choice] = attrs.field(factory=list)
    usage: Optional[Usage] = None
    system_fingerprint: Optional[str] = None
    service_tier: Optional[str] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    #: The reply's HTTP headers (lower-case names); ``.rate_limits`` reads them.
    headers: Mapping[str, str] = library_field(factory=dict)
    #: chat_with_functions: the whole exchange, ready to continue the conversation.
    messages: Optional[List[Dict[str, Any]]] = library_field()
    #: chat_with_functions: how many model calls were made.
    rounds: int = library_field(default=1)
    #: chat_with_functions: True when the loop stopped at max_rounds with tool calls pending.
    max_rounds_reached: bool = library_field(default=False)
    #: ``response_format=C`` (structured outputs): the answer as a ``C`` (None on a refusal).
    parsed: Any = attrs.field(init=False, default=None, repr=False, eq=False)

    @property
    def _first(self) -> Optional[Choice]:
        return self.choices[0] if self.choices else None

    @property
    def content(self) -> Optional[str]:
        first = self._first
        return first.message.content if first else None

    @property
    def tool_calls(self) -> Optional[List[ToolCall]]:
        first = self._first
        return (first.message.tool_calls or None) if first else None

    @property
    def finish_reason(self) -> Optional[str]:
        first = self._first
        return first.finish_reason if first else None

    @property
    def refusal(self) -> Optional[str]:
        first = self._first
        return first.message.refusal if first else None

    @property
    def message(self) -> Dict[str, Any]:
        """The assistant message as a dict, ready to append to the conversation."""
        message: Dict[str, Any] = {"role": "assistant", "content": self.content}
        calls = self.tool_calls
        if calls:
            message["tool_calls"] = [call.to_dict() for call in calls]
        return message


@attrs.define
class FunctionDelta:
    name: Optional[str] = None
    arguments: Optional[str] = None


@attrs.define
class ToolCallDelta:
    index: int = 0
    id: Optional[str] = None
    type: Optional[str] = None
    function: Optional[FunctionDelta] = None


@attrs.define
class ChoiceDelta:
    role: Optional[str] = None
    content: Optional[str] = None
    refusal: Optional[str] = None
    tool_calls: Optional[List[ToolCallDelta]] = None


@attrs.define
class ChunkChoice:
    index: int = 0
    delta: ChoiceDelta = attrs.field(factory=ChoiceDelta)
    finish_reason: Optional[str] = None


@attrs.define
class ChatChunk(RawDict):
    """One streamed chunk; the shortcuts read the first choice."""

    id: str = ""
    model: str = ""
    created: int = 0
    choices: List[ChunkChoice] = attrs.field(factory=list)
    usage: Optional[Usage] = None
    system_fingerprint: Optional[str] = None
    raw: Dict[str, Any] = library_field(factory=dict)

    @property
    def content(self) -> Optional[str]:
        return self.choices[0].delta.content if self.choices else None

    @property
    def tool_calls(self) -> Optional[List[ToolCallDelta]]:
        return self.choices[0].delta.tool_calls if self.choices else None

    @property
    def finish_reason(self) -> Optional[str]:
        return self.choices[0].finish_reason if self.choices else None

    @classmethod
    def from_checked(cls, payload: Dict[str, Any]) -> "ChatChunk":
        """Build a chunk from a decoded event the stream accumulator has type-checked.

        The stream path's fast equivalent of ``structure(payload, ChatChunk)``
        (same values, same defaults): a stream is hundreds of chunks, and a
        converter call per chunk was most of the library's cost per chunk.
        The field types were already checked by
        :class:`~openai_accel._core.chat_stream.ChatStreamAccumulator`; only
        ``usage`` (once per stream) goes through the converter.
        """
        get = payload.get
        choices = get("choices")
        usage = get("usage")
        return cls(
            get("id") or "",
            get("model") or "",
            get("created") or 0,
            [_chunk_choice(choice) for choice in choices] if choices else [],
            None if usage is None else structure(usage, Usage),
            get("system_fingerprint"),
            payload,  # perf: raw in __init__, not a default dict() replaced afterwards
        )


def _chunk_choice(choice: Dict[str, Any]) -> ChunkChoice:
    delta = choice.get("delta")
    if delta and len(delta) == 1 and "content" in delta:  # the common chunk: text only
        built = ChoiceDelta(content=delta["content"])
    elif delta:
        calls = delta.get("tool_calls")
        built = ChoiceDelta(
            delta.get("role"),
            delta.get("content"),
            delta.get("refusal"),
            None if calls is None else [_tool_call_delta(call) for call in calls],
        )
    else:
        built = ChoiceDelta()
    return ChunkChoice(choice.get("index") or 0, built, choice.get("finish_reason"))


def _tool_call_delta(call: Dict[str, Any]) -> ToolCallDelta:
    function = call.get("function")
    return ToolCallDelta(
        call.get("index") or 0,
        call.get("id"),
        call.get("type"),
        None
        if function is None
        else FunctionDelta(function.get("name"), function.get("arguments")),
    )
