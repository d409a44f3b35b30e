"""Translation: speech in any language into English text."""

from __future__ import annotations

from typing import (
    Any,
    Optional,
    Union,
)

from .._core.audio_source import AudioInput
from .._core.context import ClientCore
from .._core.effects import Flow
from .._core.endpoints import ENDPOINTS
from .._core.request import split_options
from ..models.audio import Translation
from ..types import TranscriptionFormat
from .audio_common import TEXT_FORMATS
from .audio_common import audio_call as _audio_call
from .audio_common import choice as _choice
from .audio_common import common_fields as _common_fields
from .audio_common import extra_fields as _extra_fields
from .audio_common import parse_translation as _parse_translation

__all__ = ["translate_audio"]

DEFAULT_STT_MODEL = "whisper-1"


def translate_audio(
    ctx: ClientCore,
    /,
    audio: AudioInput,
    *,
    model: str = DEFAULT_STT_MODEL,
    prompt: Optional[str] = None,
    response_format: Union[TranscriptionFormat, str, None] = None,
    temperature: Optional[float] = None,
    filename: Optional[str] = None,
    **extra: Any,
) -> Flow[Union[Translation, str]]:
    """Translate speech into English text: a ``Translation``, or ``str`` for text/srt/vtt.

    ``audio`` is accepted as for ``speech_to_text``. ``response_format=None``
    lets the server use its default (JSON). ``verbose_json`` adds
    ``.language``, ``.duration`` and ``.segments``.
    """
    fmt = (
        None
        if response_format is None
        else _choice(response_format, TranscriptionFormat, "response_format")
    )
    options, body_extra = split_options(extra)
    fields = _common_fields(model, prompt, fmt, temperature)
    fields += _extra_fields(body_extra)
    text_reply = fmt in TEXT_FORMATS
    return (
        yield from _audio_call(
            ctx,
            ENDPOINTS["translation"],
            audio,
            filename,
            fields,
            options,
            model,
            _parse_translation,
            text_reply,
        )
    )
