"""Responses API replies (``response`` objects) and their streamed events.

A response's ``output`` is a list of items of different kinds. The kinds the
library acts on (``message``, ``function_call``, ``reasoning``) are typed; any
other kind (web search calls, MCP items, kinds added next year) becomes an
:class:`UnknownItem` that keeps its JSON, so a new item type never breaks a
caller and is never lost. Every item also keeps its own JSON in ``.raw``:
that is what goes back into ``input`` on the next turn.

Items are told apart by ``type`` with one structure hook registered on the
shared converter (:func:`structure_response`), not by guessing from fields.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Dict, List, Mapping, Optional, Union

import attrs
import cattrs

from ..errors import InvalidResponseError
from ._base import converter, forget_cached_hooks, library_field, structure
from ._result import ApiResult

__all__ = [
    "ContentPart",
    "FunctionCallItem",
    "InputTokensDetails",
    "MessageItem",
    "OutputItem",
    "OutputTokensDetails",
    "ReasoningItem",
    "Response",
    "ResponseEvent",
    "ResponseUsage",
    "UnknownItem",
    "structure_event",
    "structure_response",
]


@attrs.define
class ContentPart:
    """One part of a message: ``output_text`` (``.text``) or ``refusal`` (``.refusal``)."""

    type: str
    text: Optional[str] = None
    refusal: Optional[str] = None
    annotations: List[Any] = attrs.field(factory=list)


@attrs.define
class MessageItem:
    id: str = ""
    type: str = "message"
    status: Optional[str] = None
    role: str = "assistant"
    content: List[ContentPart] = attrs.field(factory=list)
    phase: Optional[str] = None
    raw: Dict[str, Any] = library_field(factory=dict)

    @property
    def text(self) -> str:
        return "".join(part.text or "" for part in self.content if part.type == "output_text")

    @property
    def refusal(self) -> Optional[str]:
        refusals = [part.refusal for part in self.content if part.type == "refusal"]
        return "".join(r or "" for r in refusals) if refusals else None


@attrs.define
class FunctionCallItem:
    """The model asks for ``name(**arguments)``; answer with the same ``call_id``."""

    call_id: str
    name: str
    arguments: str = ""
    id: Optional[str] = None
    type: str = "function_call"
    status: Optional[str] = None
    raw: Dict[str, Any] = library_field(factory=dict)

    def parsed_arguments(self) -> Any:
        """The arguments decoded from JSON (raises ValueError if the model wrote bad JSON)."""
        return json.loads(self.arguments) if self.arguments else {}


@attrs.define
class ReasoningItem:
    id: str = ""
    type: str = "reasoning"
    summary: List[Dict[str, Any]] = attrs.field(factory=list)
    encrypted_content: Optional[str] = None
    status: Optional[str] = None
    raw: Dict[str, Any] = library_field(factory=dict)


@attrs.define
class UnknownItem:
    """An output item of a kind this version does not model: its JSON is in ``.raw``."""

    type: str
    id: Optional[str] = None
    raw: Dict[str, Any] = library_field(factory=dict)


OutputItem = Union[MessageItem, FunctionCallItem, ReasoningItem, UnknownItem]

_ITEM_CLASSES: Dict[str, Any] = {
    "message": MessageItem,
    "function_call": FunctionCallItem,
    "reasoning": ReasoningItem,
}


@attrs.define
class InputTokensDetails:
    cached_tokens: Optional[int] = None


@attrs.define
class OutputTokensDetails:
    reasoning_tokens: Optional[int] = None


@attrs.define
class ResponseUsage:
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: Optional[InputTokensDetails] = None
    output_tokens_details: Optional[OutputTokensDetails] = None

    @property
    def reasoning_tokens(self) -> Optional[int]:
        details = self.output_tokens_details
        return details.reasoning_tokens if details is not None else None

    @property
    def cached_tokens(self) -> Optional[int]:
        details = self.input_tokens_details
        return details.cached_tokens if details is not None else None


@attrs.define
class Response(ApiResult):
    """A Responses API reply. ``output_text`` joins the text of every message item."""

    id: str = ""
    object: str = "response"
    created_at: Optional[int] = None
    status: Optional[str] = None
    model: str = ""
    output: List[OutputItem] = attrs.field(factory=list)
    usage: Optional[ResponseUsage] = None
    error: Optional[Dict[str, Any]] = None
    incomplete_details: Optional[Dict[str, Any]] = None
    previous_response_id: Optional[str] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    #: The reply's HTTP headers (lower-case names); ``.rate_limits`` reads them.
    headers: Mapping[str, str] = library_field(factory=dict)
    #: respond_with_functions: every input item sent, ready to continue the exchange.
    messages: Optional[List[Dict[str, Any]]] = library_field()
    #: respond_with_functions: how many model calls were made.
    rounds: int = library_field(default=1)
    #: respond_with_functions: True when the loop stopped at max_rounds with calls pending.
    max_rounds_reached: bool = library_field(default=False)
    #: ``text_format=C``: the answer as a ``C`` instance (None on a refusal).
    parsed: Any = attrs.field(init=False, default=None, repr=False, eq=False)

    @property
    def output_text(self) -> str:
        return "".join(item.text for item in self.output if isinstance(item, MessageItem))

    @property
    def tool_calls(self) -> List[FunctionCallItem]:
        return [item for item in self.output if isinstance(item, FunctionCallItem)]

    @property
    def refusal(self) -> Optional[str]:
        for item in self.output:
            if isinstance(item, MessageItem) and item.refusal is not None:
                return item.refusal
        return None


@attrs.define
class ResponseEvent:
    """One streamed event. ``type`` names it; the other fields are set when it has them.

    Unknown event types arrive as they are (``type`` and ``raw``), so a new
    event kind never breaks a stream.
    """

    type: str
    sequence_number: Optional[int] = None
    delta: Optional[str] = None
    item_id: Optional[str] = None
    output_index: Optional[int] = None
    content_index: Optional[int] = None
    text: Optional[str] = None
    arguments: Optional[str] = None
    item: Optional[OutputItem] = None
    response: Optional[Response] = None
    raw: Dict[str, Any] = library_field(factory=dict)


def _structure_item(data: Any, _: Any) -> OutputItem:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ValueError(f"an output item must be an object with a 'type', got {data!r:.80}")
    cls = _ITEM_CLASSES.get(data["type"], UnknownItem)
    item: OutputItem = converter().structure(data, cls)
    item.raw = data
    return item


def _structure_response_field(data: Any, _: Any) -> Response:
    item: Response = converter().structure(data, Response)
    item.raw = data
    return item


def register_item_hooks(conv: cattrs.Converter) -> None:
    """Teach ``conv`` to dispatch output items on ``type``."""
    conv.register_structure_hook(OutputItem, _structure_item)
    conv.register_structure_hook(Optional[OutputItem], _optional(_structure_item))
    conv.register_structure_hook(Optional[Response], _optional(_structure_response_field))


@functools.lru_cache(maxsize=None)
def _register_hooks() -> cattrs.Converter:
    """Teach the shared converter to dispatch output items on ``type`` (once, on first use)."""
    conv = converter()
    register_item_hooks(conv)
    forget_cached_hooks()
    return conv


def _optional(hook: Any) -> Any:
    def structure_optional(data: Any, cls: Any) -> Any:
        return None if data is None else hook(data, cls)

    return structure_optional


def structure_response(
    data: Any, *, request_id: Optional[str] = None, headers: Optional[Mapping[str, str]] = None
) -> Response:
    """Structure a ``response`` object (a reply body, or the one inside a final event)."""
    _register_hooks()
    return structure(data, Response, request_id=request_id, headers=headers)


#: The events that make up almost all of a stream: built without the converter.
_DELTA_TYPES = frozenset({"response.output_text.delta", "response.function_call_arguments.delta"})
_DELTA_FIELDS = (
    ("delta", str),
    ("item_id", str),
    ("sequence_number", int),
    ("output_index", int),
    ("content_index", int),
)


def _delta_event(data: Dict[str, Any]) -> Optional[ResponseEvent]:
    """A delta event built directly (the same checks the converter makes), or None.

    Deltas are one per token, so the generic structuring cost would dominate
    a stream's client CPU; anything unusual falls back to the converter.
    """
    values: Dict[str, Any] = {}
    for name, kind in _DELTA_FIELDS:
        value = data.get(name)
        if value is not None:
            if type(value) is not kind:
                return None
            values[name] = value
    event = ResponseEvent(data["type"], **values)
    event.raw = data
    return event


def structure_event(data: Any) -> ResponseEvent:
    """Structure one streamed event; a payload that is not an object is a typed error."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise InvalidResponseError(f"a stream event must name its type, got {data!r:.80}")
    if data["type"] in _DELTA_TYPES:
        event = _delta_event(data)
        if event is not None:
            return event
    _register_hooks()
    return structure(data, ResponseEvent)
