"""Speech to text: a transcription, whole or streamed."""

from __future__ import annotations

import enum
from typing import (
    Any,
    List,
    Optional,
    Sequence,
    Union,
)

from .._core.context import ClientCore
from .._core.effects import Flow
from .._core.endpoints import ENDPOINTS
from .._core.multipart import AudioInput
from .._core.request import split_options
from ..errors import BadRequestError
from ..models.audio import Transcription
from ..types import TranscriptionFormat
from .audio_common import (
    DEFAULT_FORMAT as _DEFAULT_FORMAT,
)
from .audio_common import (
    TEXT_FORMATS,
)
from .audio_common import audio_call as _audio_call
from .audio_common import check_text as _check_text
from .audio_common import choice as _choice
from .audio_common import common_fields as _common_fields
from .audio_common import extra_fields as _extra_fields
from .audio_common import form_value as _form_value
from .audio_common import parse_transcription as _parse_transcription

__all__ = ["speech_to_text"]

DEFAULT_STT_MODEL = "whisper-1"
_GRANULARITIES = ("word", "segment")


def _granularities(value: Any) -> List[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not items:
        raise BadRequestError(
            "timestamp_granularities must be 'word', 'segment' or a list of them",
            param="timestamp_granularities",
        )
    result = []
    for item in items:
        name = item.value if isinstance(item, enum.Enum) else item
        if name not in _GRANULARITIES:
            raise BadRequestError(
                f"timestamp_granularities items must be 'word' or 'segment', got {item!r:.40}",
                param="timestamp_granularities",
            )
        result.append(name)
    return result


def speech_to_text(
    ctx: ClientCore,
    /,
    audio: AudioInput,
    *,
    model: str = DEFAULT_STT_MODEL,
    language: Optional[str] = None,
    prompt: Optional[str] = None,
    response_format: Union[TranscriptionFormat, str] = _DEFAULT_FORMAT,
    timestamp_granularities: Optional[Sequence[str]] = None,
    temperature: Optional[float] = None,
    filename: Optional[str] = None,
    **extra: Any,
) -> Flow[Union[Transcription, str]]:
    """Transcribe audio: a ``Transcription``, or a plain ``str`` for text/srt/vtt.

    ``audio`` is bytes, a path or a binary file object; files are streamed
    from disk, never loaded whole, and re-read for each retry. The file name
    (from the path, the object's ``.name`` or ``filename=``) tells the server
    the format; bytes without a name are sniffed. ``verbose_json`` fills
    ``.segments`` and, with ``timestamp_granularities=["word"]``, ``.words``.
    Timestamps need verbose_json: it is chosen when ``response_format`` is
    left at its default, and any other explicit format is a
    ``BadRequestError``. Text formats are returned exactly as the server sent
    them (``text`` ends with a newline). Other keyword arguments become form
    fields (lists as repeated ``name[]`` fields).
    """
    _check_text(language, "language")
    granularities = (
        None if timestamp_granularities is None else _granularities(timestamp_granularities)
    )
    fmt = _choice(response_format, TranscriptionFormat, "response_format")
    if granularities:
        if response_format is _DEFAULT_FORMAT:
            fmt = TranscriptionFormat.VERBOSE_JSON.value
        elif fmt != TranscriptionFormat.VERBOSE_JSON.value:
            raise BadRequestError(
                f"timestamp_granularities need response_format='verbose_json', not {fmt!r}",
                param="response_format",
            )
    options, body_extra = split_options(extra)
    fields = _common_fields(model, prompt, fmt, temperature)
    fields += _form_value("language", language)
    fields += _form_value("timestamp_granularities[]", granularities)
    fields += _extra_fields(body_extra)
    endpoint = ENDPOINTS["stt"]
    text_reply = fmt in TEXT_FORMATS
    return (
        yield from _audio_call(
            ctx, endpoint, audio, filename, fields, options, model, _parse_transcription, text_reply
        )
    )
