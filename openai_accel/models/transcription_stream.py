"""Events of a streamed transcription (``stream=true`` on gpt-4o transcription models)."""

from typing import Any, Dict, List, Optional

import attrs

from ._base import library_field

__all__ = ["TranscriptionEvent"]


@attrs.define
class TranscriptionEvent:
    """``transcript.text.delta`` (``.delta``) or ``transcript.text.done`` (``.text``, ``.usage``).

    Other event types pass through with their JSON in ``.raw``.
    """

    type: str
    delta: Optional[str] = None
    text: Optional[str] = None
    usage: Optional[Dict[str, Any]] = None
    logprobs: Optional[List[Dict[str, Any]]] = None
    raw: Dict[str, Any] = library_field(factory=dict)
