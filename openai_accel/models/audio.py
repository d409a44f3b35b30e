"""Speech-to-text and translation replies."""

from typing import Any, Dict, List, Mapping, Optional

import attrs

from ._base import library_field
from ._result import ApiResult


@attrs.define
class Word:
    word: str = ""
    start: float = 0.0
    end: float = 0.0
    probability: Optional[float] = None


@attrs.define
class Segment:
    id: int = 0
    seek: int = 0
    start: float = 0.0
    end: float = 0.0
    text: str = ""
    tokens: List[int] = attrs.field(factory=list)
    temperature: Optional[float] = None
    avg_logprob: Optional[float] = None
    compression_ratio: Optional[float] = None
    no_speech_prob: Optional[float] = None


@attrs.define
class Transcription(ApiResult):
    __wire_required__ = ("text",)

    text: str = ""
    language: Optional[str] = None
    duration: Optional[float] = None
    words: Optional[List[Word]] = None
    segments: Optional[List[Segment]] = None
    task: Optional[str] = None
    usage: Optional[Dict[str, Any]] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    headers: Mapping[str, str] = library_field(factory=dict)


@attrs.define
class Translation(ApiResult):
    __wire_required__ = ("text",)

    text: str = ""
    language: Optional[str] = None
    duration: Optional[float] = None
    segments: Optional[List[Segment]] = None
    task: Optional[str] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    headers: Mapping[str, str] = library_field(factory=dict)
