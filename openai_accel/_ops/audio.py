"""Audio flows, by job: :mod:`.speech` (text to speech), :mod:`.transcription`,
:mod:`.translation`; what they share is in :mod:`.audio_common`.

This module keeps the names the clients (and callers) import from it.
"""

from __future__ import annotations

from .speech import (
    DEFAULT_TTS_MODEL,
    MAX_SPEECH_INPUT,
    speech_body,
    speech_to_file,
    stream_speech,
    text_to_speech,
)
from .transcription import speech_to_text, stream_transcription
from .translation import translate_audio

__all__ = [
    "DEFAULT_TTS_MODEL",
    "MAX_SPEECH_INPUT",
    "speech_body",
    "speech_to_file",
    "speech_to_text",
    "stream_speech",
    "stream_transcription",
    "text_to_speech",
    "translate_audio",
]
